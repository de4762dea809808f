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
 * when there are too few to leave any out. Ranked by the geometric mean of the two legs' rates
 * in each round, which is symmetric in the two legs, so on an unshaped line which leg was
 * faster stays a coin toss in the rounds kept and the signed-rank interval keeps its level.
 * Ties go to the earlier round (a stable sort): a capped leg reads the same rate round after
 * round, and taking every round tied at the cut would let the busy rounds back in.
 *
 * Rule 4r tests "the reference is at most e^theta times the suspect" at its boundary theta,
 * where the ranking must be symmetric in the suspect and the reference scaled by e^-theta, or it
 * would favour rounds where the reference ran fast (ranked by the faster leg unscaled, a cap
 * exactly at the margin was called throttled in 28.5% of 200 simulated runs; bench/RESULTS.md).
 * Scaling a leg multiplies every round's geometric mean by the same factor, so one ranking is
 * that symmetric one for every theta at once. The faster leg scaled to theta was, too, but a
 * capped leg sits at its cap in every round, scaled up to the margin it stands level with the
 * free rounds' other leg, and its rounds drew in or left out the busy rounds by the cap's
 * jitter: in the throttle lab's held-out ho-8 (port 443 at 42 of a drifting 63 Mbit/s, in a
 * class of its own) HTTPS read 39-40 Mbit/s in 30 of 32 rounds and 41-42 in two, one of them a
 * round that plain HTTP, squeezed by the cross traffic, read at 24; scaled, that round ranked
 * with the 13 free ones and held the look's interval under the margin (bench/RESULTS.md,
 * 2026-12-06 18:41; the simulation, 2026-12-06 19:32). The geometric mean puts a round where
 * either leg was squeezed below those where neither was.
 *
 * `free` (rule 4r's look): of the half, only the rounds that ran with the line free
 * (freeRounds), but at least `least`, the fewest whose interval can reach the look's level.
 */
export function lessBusyRounds(rounds: PairedRound[], free?: { least: number }): PairedRound[] | undefined {
  const keep = lessBusyKeep(rounds.length);
  if (rounds.length <= keep) return undefined;
  const ranked = rankedByLine(rounds);
  if (!free) return ranked.slice(0, keep);
  return ranked.slice(0, Math.min(keep, Math.max(free.least, freeRounds(ranked.map(lineFigure)))));
}

/**
 * Rule 1f for a finding of the less busy rounds (rule 4r): of the rounds on new connections,
 * those that ran with the line free (freeRounds, which counts the FREE_RANK highest whatever
 * they read, so a few rounds all count, and where the line was busy in most rounds the bar
 * falls to their level and all count). Not half: the new connections' rounds only confirm a
 * finding the look already made at its level, so what they must show is the difference where
 * the look found it, the cap binding while the line is free. Read on all of them, a cap that
 * the line's other traffic hides in many rounds confirms only by chance: in simulation a 1.5x
 * cap on a 7.6 Mbit/s, 32 ms line, found at 1.54x in the less busy rounds, read 1.15x on its 32
 * new-connection rounds and the run ended `fresh-unconfirmed` at its 48th round; the 9 of them
 * with the line free read 1.34x (bench/RESULTS.md, 2026-12-07 06:45).
 */
export function lineFreeRounds(rounds: PairedRound[]): PairedRound[] {
  const ranked = rankedByLine(rounds);
  return ranked.slice(0, freeRounds(ranked.map(lineFigure)));
}

/** Rule 4's ranking figure: the geometric mean of the two legs' rates, symmetric in the legs. */
const lineFigure = (r: PairedRound) => Math.sqrt(r.suspectMbps * r.referenceMbps);

/** Rounds by lineFigure, highest first; ties keep their order (a stable sort). */
function rankedByLine(rounds: PairedRound[]): PairedRound[] {
  return [...rounds].sort((a, b) => lineFigure(b) - lineFigure(a));
}

const FREE_RANK = 5;
const FREE_SHARE = 0.85;

/**
 * Rule 4r: how many of the ranked rounds ran with the line free, their ranking figure (the
 * legs' geometric mean) within FREE_SHARE of the FREE_RANK-th highest. Where the line's other
 * traffic is on in more than half of the rounds, the less busy half still holds busy ones: in
 * the throttle lab HTTPS sat at 23-24 Mbit/s in a class of its own in all 42 rounds while
 * plain HTTP read 39-47 in 19 of them and 10-23 in the rest, the half at 40 rounds was the 19
 * and one busy round, and that one round's Walsh averages pulled the look's 99.93% bound under
 * the margin though the 95% interval of the 20 read 1.52-1.77x (bench/RESULTS.md, 2026-12-06
 * 07:03). The count is a function of the rounds' ranking figures alone, each symmetric in
 * the two legs, and the bar is a share of one of them, so scaling a leg to the value tested
 * scales the figures and the bar alike and leaves the count as it was: as for the half, which
 * leg was faster in a round kept stays a coin toss under the hypothesis tested and the
 * signed-rank interval keeps its level. The FREE_RANK-th highest, not the highest, so that the few rounds a boost or the
 * drift carried above the line's usual rate do not set the bar; FREE_SHARE allows the 2-15% a
 * transfer's rate varies by on a free line (bench/sim-line.ts). Both were chosen on the
 * simulation's bulk cross traffic with a cap in a class, with the faster leg as the figure (a
 * bar at 70% found 170 of 200 2x caps, at 85% 174; bench/RESULTS.md, 2026-12-06 09:19), not
 * on the lab.
 */
function freeRounds(rankedMbps: number[]): number {
  const bar = FREE_SHARE * rankedMbps[Math.min(FREE_RANK, rankedMbps.length) - 1]!;
  const below = rankedMbps.findIndex((mbps) => mbps < bar);
  return below < 0 ? rankedMbps.length : below;
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
