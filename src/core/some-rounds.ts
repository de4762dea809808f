// Rule 4m: some rounds slowed. A shaper need not slow every round: a token bucket on TLS alone
// that refills while the other legs run passes a transfer whole when it waited long enough and
// holds it to the bucket's rate when it did not, so the rounds read the line's rate and the
// shaper's in turn (the throttle lab's tbf scenario, 5x with a 2 MB bucket: rounds at ~1x and
// ~4-5x, and an interval for their centre that straddled the margin until the budget ended;
// bench/RESULTS.md 2026-12-04 08:48). The signed-rank interval asks where the centre lies; this
// asks whether the rounds far past the margin on one side outnumber those as far on the other.
//
// The test. Let theta = log(MARGIN_RATIO) and d = log(SOME_ROUNDS_SPREAD). A round is "up" when
// its log ratio exceeds theta + d and "down" when it lies below theta - d. The null of a finding
// is the one the interval tests: the rounds' log ratios independent, each symmetric about a
// centre of at most theta (decision.ts rule 2). Then every round is at least as likely down as
// up, so among the rounds that are either, each is up with chance at most 1/2 given all before
// it. With u up and v down rounds, the mixture likelihood ratio
//   M = integral over p in [1/2, 1] of 2 (2p)^u (2(1-p))^v dp
// is a nonnegative supermartingale under that null (for each p >= 1/2 the factor has mean at
// most one when the chance of up is at most 1/2), so by Ville's inequality the chance that M
// ever reaches 1/a, whenever the run looks and stops, is at most a (Howard, Ramdas, McAuliffe
// & Sekhon, Ann. Statist. 2021, sec. 2; Robbins 1970 for the mixture). The product does not
// depend on the order of the rounds, so M is a function of the counts:
//   M = 2^(u+v+1) B(u+1, v+1) P(Bin(u+v+1, 1/2) <= u)
// (the incomplete beta function of integer arguments as a binomial tail). The other side
// (plaintext slowed in some rounds) is the mirror image about -theta; each side spends half of
// the test's alpha (a = alpha / 2), so a pair's false finding either way stays under alpha.
import { MARGIN_RATIO } from './margin.js';

/**
 * How far past the margin a round must lie to count (and as far on the near side to count
 * against): 2x, so a round counts up only beyond 2.5x and down below 0.625x. The rounds a
 * bucket passes whole read about 1x, scattered by cross traffic: 0.5-1.9x in the simulated
 * bucket runs of bench/RESULTS.md (2026-12-04 19:14), where a narrower spread counted more of
 * them down (on the rounds of 120 such runs at 3x and 5x the test found 8 at 2x, 6 at 1.6x and
 * 2 at 1.4x; 7 at 2.5x). Fixed before any data; a wider one only costs power, never validity.
 */
export const SOME_ROUNDS_SPREAD = 2;

/** The counts of one side's test. */
export interface SideCounts {
  up: number;
  down: number;
}

/** The rounds far past the margin on each side, from the rounds' log ratios (reference over suspect). */
export function sideCounts(logRatios: readonly number[]): { slower: SideCounts; faster: SideCounts } {
  const theta = Math.log(MARGIN_RATIO);
  const d = Math.log(SOME_ROUNDS_SPREAD);
  const count = (pred: (x: number) => boolean) => logRatios.filter(pred).length;
  return {
    slower: { up: count((x) => x > theta + d), down: count((x) => x < theta - d) },
    faster: { up: count((x) => x < -theta - d), down: count((x) => x > -theta + d) },
  };
}

/** log of k! */
function logFactorial(k: number): number {
  let s = 0;
  for (let i = 2; i <= k; i++) s += Math.log(i);
  return s;
}

/** P(Bin(n, 1/2) <= k), exactly by summing (n stays under a hundred here). */
export function binomialHalfCdf(k: number, n: number): number {
  const logWays = logFactorial(n) - n * Math.LN2;
  let s = 0;
  for (let i = 0; i <= Math.min(k, n); i++) s += Math.exp(logWays - logFactorial(i) - logFactorial(n - i));
  return Math.min(1, s);
}

/** The mixture likelihood ratio M of u up and v down rounds (header), as its logarithm. */
export function logEvidence({ up, down }: SideCounts): number {
  const m = up + down;
  const logBeta = logFactorial(up) + logFactorial(down) - logFactorial(m + 1);
  return (m + 1) * Math.LN2 + logBeta + Math.log(binomialHalfCdf(up, m + 1));
}

/**
 * The side the rounds show slowed in some rounds at this one-sided level, or undefined.
 * `alpha`: the two-sided error this test may spend over the whole run (each side half).
 */
export function someRoundsSide(logRatios: readonly number[], alpha: number): 'slower' | 'faster' | undefined {
  if (!(alpha > 0)) return undefined;
  const threshold = Math.log(2 / alpha);
  const c = sideCounts(logRatios);
  if (logEvidence(c.slower) >= threshold) return 'slower';
  if (logEvidence(c.faster) >= threshold) return 'faster';
  return undefined;
}
