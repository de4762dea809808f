// Rule 1f of the decision (decision.ts): on a long path a finding stands only once it also
// shows on new connections.
import { MIN_FLOW_BYTES } from './needs-rounds.js';
import { MARGIN_RATIO } from './margin.js';
import { pairRounds, pathRttMs, type MeasuredLeg } from './paired-rounds.js';
import { round3 } from './figures.js';
import { lineFreeRounds } from './interval-rule.js';
import { sustainedMbps } from './shaping.js';
import { hodgesLehmann, signedRankPValue } from './signed-rank.js';
import { binomialHalfCdf, sideCounts, someRoundsSide, type SideCounts } from './some-rounds.js';
import type { Comparison } from './types.js';

/**
 * Rule 1f: a path is long where transfers are sized in round trips (sizer.ts targetForRtt:
 * ten round trips exceed 300 ms beyond 30 ms).
 */
export const LONG_PATH_RTT_MS = 30;
/** Rule 1f: the fewest rounds on new connections that can confirm a finding (one-sided, all three one way: p = 1/8). */
export const FRESH_MIN_ROUNDS = 3;
const FRESH_ALPHA = 0.125;
/** Rule 1f: the pairs that can make a finding (rule 8); a port swap only names its cause. */
const FRESH_PAIRS: ReadonlySet<string> = new Set(['screen', 'entropy', 'tls-vs-low-entropy', 'upload']);

/**
 * Rule 1f: on a long path a finding stands only once it also shows on new connections. Each
 * leg keeps one connection across rounds, and every transfer there restarts slow start after
 * the wait (rule 1) and leaves it at that connection's own threshold, set by its own losses,
 * so its rounds are not independent: on the WAN lab's unshaped 150 ms, 1% loss line one leg
 * read a third slower than the other for ten rounds with no shaper, and 2 of 8 runs made a
 * false finding (plain HTTP slower at 0.36x and 0.68x; bench/RESULTS.md). A shaper slows
 * every connection of its class; a connection's own history stays with that connection. So
 * once a pair's rounds find a difference, the engine renews both legs' connections
 * (Driver.renewFlow), and the difference must show again on the new ones: on the rounds both
 * of whose transfers rode a renewed connection, counted once the slow leg's new connection
 * has carried what its first had carried when the difference began (differenceBegan; at most
 * rule 6's flow minimum, so a shaper that waits for a flow's first megabytes holds the new
 * one too), at least FRESH_MIN_ROUNDS, their Hodges-Lehmann estimate past the margin the same way
 * and a one-sided signed-rank test at FRESH_ALPHA against no difference. The replication's
 * worth is in being on other connections, not in its length: a connection's offset persists
 * over its rounds, so more of them would barely lower the chance that the new connections
 * also lean one way, and a second test beside the first can only lower the false-finding rate
 * the first controls. What it costs is rounds. Until then the outcome is 'unclear' with
 * `freshFlows` saying how far it got.
 */
