// Rule 1s of the decision (decision.ts): a difference counts only while its slow leg is steady,
// and screening's "no difference" not while a leg still climbs.
import { median } from 'simple-statistics';
import { round3 } from './figures.js';
import { MARGIN_RATIO } from './margin.js';
import type { PairedRound } from './paired-rounds.js';
import { risingTrendPValue } from './trend.js';
import type { Comparison } from './types.js';

/**
 * Rule 1s: a difference counts only while the slow leg is steady. Both rules assume rounds
 * that are independent given the past; but a leg's connection lives across rounds, and on a
 * lossy path one that lost packets early climbs back by one segment per round trip for many
 * rounds (TCP congestion avoidance, RFC 5681 sec. 3.1), while the other leg runs at the line's
 * rate. In the WAN lab's unshaped 150 ms, 1% line plain HTTP climbed from 5 to 36 Mbit/s over
 * 24 rounds while HTTPS ran at 30-50, and a run called plain HTTP throttled at round 10
 * (0.36x; 1 of 4 runs, bench/RESULTS.md). A shaper holds its leg flat, or drops it once a
 * flow has carried enough (rule 6); it does not release it round by round. So while the slow
 * leg's median rate over the last third of the rounds exceeds that of the first third by more
 * than the margin, a finding waits ('unclear', `slowLegRising`) for the leg to settle.
 */
export function withSteadyLegs(c: Comparison, rounds: PairedRound[]): Comparison {
  if (c.outcome === 'same') return withSettledAlike(c, rounds);
  if (c.outcome !== 'slower' && c.outcome !== 'faster') return c;
  const measured = rounds.filter((r) => r.suspectMbps > 0 && r.referenceMbps > 0);
  const rise = legRise(measured.map((r) => (c.outcome === 'slower' ? r.suspectMbps : r.referenceMbps)));
  if (!rise) return c;
  const slowLeg = c.outcome === 'slower' ? c.suspectLeg : c.referenceLeg;
  return { ...c, outcome: 'unclear', slowLegRising: { leg: slowLeg, ...rise } };
}

/** Rule 1s for "no difference": the one-sided level of the trend test that calls a leg climbing. */
const RISING_ALPHA = 0.05;

/**
 * Rule 1s for "no difference": legs that read alike while one of them still climbs have not
 * shown what the line does. In the WAN lab's 150 ms, 1% line with port 443 capped at a third
 * of 50 Mbit/s, both connections ran under the cap for the first rounds, plain HTTP climbing
 * from 8 to 17 Mbit/s, and one run of six said no difference (1.07x) after six rounds; the
 * cap showed only once plain HTTP passed it. So the screening pair's 'same' waits ('unclear',
 * `risingWhileAlike`) while a leg climbs round after round: its rates rise with the rounds
 * (Kendall's trend test, one-sided, at RISING_ALPHA; trend.ts) and its median over the last
 * third of the rounds exceeds that of the first third by more than the margin. The margin
 * alone is not enough: on a noisy line the thirds' medians differ by a third by chance (a
 * simulated gigabit line with 40% noise per transfer, 850 against 1186 Mbit/s, no trend).
 */
function withSettledAlike(c: Comparison, rounds: PairedRound[]): Comparison {
  if (c.id !== 'screen') return c;
  const measured = rounds.filter((r) => r.suspectMbps > 0 && r.referenceMbps > 0);
  const climbing = (mbps: number[]) => (risingTrendPValue(mbps) <= RISING_ALPHA ? legRise(mbps) : undefined);
  const rises = [
    { leg: c.suspectLeg, rise: climbing(measured.map((r) => r.suspectMbps)) },
    { leg: c.referenceLeg, rise: climbing(measured.map((r) => r.referenceMbps)) },
  ].filter((x): x is { leg: string; rise: LegRise } => !!x.rise);
  if (!rises.length) return c;
  const steepest = rises.reduce((a, b) => (b.rise.lastMbps / b.rise.firstMbps > a.rise.lastMbps / a.rise.firstMbps ? b : a));
  return { ...c, outcome: 'unclear', risingWhileAlike: { leg: steepest.leg, ...steepest.rise } };
}

type LegRise = { firstMbps: number; lastMbps: number; rounds: number };

/** A leg's median rate over its last third of rounds against its first third (at least two rounds each), where it rose past the margin. */
function legRise(mbps: number[]): LegRise | undefined {
  const third = Math.max(2, Math.floor(mbps.length / 3));
  if (mbps.length < 2 * third) return undefined;
  const firstMbps = median(mbps.slice(0, third));
  const lastMbps = median(mbps.slice(-third));
  if (!(lastMbps > MARGIN_RATIO * firstMbps)) return undefined;
  return { firstMbps: round3(firstMbps), lastMbps: round3(lastMbps), rounds: mbps.length };
}
