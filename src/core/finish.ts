// What both runners (HTTP legs in runner.ts, M-Lab's ndt7 legs in ndt7/run.ts) do with their
// rounds: pair them, summarise each leg, and turn the comparisons into the Result's verdict,
// ratio, interval, shaping estimate and reasons.
import { median } from 'simple-statistics';
import { compareRounds, DEFAULT_MARGIN_RATIO, MIN_ROUNDS, type PairedRound } from './compare.js';
import type { PairSpec } from './plan.js';
import { estimateShaping, sustainedMbps, type BinnedTransfer } from './shaping.js';
import type { Comparison, LegResult, LegSpec, Result, TransferRecord } from './types.js';
import { decide } from './verdict.js';

/** One transfer as the decision sees it. */
export type MeasuredTransfer = BinnedTransfer & { bytes: number; durationMs: number; mbps: number };

export interface MeasuredLeg {
  spec: LegSpec;
  /** Samples by round number. */
  samples: Map<number, MeasuredTransfer>;
}

/** Pairs the two legs' samples of the same rounds and compares them. */
export function compareLegs(pair: PairSpec, suspect: MeasuredLeg, reference: MeasuredLeg, marginRatio = DEFAULT_MARGIN_RATIO): Comparison {
  const rounds: PairedRound[] = [];
  for (const [round, s] of suspect.samples) {
    const r = reference.samples.get(round);
    if (r) rounds.push({ suspectMbps: sustainedMbps(s).mbps, referenceMbps: sustainedMbps(r).mbps });
  }
  return compareRounds(pair.id, pair.suspect.id, pair.reference.id, rounds, { marginRatio });
}

/**
 * Both of the last two paired rounds at least 2x apart the same way: the flows may have just
 * crossed a shaper's threshold, so an equal answer from the earlier rounds is stale. Two such
 * rounds in a row are rare on an unshaped line, where cross traffic moves both legs.
 */
export function lastRoundsApart(suspect: MeasuredLeg, reference: MeasuredLeg): { ratio: number; slowLeg: 'suspect' | 'reference' } | undefined {
  const rounds = [...suspect.samples.keys()].filter((r) => reference.samples.has(r)).sort((a, b) => a - b).slice(-2);
  if (rounds.length < 2) return undefined;
  const logRatios = rounds.map((r) => Math.log(sustainedMbps(reference.samples.get(r)!).mbps / sustainedMbps(suspect.samples.get(r)!).mbps));
  const apart = Math.log(2);
  if (!logRatios.every((x) => x > apart) && !logRatios.every((x) => x < -apart)) return undefined;
  return { ratio: Math.exp(Math.abs(logRatios[1]!)), slowLeg: logRatios[0]! > 0 ? 'suspect' : 'reference' };
}

/**
 * The slow leg's transfers from the rounds in which it was slower than the other leg by more
 * than the margin: the shaper's rate is what a throttled flow gets while throttled. Throttling
 * that begins after the first megabytes of a flow would otherwise be read as a blend of the
 * fast and the slow rounds (the lab's 20-to-1.5 Mbit/s scenario read 8.4). Every round when
 * fewer than three qualify.
 */
