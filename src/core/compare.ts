// The three-way decision of the design notes: per round, the log ratio of reference goodput to
// suspect goodput; a signed-rank test and a Hodges-Lehmann interval on it; and a practical
// margin, so that a statistically clear but small difference is no finding.
import { hodgesLehmann, signedRankPValue } from './signed-rank.js';
import type { Comparison } from './types.js';

/** A difference under 25% is no finding (design notes). As a log ratio: ln(1.25). */
export const DEFAULT_MARGIN_RATIO = 1.25;
/** With fewer rounds no distribution-free 95% interval exists (signed-rank, n = 6 gives 96.9%). */
export const MIN_ROUNDS = 6;

export interface PairedRound {
  suspectMbps: number;
  referenceMbps: number;
}

export interface CompareOptions {
  marginRatio?: number;
  level?: number;
}

/** Outcome of the suspect leg relative to the reference leg. */
export function compareRounds(
  id: string,
  suspectLeg: string,
  referenceLeg: string,
  rounds: PairedRound[],
  opts: CompareOptions = {},
): Comparison {
  const margin = Math.log(opts.marginRatio ?? DEFAULT_MARGIN_RATIO);
  // A round with a zero on either side carries no ratio (a failed or empty transfer).
  const logRatios = rounds
    .filter((r) => r.suspectMbps > 0 && r.referenceMbps > 0)
    .map((r) => Math.log(r.referenceMbps / r.suspectMbps));
  const hl = hodgesLehmann(logRatios, opts.level ?? 0.95);
  const pValue = signedRankPValue(logRatios);
  let outcome: Comparison['outcome'] = 'unclear';
  if (logRatios.length >= MIN_ROUNDS && Number.isFinite(hl.lo) && Number.isFinite(hl.hi)) {
    if (hl.lo > margin) outcome = 'slower';
    else if (hl.hi < -margin) outcome = 'faster';
    else if (hl.lo > -margin && hl.hi < margin) outcome = 'same';
  }
  return {
    id,
    suspectLeg,
    referenceLeg,
    ratio: Number.isFinite(hl.estimate) ? Math.exp(hl.estimate) : NaN,
    ci95: [Math.exp(hl.lo), Math.exp(hl.hi)],
    pValue,
    rounds: logRatios.length,
    outcome,
  };
}
