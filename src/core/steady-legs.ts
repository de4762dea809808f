// Rule 1s of the decision (decision.ts): a difference counts only while its slow leg is steady,
// and screening's "no difference" not while a leg still climbs.
import { median } from 'simple-statistics';
import { round3 } from './figures.js';
import { intervalOutcome, MIN_ROUNDS } from './interval-rule.js';
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
  const rises = legRises(c, measured);
  if (!rises.length || climbEnded(c, measured)) return c;
  const steepest = rises.reduce((a, b) => (b.rise.lastMbps / b.rise.firstMbps > a.rise.lastMbps / a.rise.firstMbps ? b : a));
  return { ...c, outcome: 'unclear', risingWhileAlike: { leg: steepest.leg, ...steepest.rise } };
}

/** The legs of a pair that climb over these rounds: their rates rise with the rounds, and their last third past the margin over their first. */
function legRises(c: Comparison, rounds: PairedRound[]): { leg: string; rise: LegRise }[] {
  const climbing = (mbps: number[]) => (risingTrendPValue(mbps) <= RISING_ALPHA ? legRise(mbps) : undefined);
  return [
    { leg: c.suspectLeg, rise: climbing(rounds.map((r) => r.suspectMbps)) },
    { leg: c.referenceLeg, rise: climbing(rounds.map((r) => r.referenceMbps)) },
  ].filter((x): x is { leg: string; rise: LegRise } => !!x.rise);
}

/**
 * Rule 1s for "no difference", once the climb is over: over the last third of the rounds (at
 * least MIN_ROUNDS, after rounds before them) neither leg's rates rise with the rounds
 * (Kendall's test as above, with no margin asked), and the two read alike there
 * on their own (the 95% interval of those rounds inside the margin). Both legs have then
 * reached the rate they hold, and a cap under it would show in those rounds. A line whose
 * other traffic held both legs at half its rate for the first rounds and then left climbs by
 * these tests, and the run would otherwise wait for the early rounds to drop out of the first
 * third: in the throttle lab's fresh draw a 39 Mbit/s line read both legs at 13-16 Mbit/s for
 * four rounds, then 31-35 alike (0.99-1.01x over 37 rounds), and the run spent its 60 MB
 * waiting and ended inconclusive (bench/RESULTS.md, 2026-12-07 04:08). A leg still climbing at
 * the end (the WAN lab's first connections under a cap) keeps the answer waiting.
 */
function climbEnded(c: Comparison, rounds: PairedRound[]): boolean {
  const tail = Math.max(MIN_ROUNDS, Math.floor(rounds.length / 3));
  if (rounds.length <= tail) return false;
  const last = rounds.slice(-tail);
  // Any rise with the rounds, past the margin or not: a leg creeping up may not be done.
  if (risingTrendPValue(last.map((r) => r.suspectMbps)) <= RISING_ALPHA || risingTrendPValue(last.map((r) => r.referenceMbps)) <= RISING_ALPHA) return false;
  return intervalOutcome(c.id, c.suspectLeg, c.referenceLeg, last, 0.95).outcome === 'same';
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