function throttledSamples(slow: MeasuredLeg, fast: MeasuredLeg): MeasuredTransfer[] {
  const all = [...slow.samples.values()];
  const picked = [...slow.samples.entries()]
    .filter(([round, s]) => {
      const f = fast.samples.get(round);
      return f !== undefined && sustainedMbps(f).mbps > DEFAULT_MARGIN_RATIO * sustainedMbps(s).mbps;
    })
    .map(([, s]) => s);
  return picked.length >= 3 ? picked : all;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function legResults(legs: Iterable<MeasuredLeg>): LegResult[] {
  return [...legs].map((l) => {
    const samples = [...l.samples.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
    return {
      ...l.spec,
      transfers: samples.map((s) => {
        const steady = sustainedMbps(s);
        const record: TransferRecord = { bytes: s.bytes, ms: Math.round(s.durationMs), mbps: round3(s.mbps) };
        if (steady.burstBytes > 0) record.steadyMbps = round3(steady.mbps);
        return record;
      }),
      medianMbps: samples.length ? round3(median(samples.map((s) => s.mbps))) : 0,
    };
  });
}

/** What a run has measured so far; the state both runners keep. */
export interface RunProgressState {
  bytesUsed: number;
  warnings: string[];
  rounds: number;
  legs: Map<string, MeasuredLeg>;
  comparisons: Comparison[];
}

/** The Result of a run stopped now: `failed` until applyDecision says otherwise. */
export function resultSoFar(state: RunProgressState, endpoint: string, durationMs: number): Result {
  return {
    verdict: 'failed',
    ratio: NaN,
    ci95: [NaN, NaN],
    pValue: NaN,
    rounds: state.rounds,
    bytesUsed: state.bytesUsed,
    durationMs: Math.round(durationMs),
    endpoint,
    legs: legResults(state.legs.values()),
    comparisons: state.comparisons,
    warnings: state.warnings,
  };
}

/** Why an unclear answer is unclear, in numbers. */
export function explainUnclear(comparisons: Comparison[]): string[] {
  const screen = comparisons.find((c) => c.id === 'screen');
  if (!screen) return [];
  if (screen.rounds < MIN_ROUNDS) {
    return [`only ${screen.rounds} rounds fitted the budget; at least ${MIN_ROUNDS} are needed for a 95% interval`];
  }
  const [lo, hi] = screen.ci95;
  if (screen.pendingRound) {
    return [
      `the ${lo.toFixed(2)}-${hi.toFixed(2)}x interval cleared the ${DEFAULT_MARGIN_RATIO}x margin only in the last round, and a finding must hold over two rounds in a row`,
    ];
  }
  if (screen.lessBusyLean) {
    const q = screen.lessBusyLean;
    return [
      `all ${screen.rounds} rounds were within the ${DEFAULT_MARGIN_RATIO}x margin (${lo.toFixed(2)}-${hi.toFixed(2)}x), but the ${q.rounds} least busy leaned to ${q.ratio.toFixed(2)}x (${q.ci95[0].toFixed(2)}-${q.ci95[1].toFixed(2)}x): a cap that binds only while the line is free would look like this`,
    ];
  }
  // An interval inside the margin can be unclear for a reason the runner has given already.
  if (lo > 1 / DEFAULT_MARGIN_RATIO && hi < DEFAULT_MARGIN_RATIO) return [];
  return [
    `after ${screen.rounds} rounds the 95% interval (${lo.toFixed(2)}-${hi.toFixed(2)}x) still straddles the ${DEFAULT_MARGIN_RATIO}x margin`,
  ];
}

/**
 * Applies the decision to a Result whose measurements are filled in. `checkCpu` may turn a
 * throttling verdict into `inconclusive` when a processor could explain it (cpu-bound.ts).
 */
export async function applyDecision(
  result: Result,
  legs: Map<string, MeasuredLeg>,
  checkCpu: (result: Result, slowLeg: string, fastLeg: string) => Promise<void>,
): Promise<Result> {
  const decision = decide(result.comparisons);
  result.verdict = decision.verdict;
  result.warnings = [...result.warnings, ...decision.warnings];
  if (decision.cause) result.cause = decision.cause;
  if (decision.basis) {
    result.ratio = decision.basis.ratio;
    result.ci95 = decision.basis.ci95;
    result.pValue = decision.basis.pValue;
  }
  if (decision.verdict === 'inconclusive') result.warnings.push(...explainUnclear(result.comparisons));
  if (decision.basis && (decision.verdict === 'tls-throttled' || decision.verdict === 'plaintext-throttled')) {
    const tlsSlow = decision.verdict === 'tls-throttled';
    const slowLeg = tlsSlow ? decision.basis.suspectLeg : decision.basis.referenceLeg;
    const fastLeg = tlsSlow ? decision.basis.referenceLeg : decision.basis.suspectLeg;
    const leg = legs.get(slowLeg);
    const other = legs.get(fastLeg);
    if (leg && other && leg.spec.direction === 'down') {
      const shaping = estimateShaping(slowLeg, throttledSamples(leg, other));
      if (shaping) result.shaping = shaping;
    }
    await checkCpu(result, slowLeg, fastLeg);
  }
  return result;
}
