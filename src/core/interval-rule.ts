// Rules 2-5 of the decision (decision.ts): the signed-rank interval of a pair's rounds against
// the margin, the less busy rounds' second look and the two looks ('interval', kept for
// comparison: bench:sim --rule interval). Rules 2 and 3 on a set of rounds (intervalOutcome)
// and rule 4's choice of rounds (lessBusyRounds) serve the repeated rule too (repeated-rule.ts).
import { MARGIN_RATIO } from './margin.js';
import type { PairedRound } from './paired-rounds.js';
import { hodgesLehmann, signedRankPValue } from './signed-rank.js';
import type { Comparison } from './types.js';

/** With fewer rounds no distribution-free 95% interval exists (signed-rank, n = 6 gives 96.9%). */
export const MIN_ROUNDS = 6;
/** The level of the second look (rule 4), which needs at least 8 rounds. */
export const LESS_BUSY_LEVEL = 0.99;
const LESS_BUSY_MIN_ROUNDS = 8;

/** Rules 2-5: the outcome of the suspect leg against the reference leg. */
export function compareRounds(id: string, suspectLeg: string, referenceLeg: string, rounds: PairedRound[]): Comparison {
  const measured = rounds.filter((r) => r.suspectMbps > 0 && r.referenceMbps > 0);
  const now = look(id, suspectLeg, referenceLeg, measured);
  if (now.outcome !== 'slower' && now.outcome !== 'faster') return now;
  // Rule 5. In a Monte Carlo of an unshaped line whose cross traffic came and went
  // independently between transfers, false findings fell from 1.5% to 0.8% with it, for one
  // more round per finding (docs/method.md).
  const before = look(id, suspectLeg, referenceLeg, measured.slice(0, -1));
  return before.outcome === now.outcome ? now : { ...now, outcome: 'unclear', pendingRound: true };
}

/** Rules 2-4 at one look: all rounds, then the less busy ones when they show more. */
function look(id: string, suspectLeg: string, referenceLeg: string, measured: PairedRound[]): Comparison {
  const all = intervalOutcome(id, suspectLeg, referenceLeg, measured, 0.95);
  if (all.outcome === 'slower' || all.outcome === 'faster') return all;
  const lessBusy = lessBusyRounds(measured);
  if (!lessBusy) return all;
  const quiet = intervalOutcome(id, suspectLeg, referenceLeg, lessBusy, LESS_BUSY_LEVEL);
  const agrees = (quiet.outcome === 'slower' && all.ratio > 1) || (quiet.outcome === 'faster' && all.ratio < 1);
  if (!agrees && all.outcome !== 'same') return all;
  // A finding reports the 95% interval of the rounds kept (narrower than the 99% one that
  // decided it, so past the margin too, as `ci95` promises).
  const quiet95 = intervalOutcome(id, suspectLeg, referenceLeg, lessBusy, 0.95);
  if (agrees) return { ...quiet95, outcome: quiet.outcome, busyRoundsLeftOut: measured.length - lessBusy.length };
  // Withholding 'same' needs no interval: it only asks for more rounds. The lab's 25-of-50
  // Mbit/s cap said no-difference after 17 rounds of which HTTP ran free in 7 without it.
  if (quiet95.ratio > MARGIN_RATIO || quiet95.ratio < 1 / MARGIN_RATIO) {
    return { ...all, outcome: 'unclear', lessBusyLean: { rounds: quiet95.rounds, ratio: quiet95.ratio, ci95: quiet95.ci95 } };
  }
  return all;
}

/** How many of n rounds rule 4 keeps: half, at least LESS_BUSY_MIN_ROUNDS (none are left out below that). */
export function lessBusyKeep(n: number): number {
  return Math.max(LESS_BUSY_MIN_ROUNDS, Math.ceil(n / 2));
}

/**
 * Rule 4's rounds: exactly the less busy half (at least LESS_BUSY_MIN_ROUNDS), or undefined
 * when there are too few to leave any out. Ranked by the faster leg of each round, which is
 * symmetric in the two legs, so on an unshaped line which leg was faster stays a coin toss in
 * the rounds kept and the signed-rank interval keeps its level. Ties go to the earlier round
 * (a stable sort): a capped leg reads the same rate round after round, and taking every round
 * tied at the cut would let the busy rounds back in.
 *
 * `shiftLog` (rule 4r): the reference is scaled by e^-shiftLog before ranking. Testing "the
 * reference is at most e^theta times the suspect" at its boundary theta, the ranking must be
 * symmetric in the suspect and the reference scaled by e^-theta, or it would favour rounds where
 * the reference ran fast: unscaled, a cap exactly at the margin was called throttled in 28.5% of
 * 200 simulated runs (bench/RESULTS.md).
 */
export function lessBusyRounds(rounds: PairedRound[], shiftLog = 0): PairedRound[] | undefined {
  const keep = lessBusyKeep(rounds.length);
  if (rounds.length <= keep) return undefined;
  const faster = (r: PairedRound) => Math.max(r.suspectMbps, r.referenceMbps * Math.exp(-shiftLog));
  return [...rounds].sort((a, b) => faster(b) - faster(a)).slice(0, keep);
}

/** Rules 2 and 3 on a set of rounds at one level. */
export function intervalOutcome(id: string, suspectLeg: string, referenceLeg: string, rounds: PairedRound[], level: number): Comparison {
  const margin = Math.log(MARGIN_RATIO);
  const logRatios = rounds.map((r) => Math.log(r.referenceMbps / r.suspectMbps));
  const hl = hodgesLehmann(logRatios, level);
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
    pValue: signedRankPValue(logRatios),
    rounds: logRatios.length,
    outcome,
  };
}
