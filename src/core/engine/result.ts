// Every Result is built here: the engine's at the end of a run (or when it stops early), and
// the failed one a caller needs when no run could start (the extension's refusals, an
// abandoned run). One constructor, so a field added to the Result is added everywhere.
import { median } from 'simple-statistics';
import { round3 } from '../figures.js';
import type { MeasuredLeg } from '../paired-rounds.js';
import type { Note, RunError } from '../notes.js';
import { sustainedMbps } from '../shaping.js';
import type { Comparison, LegResult, Result, TransferRecord } from '../types.js';

export function legResults(legs: Iterable<MeasuredLeg>): LegResult[] {
  return [...legs].map((l) => {
    const samples = [...l.samples.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
    return {
      ...l.spec,
      transfers: samples.map((s) => {
        const steady = sustainedMbps(s);
        const record: TransferRecord = { bytes: s.bytes, ms: Math.round(s.durationMs), mbps: round3(s.mbps) };
        if (steady.burstBytes > 0) record.steadyMbps = round3(steady.mbps);
        if (s.flow?.connection) record.connection = s.flow.connection;
        return record;
      }),
      medianMbps: samples.length ? round3(median(samples.map((s) => s.mbps))) : 0,
    };
  });
}

export interface MeasuredSoFar {
  rounds: number;
  bytesUsed: number;
  legs: Iterable<MeasuredLeg>;
  comparisons: Comparison[];
  notes: Note[];
}

/** A Result with no verdict yet: `failed` with NaN figures until a decision fills them in. */
export function resultOf(endpoint: string, durationMs: number, measured: MeasuredSoFar, error?: RunError): Result {
  const result: Result = {
    verdict: 'failed',
    ratio: NaN,
    ci95: [NaN, NaN],
    pValue: NaN,
    rounds: measured.rounds,
    bytesUsed: measured.bytesUsed,
    durationMs: Math.round(durationMs),
    endpoint,
    legs: legResults(measured.legs),
    comparisons: measured.comparisons,
    warnings: [...measured.notes],
  };
  if (error) result.error = error;
  return result;
}

/** The Result of a run that measured nothing. */
export function failedResult(endpoint: string, error: RunError, durationMs = 0, bytesUsed = 0): Result {
  return resultOf(endpoint, durationMs, { rounds: 0, bytesUsed, legs: [], comparisons: [], notes: [] }, error);
}