export function withFreshFlows(c: Comparison, suspect: MeasuredLeg, reference: MeasuredLeg, runRttMs?: number): Comparison {
  if ((c.outcome !== 'slower' && c.outcome !== 'faster') || !FRESH_PAIRS.has(c.id)) return c;
  const rttMs = longPathRttMs(suspect, reference, runRttMs);
  if (rttMs === undefined) return c;
  const [slow, fast] = c.outcome === 'slower' ? [suspect, reference] : [reference, suspect];
  const carried = Math.min(MIN_FLOW_BYTES, differenceBegan(slow, fast) ?? MIN_FLOW_BYTES);
  // The fast leg's new connection counts from its first transfer: no shaper is held to wait for it.
  const renewed = (leg: MeasuredLeg): MeasuredLeg => {
    const least = leg === slow ? carried : 0;
    const samples = [...leg.samples].filter(([, s]) => !!s.flow && s.flow.connection > 0 && s.flow.carriedBytes >= least);
    return { ...leg, samples: new Map(samples) };
  };
  // A finding of the less busy rounds (rule 4r) shows again where it was found: in the new
  // connections' rounds with the line free (interval-rule.ts lineFreeRounds).
  const logs = logRatios(renewed(suspect), renewed(reference), rttMs, !!c.busyRoundsLeftOut);
  const side = c.outcome === 'slower' ? 1 : -1;
  const estimate = logs.length ? hodgesLehmann(logs).estimate : NaN;
  const someRounds = c.someRoundsOf !== undefined ? sideCounts(logs)[c.outcome] : undefined;
  const confirmed =
    logs.length >= FRESH_MIN_ROUNDS &&
    (someRounds ? someRoundsShowAgain(someRounds) : side * estimate > Math.log(MARGIN_RATIO) && signedRankPValue(logs) / 2 <= FRESH_ALPHA);
  const freshFlows = { rounds: logs.length, confirmed, ...(logs.length ? { ratio: round3(Math.exp(estimate)) } : {}), afterBytes: carried, ...(someRounds ? { someRounds } : {}) };
  return confirmed ? { ...c, freshFlows } : { ...c, outcome: 'unclear', freshFlows };
}

/**
 * Rule 1f for a finding from some rounds slowed (rule 4m, some-rounds.ts): the new connections
 * must show the evidence it rests on, rounds far past the margin on the finding's side
 * ("up"), not the centre of all their rounds. A token bucket on TLS alone slows some rounds
 * and passes others whole on every connection, so the new connections' interval straddles
 * the margin as the first ones' did, however long they run. Confirmed when at least
 * FRESH_MIN_ROUNDS rounds are up and a one-sided sign test of up against "down" (as far on
 * the near side, some-rounds.ts sideCounts) gives P(Bin(up + down, 1/2) >= up) <=
 * FRESH_ALPHA: on a line with no difference, whose rounds are symmetric about 1x, a round is
 * at most as likely past 2.5x one way as past 0.625x the other (three up and none down: 1/8).
 */
function someRoundsShowAgain({ up, down }: SideCounts): boolean {
  return up >= FRESH_MIN_ROUNDS && 1 - binomialHalfCdf(up - 1, up + down) <= FRESH_ALPHA;
}

/**
 * Rule 1f: what the slow leg's first connection had carried when its difference began: before
 * the first of two rounds in a row that ran past the margin, on the first connections. A cap
 * from the start begins after the ramp; a shaper that waits for a flow's first megabytes,
 * after them. Undefined where no two such rounds ran in a row.
 */
function differenceBegan(slow: MeasuredLeg, fast: MeasuredLeg): number | undefined {
  let began: number | undefined;
  for (const [round, s] of [...slow.samples].sort((a, b) => a[0] - b[0])) {
    const f = fast.samples.get(round);
    const apart = !!f && s.flow?.connection === 0 && f.flow?.connection === 0 && sustainedMbps(f).mbps > MARGIN_RATIO * sustainedMbps(s).mbps;
    if (apart && began !== undefined) return began;
    began = apart ? s.flow!.carriedBytes : undefined;
  }
  return undefined;
}

/**
 * Rule 1f, begun early: the evidence at which a pair of a long path gets new connections
 * before it makes a finding, as rule 4m's two-sided level (some-rounds.ts). A lean, not a
 * finding: what it buys is the new connections' rounds run while the first connections'
 * build up to the finding, not after.
 */
const LEAN_ALPHA = 0.1;

/**
 * Rule 1f, begun early: a pair of a long path whose rounds lean past the margin before the
 * repeated interval makes a finding: its 95% interval beyond the margin, or its rounds far
 * past it outnumbering those as far the other way at LEAN_ALPHA (rule 4m's test). Renewing
 * only at the finding left the new connections too few rounds before the budget ended: in
 * simulation 22 of 200 runs against a 5x token bucket and 4-10 of 200 against plain caps
 * ended `fresh-unconfirmed` (bench/RESULTS.md, 2026-12-05 10:38). The finding, when one
 * comes, still needs the new connections' rounds past the margin, counted as withFreshFlows
 * counts them. What a lean costs: a connection's slow start where it fades; and where a
 * throttle waits for a flow's first megabytes, the new connection runs them at the line's
 * rate before the finding stands (the WAN lab's delayed throttle, about 10 s more;
 * bench/RESULTS.md, 2026-12-05 10:58).
 */
