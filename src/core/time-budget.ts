// The time policy of a run. A run plans to answer within PLANNED_DURATION_MS; the caller's
// limit (the CLI's --max-seconds, the extension's longest test) is a cap the run may grow to
// while its answer is still open, not a length it aims for. On a long or lossy path every
// transfer lasts ten round trips (sizer.ts targetForRtt), a round of four or five legs then
// takes 5-10 s, and a minute buys 6-12 rounds. In the stopping-rule simulation
// (bench/sim-stopping.ts, bench/RESULTS.md "The time a run may take") a one-minute limit left
// 14.5% of unshaped runs inconclusive, nearly all on paths over 80 ms with screening's interval
// still open; planning a minute and growing to two while an answer is open left 3.7% (2.5%
// with the line planned again, engine.ts lineMoved), and the median run took no longer. Bytes stay within their own budget, so a longer run costs the
// user only the wait, which is said before the run (CLI stderr, the popup's "up to" time) and
// again when the run grows.
//
// Pure: no clock, no I/O.

/** What a run plans to take when its answer comes in time. */
export const PLANNED_DURATION_MS = 60_000;

/** The caller's limit by default: twice what a run plans for (see above). */
export const DEFAULT_LIMIT_MS = 120_000;

/**
 * The caller's limit by default when a run diagnoses from the start (--diagnose): up to nine
 * legs a round, so a round on a long path takes twice as long as a default run's. In the
 * simulation (bench/RESULTS.md "A diagnosis's time") two minutes left 13.4% of unshaped
 * diagnosing runs inconclusive, most of them on paths over 50 ms out of time with bytes to
 * spare (a 2x cap on a 7 Mbit/s, 148 ms line: 7 rounds of about 13 s); four left 4.1%, and
 * 2x caps were found in 91.0% of runs instead of 86.0%. It is a cap, not a plan: a run still
 * plans a minute and stops at its answer.
 */
export const DIAGNOSE_LIMIT_MS = 2 * DEFAULT_LIMIT_MS;

/** The time a run plans for within the caller's limit, and that limit as its cap. */
export function runDurations(limitMs: number): { maxDurationMs: number; capDurationMs: number } {
  return { maxDurationMs: Math.min(PLANNED_DURATION_MS, limitMs), capDurationMs: limitMs };
}

/**
 * The longer time a run takes when its open comparisons are expected to need `rounds` more
 * rounds of `roundMs` each (fast-line.ts roundsToSettle): what they cost from now, or the cap
 * when they would pass it (that estimate is rough after a few rounds, and a run cut short is
 * an inconclusive the user must run again). Undefined when no estimate exists: a comparison
 * whose estimate sits on the margin, which no number of rounds settles.
 */
export function extendedDurationMs(i: { elapsedMs: number; maxDurationMs: number; capDurationMs: number; rounds: number; roundMs: number }): number | undefined {
  if (!(i.rounds > 0 && Number.isFinite(i.rounds) && i.roundMs > 0)) return undefined;
  return Math.max(i.maxDurationMs, Math.min(i.capDurationMs, Math.ceil(i.elapsedMs + i.rounds * i.roundMs)));
}
