// Rule 4t of the decision (decision.ts, repeated-rule.ts): the rounds after a turn.
import { MARGIN_RATIO } from './margin.js';
import type { PairedRound } from './paired-rounds.js';

/**
 * Rule 4t: the rounds after a turn. A turn is the first two rounds in a row that both ran
 * past the margin the same way, where the slow leg's transfer began with a burst in at least
 * one of them (shaping.ts: a level shift down to a flat rate). A token bucket that the long
 * rounds of the references kept full runs dry once they shorten, and a flow throttled after
 * its first megabytes crosses its threshold in one transfer: either way the rounds before
 * read alike and dilute every later one. In the throttle lab's tbf scenario (5x, 2 MB) HTTPS
 * read the line's 48 Mbit/s for 12-16 rounds, then 9-10 for the 11-16 rounds left, and the
 * interval over all of them straddled the margin to the end of the budget (bench/RESULTS.md).
 * The rounds after the turn are tested as a design of their own, on its own share of the
 * pair's alpha: which round ends the turn depends on the data, but no round tested after it
 * does, so under no difference they are as any rounds are. Only the first turn counts (a
 * second would need a share of its own), and only its side may be found.
 */
export function roundsSinceTurn(rounds: PairedRound[]): { rounds: PairedRound[]; side: 1 | -1; before: number } | undefined {
  const margin = Math.log(MARGIN_RATIO);
  const side = (r: PairedRound): 1 | -1 | 0 => {
    const x = Math.log(r.referenceMbps / r.suspectMbps);
    return x > margin ? 1 : x < -margin ? -1 : 0;
  };
  const burst = (r: PairedRound, s: 1 | -1) => (s > 0 ? r.suspectBurst : r.referenceBurst) === true;
  for (let i = 1; i < rounds.length; i++) {
    const s = side(rounds[i]!);
    if (s === 0 || side(rounds[i - 1]!) !== s || !(burst(rounds[i - 1]!, s) || burst(rounds[i]!, s))) continue;
    return { rounds: rounds.slice(i + 1), side: s, before: i + 1 };
  }
  return undefined;
}