export function leansOnLongPath(c: Comparison, suspect: MeasuredLeg, reference: MeasuredLeg, runRttMs?: number): boolean {
  if (c.outcome !== 'unclear' || c.freshFlows || !FRESH_PAIRS.has(c.id)) return false;
  const rttMs = longPathRttMs(suspect, reference, runRttMs);
  if (rttMs === undefined) return false;
  if (c.ci95[0] > MARGIN_RATIO || c.ci95[1] < 1 / MARGIN_RATIO) return true;
  return someRoundsSide(logRatios(suspect, reference, rttMs), LEAN_ALPHA) !== undefined;
}

/** Rule 1f: the pair's path round trip where the path is long (over LONG_PATH_RTT_MS), else undefined. */
function longPathRttMs(suspect: MeasuredLeg, reference: MeasuredLeg, runRttMs?: number): number | undefined {
  const rttMs = pathRttMs(suspect, reference) ?? runRttMs;
  return rttMs !== undefined && rttMs > LONG_PATH_RTT_MS ? rttMs : undefined;
}

/**
 * The paired rounds' log ratios (reference over suspect), where both legs measured a rate;
 * `lineFree`: only those with the line free (interval-rule.ts lineFreeRounds).
 */
function logRatios(suspect: MeasuredLeg, reference: MeasuredLeg, rttMs: number, lineFree = false): number[] {
  const measured = pairRounds(suspect, reference, rttMs).rounds.filter((r) => r.suspectMbps > 0 && r.referenceMbps > 0);
  return (lineFree ? lineFreeRounds(measured) : measured).map((r) => Math.log(r.referenceMbps / r.suspectMbps));
}

/**
 * Rule 1f: how many more rounds a pair that waits for new connections is expected to need,
 * for the budget and the time policy (fast-line.ts roundsToSettle): the confirming rounds
 * still missing, and before any, the round that ends the first connections and one in which
 * the new ones carry what the first had before the difference began. None once the new
 * connections ran enough rounds and read within the margin: more of them are not expected to
 * turn it.
 */
export function freshRoundsLeft(c: Pick<Comparison, 'freshFlows' | 'ratio' | 'rounds' | 'someRoundsOf'>): number {
  const fresh = c.freshFlows;
  if (!fresh || fresh.confirmed) return 0;
  if (fresh.someRounds) {
    // Up rounds come about as often as the finding's rounds ran past the margin (all its
    // rounds over those); rounds that trail as many down rounds are not expected to turn.
    const { up, down } = fresh.someRounds;
    if (fresh.rounds >= FRESH_MIN_ROUNDS && up <= down) return 0;
    const roundsPerUp = c.someRoundsOf && c.rounds > 0 ? c.someRoundsOf / c.rounds : 1;
    return Math.ceil(Math.max(1, FRESH_MIN_ROUNDS - up) * roundsPerUp) + (fresh.rounds === 0 ? 2 : 0);
  }
  if (fresh.rounds < FRESH_MIN_ROUNDS) return FRESH_MIN_ROUNDS - fresh.rounds + (fresh.rounds === 0 ? 2 : 0);
  const sameWay = fresh.ratio !== undefined && (c.ratio > 1 ? fresh.ratio > MARGIN_RATIO : fresh.ratio < 1 / MARGIN_RATIO);
  return sameWay ? 1 : 0;
}

/** Rule 1f: a difference found on the first connections that waits for new ones. */
export function awaitsFreshFlows(c: Comparison | undefined): boolean {
  return !!c?.freshFlows && !c.freshFlows.confirmed;
}
