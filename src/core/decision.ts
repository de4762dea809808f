// The decision: from the rounds a run measured to a verdict, a cause and the reasons, in one
// place. docs/method.md gives the sources and the lab evidence behind each rule; here is the
// procedure, in the order it is applied.
//
//  1. Pairing. Each comparison pairs a suspect leg (e.g. HTTPS) with a reference leg (e.g.
//     HTTP on the plain port) round by round. A transfer counts at its sustained rate: after a
//     burst (a token bucket that refilled while the leg waited) the rate that followed, else
//     its goodput (shaping.ts sustainedMbps). A round with a zero on either side is left out,
//     and so is a round whose two transfers both lasted only a few round trips: there TCP's
//     window, not any shaper, set both rates (window-limited, below).
//     A difference counts only while its slow leg is steady, not climbing round after round
//     (rule 1s, withSteadyLegs; nor does screening's 'same' while a leg climbs), and on a
//     long path only once it also shows on new connections (rule 1f, withFreshFlows).
//  2. Interval. Per round the log ratio reference/suspect; the Hodges-Lehmann estimate with its
//     exact distribution-free 95% interval (signed-rank.ts; needs MIN_ROUNDS = 6 rounds).
//  3. Margin. A difference under MARGIN_RATIO (25%) is no finding: interval wholly above it,
//     'slower'; wholly below its inverse, 'faster'; wholly inside, 'same'; else 'unclear'.
//  4. Less busy rounds (a second look, 99%). When all rounds leave the question open, the less
//     busy half (at least 8), ranked by the faster leg of each round, is tested at 99%: a rate
//     cap binds only while the line is free. It may only sharpen the side all rounds lean to.
//     While its estimate lies past the margin, 'same' is withheld ('lean').
//  5. Two looks. A run looks after every round, so 'slower'/'faster' must hold at this round
//     and the one before ('pending' otherwise).
//  6. Flows. 'same' from the screening pair is an answer only once each screening leg's flow
//     carried MIN_FLOW_BYTES ('short-flow' while not; noted if the run ends so), and not while
//     the last two rounds ran 2x apart the same way ('turned': a flow just crossed a threshold),
//     nor, once it settled, while a screening leg other pairs keep running turned so beside a
//     leg of the other scheme (turnedSince).
//  7. Settling one side. Once screening found a direction, a diagnosis pair only asks "this way
//     too?": an interval wholly on the near side of the margin settles it.
//  8. Verdict. Screening decides; if it looks equal, TLS and random plaintext both slower than
//     low-entropy plaintext is entropy shaping; then uploads; then 'same' is no-difference,
//     unless such a pair still leans past the margin unsettled; anything else is
//     inconclusive, with the reason in numbers. A no-difference whose references had fewer
//     than MIN_ROUNDS rounds says which went unchecked (reference-unchecked), and one whose
//     screening transfers were slow start throughout on a long path names the fastest cap
//     they could have shown; a faster one goes unseen (slow-start-bound; slow-start.ts). Every
//     no-difference names the median size of its TLS transfers: a bucket that holds that much
//     passes them all (burst-scope).
//  9. Cause, from the port swap and the entropy pair (diagnoseCause); of an upload finding,
//     from the port swap of uploads (diagnoseUploadCause).
// 10. Processor. A TLS finding is withheld ('cpu-bound') if the TLS leg ran near the TLS
//     capacity of the endpoint or of this computer.
// 11. Shaping. The slow leg's sustained rate while throttled, and its burst (shaping.ts).
//
// Rules 2-5 are the interval rule's ('interval'); a run decides by default with their repeated
// form, rules 2r-4r below (DEFAULT_STOPPING_RULE), whose intervals hold whenever the run stops
// under one family-wise error budget (error-budget.ts), with rule 4t beside them: the rounds
// after a turn (a bucket that ran dry mid-run), tested apart, and rule 4m: some rounds slowed
// far past the margin, outnumbering those as far the other way (a bucket that runs dry in some
// rounds and not in others; some-rounds.ts). Rules 1 and 6-11 serve both.
//
// Every "not yet" and "not a finding" is recorded as data (Comparison.pendingRound,
// lessBusyLean; Decision.notes), never by overwriting an outcome.
import { median } from 'simple-statistics';
import { MARGIN_RATIO } from './margin.js';
import type { Note } from './notes.js';
import type { ComparisonId, PairSpec } from './plan.js';
import { estimateShaping, sustainedMbps, type BinnedTransfer } from './shaping.js';
import { pairAlpha, type Rejected } from './error-budget.js';
import { alphaSpent, repeatedLevels, type SpendingFunction } from './group-sequential.js';
import { hodgesLehmann, signedRankPValue } from './signed-rank.js';
import { slowStartBound } from './slow-start.js';
import { someRoundsSide } from './some-rounds.js';
import { risingTrendPValue } from './trend.js';
import type { Cause, Comparison, LegSpec, ShapingEstimate, Verdict } from './types.js';

export { MARGIN_RATIO } from './margin.js';
/** With fewer rounds no distribution-free 95% interval exists (signed-rank, n = 6 gives 96.9%). */
export const MIN_ROUNDS = 6;
/** The level of the second look (rule 4), which needs at least 8 rounds. */
export const LESS_BUSY_LEVEL = 0.99;
const LESS_BUSY_MIN_ROUNDS = 8;
/**
 * Rule 6: some ISPs throttle a flow only after its first megabytes (Wehe saw T-Mobile drop
 * from 20 to 1.5 Mbit/s after about 7 MB: Li et al., IMC 2019), so "no difference" waits
 * until each screening leg's flow has carried this much.
 */
export const MIN_FLOW_BYTES = 8_000_000;
/** Rule 6: two rounds in a row this far apart the same way is a turn, not noise. */
const TURN_RATIO = 2;

/** One transfer as the decision sees it. */
export type MeasuredTransfer = BinnedTransfer & {
  bytes: number;
  durationMs: number;
  mbps: number;
  /** Request to first body byte on a kept-alive connection: about one round trip, when known. */
  ttfbMs?: number;
  /**
   * The connection that carried it, where the provider can renew one (Driver.flowsRenew):
   * 0 the leg's first, 1 after a renewal (rule 1f), and what it had carried before this transfer.
   */
  flow?: { connection: number; carriedBytes: number };
};

/**
 * Rule 1: a transfer that lasted fewer round trips than this is window-limited. Linux restarts
 * a connection's congestion window after an idle longer than its retransmission timeout
 * (RFC 2861; tcp_slow_start_after_idle), which the wait for the other legs exceeds, so every
 * transfer begins in slow start: at 50 Mbit/s and 150 ms it takes about 6 round trips to
 * reach the line's rate, and with loss the window, not the shaper, sets the rate. On a 150 ms
 * path with 1% loss, 200 ms transfers (one or two round trips) gave false findings in both
 * directions in the WAN lab (0.27x and 2.59x unshaped; test/lab/README.md).
 */
export const WINDOW_LIMITED_RTTS = 5;

/**
 * The path's round trip as two legs' transfers show it: the least time to a first byte of any
 * of them. A time to first byte also holds the server's and the client's own delays (a
 * browser's fetch start, a busy processor), so the least of many is the closest to the path;
 * undefined when none is known (uploads, ndt7).
 */
export function pathRttMs(...legs: MeasuredLeg[]): number | undefined {
  const ttfbs = legs.flatMap((l) => [...l.samples.values()].map((s) => s.ttfbMs ?? 0)).filter((ms) => ms > 0);
  return ttfbs.length ? Math.min(...ttfbs) : undefined;
}

export function windowLimited(t: MeasuredTransfer, rttMs: number | undefined): boolean {
  return rttMs !== undefined && rttMs > 0 && t.durationMs < WINDOW_LIMITED_RTTS * rttMs;
}

export interface MeasuredLeg {
  spec: LegSpec;
  /** Samples by round number (ramp and probe transfers are not samples). */
  samples: Map<number, MeasuredTransfer>;
  /** Bytes the leg's longest flow has carried: a kept-alive connection, or one ndt7 test. */
  flowBytes: number;
}

export interface PairedRound {
  suspectMbps: number;
  referenceMbps: number;
  /** The leg's transfer began with a burst above the rate that followed (shaping.ts). */
  suspectBurst?: boolean;
  referenceBurst?: boolean;
}

// ---- Rules 1-5: one comparison --------------------------------------------------------------

/**
 * Rule 1: the two legs' sustained rates in the rounds both measured. Uploads show no time to a
 * first byte; they cross the same path, so `runRttMs` (the least of the run's downloads) stands in.
 */
export function pairRounds(suspect: MeasuredLeg, reference: MeasuredLeg, runRttMs?: number): { rounds: PairedRound[]; windowLimited: number } {
  const rounds: PairedRound[] = [];
  let limited = 0;
  const rttMs = pathRttMs(suspect, reference) ?? runRttMs;
  for (const [round, s] of [...suspect.samples].sort((a, b) => a[0] - b[0])) {
    const r = reference.samples.get(round);
    if (!r) continue;
    if (windowLimited(s, rttMs) && windowLimited(r, rttMs)) limited++;
    else {
      const [sus, ref] = [sustainedMbps(s), sustainedMbps(r)];
      rounds.push({ suspectMbps: sus.mbps, referenceMbps: ref.mbps, ...(sus.burstBytes > 0 ? { suspectBurst: true } : {}), ...(ref.burstBytes > 0 ? { referenceBurst: true } : {}) });
    }
  }
  return { rounds, windowLimited: limited };
}

/**
 * How a comparison decides. 'interval': rules 2-5 (one 95% interval per look, the less busy
 * look, two looks). 'repeated-ci': one repeated confidence interval per look whose level is
 * set by the pair's share of a family-wise error budget spent over the looks (rule 2r below);
 * rules 4 and 5 do not apply.
 */
export type StoppingRule = 'interval' | 'repeated-ci';

/**
 * The rule a run decides by unless told otherwise: the repeated intervals, whose false-finding
 * rate holds whenever the run stops and over every pair (docs/method.md, "Repeated confidence
 * intervals"). 'interval' stays for comparison (bench:sim --rule interval).
 */
export const DEFAULT_STOPPING_RULE: StoppingRule = 'repeated-ci';

/** How one look decides: the rule, and (rule 2r) whether the run ends at this look. */
export interface LookOptions {
  rule?: StoppingRule;
  finalLook?: boolean;
  /** Rule 2r: the pairs whose finding this run has made, which pass their alpha on (error-budget.ts). */
  rejected?: Rejected;
  /** Rule 2r: every pair the run's plan can hold, which share the whole budget (error-budget.ts pairAlpha). */
  held?: readonly string[];
  /** Rule 1f: the provider can renew a leg's connection (Driver.flowsRenew), so a finding on a long path waits for new ones. */
  freshFlows?: boolean;
}

export function compareLegs(pair: PairSpec, suspect: MeasuredLeg, reference: MeasuredLeg, runRttMs?: number, look: LookOptions = {}): Comparison {
  const paired = pairRounds(suspect, reference, runRttMs);
  const decided =
    (look.rule ?? DEFAULT_STOPPING_RULE) === 'repeated-ci'
      ? compareRepeated(pair.id, pair.suspect.id, pair.reference.id, paired.rounds, look.finalLook, look.rejected, look.held)
      : compareRounds(pair.id, pair.suspect.id, pair.reference.id, paired.rounds);
  const steady = withSteadyLegs(decided, paired.rounds);
  const c = look.freshFlows ? withFreshFlows(steady, suspect, reference, runRttMs) : steady;
  return paired.windowLimited ? { ...c, windowLimitedRounds: paired.windowLimited } : c;
}

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
  const rttMs = pathRttMs(suspect, reference) ?? runRttMs;
  if (!(rttMs !== undefined && rttMs > LONG_PATH_RTT_MS)) return c;
  const [slow, fast] = c.outcome === 'slower' ? [suspect, reference] : [reference, suspect];
  const carried = Math.min(MIN_FLOW_BYTES, differenceBegan(slow, fast) ?? MIN_FLOW_BYTES);
  // The fast leg's new connection counts from its first transfer: no shaper is held to wait for it.
  const renewed = (leg: MeasuredLeg): MeasuredLeg => {
    const least = leg === slow ? carried : 0;
    const samples = [...leg.samples].filter(([, s]) => !!s.flow && s.flow.connection > 0 && s.flow.carriedBytes >= least);
    return { ...leg, samples: new Map(samples) };
  };
  const logs = pairRounds(renewed(suspect), renewed(reference), rttMs)
    .rounds.filter((r) => r.suspectMbps > 0 && r.referenceMbps > 0)
    .map((r) => Math.log(r.referenceMbps / r.suspectMbps));
  const side = c.outcome === 'slower' ? 1 : -1;
  const estimate = logs.length ? hodgesLehmann(logs).estimate : NaN;
  const confirmed = logs.length >= FRESH_MIN_ROUNDS && side * estimate > Math.log(MARGIN_RATIO) && signedRankPValue(logs) / 2 <= FRESH_ALPHA;
  const freshFlows = { rounds: logs.length, confirmed, ...(logs.length ? { ratio: round3(Math.exp(estimate)) } : {}), afterBytes: carried };
  return confirmed ? { ...c, freshFlows } : { ...c, outcome: 'unclear', freshFlows };
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
 * Rule 1f: how many more rounds a pair that waits for new connections is expected to need,
 * for the budget and the time policy (fast-line.ts roundsToSettle): the confirming rounds
 * still missing, and before any, the round that ends the first connections and one in which
 * the new ones carry what the first had before the difference began. None once the new
 * connections ran enough rounds and read within the margin: more of them are not expected to
 * turn it.
 */
export function freshRoundsLeft(c: Pick<Comparison, 'freshFlows' | 'ratio'>): number {
  const fresh = c.freshFlows;
  if (!fresh || fresh.confirmed) return 0;
  if (fresh.rounds < FRESH_MIN_ROUNDS) return FRESH_MIN_ROUNDS - fresh.rounds + (fresh.rounds === 0 ? 2 : 0);
  const sameWay = fresh.ratio !== undefined && (c.ratio > 1 ? fresh.ratio > MARGIN_RATIO : fresh.ratio < 1 / MARGIN_RATIO);
  return sameWay ? 1 : 0;
}

/** Rule 1f: a difference found on the first connections that waits for new ones. */
export function awaitsFreshFlows(c: Comparison | undefined): boolean {
  return !!c?.freshFlows && !c.freshFlows.confirmed;
}

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

// ---- Rule 2r: the repeated confidence interval ------------------------------------------------

/** The most paired rounds a pair can have: the HTTP driver's MAX_ROUNDS (engine/http-driver.ts). */
export const DESIGN_MAX_ROUNDS = 48;

/** The spending function of every repeated design (group-sequential.ts). */
const SPENDING: SpendingFunction = { hwangShihDeCani: 4 };

/**
 * The first look of a design: the exact signed-rank interval of m rounds is finite only at
 * levels up to 1 - 2^(1-m) (all m rounds on one side of the value tested), so a look whose
 * level is higher cannot reject anything, and alpha spent there would be lost to the run. The
 * design therefore starts at the first round count whose own first-look level its rounds can
 * reach: 7 rounds for screening's 0.035, where starting at MIN_ROUNDS left 28% of it at looks
 * that could not reject. Fixed by alpha alone, before any data.
 */
export function firstLook(alpha: number): number {
  const key = `${alpha}`;
  const cached = firstLooks.get(key);
  if (cached !== undefined) return cached;
  let first = DESIGN_MAX_ROUNDS + 1;
  for (let n = MIN_ROUNDS; n <= DESIGN_MAX_ROUNDS; n++) {
    const level = repeatedLevels(alpha, n, DESIGN_MAX_ROUNDS, SPENDING).interim[n]!;
    if (2 ** (1 - n) <= 1 - level) {
      first = n;
      break;
    }
  }
  firstLooks.set(key, first);
  return first;
}
const firstLooks = new Map<string, number>();

/**
 * The level of a repeated interval over all of a pair's rounds after n rounds: a Lan-DeMets
 * spending function of the Hwang-Shih-DeCani family spends `alpha` over looks at
 * firstLook..DESIGN_MAX_ROUNDS rounds, information proportional to the rounds
 * (group-sequential.ts); 1 (no interval) before the first look. `finalLook`: the run ends here
 * for its budget or time limit, and the look spends all the alpha the looks before left (all
 * of it, as one look at 1 - alpha, before the first look).
 */
export function repeatedLevelAt(alpha: number, rounds: number, finalLook = false): number {
  if (alpha <= 0 || rounds > DESIGN_MAX_ROUNDS || rounds < MIN_ROUNDS) return 1;
  const first = firstLook(alpha);
  if (rounds < first) return finalLook ? 1 - alpha : 1;
  const design = repeatedLevels(alpha, first, DESIGN_MAX_ROUNDS, SPENDING);
  return (finalLook ? design.final : design.interim)[rounds]!;
}

/** The level of a pair's repeated interval over all its rounds: its weight in the family budget (error-budget.ts). */
export function repeatedLevel(id: string, rounds: number, finalLook = false, rejected: Rejected = new Set()): number {
  return repeatedLevelAt(pairAlpha(id, rejected) * ALL_ROUNDS_ALPHA_SHARE, rounds, finalLook);
}

/**
 * Rule 4r: the share of a pair's alpha spent on its less busy rounds (rule 4's second look);
 * rule 4t's share on the rounds since a turn; rule 4m's on some rounds slowed; the rest, half,
 * on all rounds: by Bonferroni the pair keeps its weight in the family budget. Rules 4t and 4m
 * take their tenths out of the less busy look's share: taken from all rounds as well, rule 4t's
 * moved screening's first look from 7 rounds to 8. Rule 4m's tenth cost the less busy look 1
 * of 200 simulated 2x caps and 2 of 200 at 1.5x, and found 71 of 200 buckets on TLS alone at 5x
 * against 60 (bench/RESULTS.md, 2026-12-04 19:14).
 */
export const LESS_BUSY_ALPHA_SHARE = 0.3;
export const TURN_ALPHA_SHARE = 0.1;
export const SOME_ROUNDS_ALPHA_SHARE = 0.1;
const ALL_ROUNDS_ALPHA_SHARE = 1 - LESS_BUSY_ALPHA_SHARE - TURN_ALPHA_SHARE - SOME_ROUNDS_ALPHA_SHARE;

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

/**
 * Rule 4r's looks, fixed in advance. The less busy half changes from look to look, so its
 * looks are far less correlated than a spending function's boundaries assume: looked at after
 * every round on such boundaries, a cap held exactly on the margin was called throttled in
 * 14.25% of 400 simulated runs against 6.0% without the look (bench/RESULTS.md). So it looks
 * only at these rounds, each spending the increment of the same spending function since the
 * look before: by Bonferroni over the looks, whatever their correlation, it spends at most
 * its share in all. The first look comes where its 8 rounds can reach its level.
 */
export const LESS_BUSY_LOOKS: readonly number[] = [12, 20, 28, 40, 48];

/**
 * The level of the less busy look after n rounds (1 where there is none). `finalLook`: a run
 * that ends here for its budget or time spends at one look all that the looks before left.
 */
export function lessBusyLevelAt(alpha: number, rounds: number, finalLook = false): number {
  if (alpha <= 0 || rounds > DESIGN_MAX_ROUNDS || rounds <= lessBusyKeep(rounds)) return 1;
  const spent = (n: number) => alphaSpent(SPENDING, alpha, n / DESIGN_MAX_ROUNDS);
  const before = LESS_BUSY_LOOKS.filter((n) => n < rounds);
  const spentBefore = before.length ? spent(before[before.length - 1]!) : 0;
  if (finalLook) return 1 - (alpha - spentBefore);
  if (!LESS_BUSY_LOOKS.includes(rounds)) return 1;
  return 1 - (spent(rounds) - spentBefore);
}

/**
 * The error allowed a 'same' outcome: the chance that a pair whose true ratio lies beyond the
 * margin is called 'same' at some look, by either side, as the beta of a group-sequential
 * design with early stopping for the null (Jennison & Turnbull 2000, sec. 7.2). Never at less
 * than 95%, so that a 'same' outcome's reported 95% interval lies inside the margin too.
 */
export const SAME_BETA = 0.2;

/**
 * Rules 2r-4r. Each outcome is that of a Hodges-Lehmann interval at a look's repeated level
 * (wider than 95% while the run goes on): with the levels of a spending function these
 * intervals all cover the true centre together with their probability, whichever look the
 * run stops at (Jennison & Turnbull 2000, ch. 9). 'slower'/'faster' need all rounds' interval
 * past the margin, or the less busy rounds' on the side all rounds lean to; 'same' needs the
 * interval at the SAME_BETA level inside the margin, and is withheld while the less busy
 * rounds' estimate lies past it (rule 4's lean). The Comparison reports the 95% interval of
 * the rounds that decided, and the repeated interval in `repeatedCi`.
 */
export function compareRepeated(
  id: string,
  suspectLeg: string,
  referenceLeg: string,
  rounds: PairedRound[],
  finalLook = false,
  rejected: Rejected = new Set(),
  held?: readonly string[],
): Comparison {
  const measured = rounds.filter((r) => r.suspectMbps > 0 && r.referenceMbps > 0);
  const alpha = pairAlpha(id, rejected, held);
  const n = measured.length;
  const reported = intervalOutcome(id, suspectLeg, referenceLeg, measured, 0.95);
  const level = repeatedLevelAt(alpha * ALL_ROUNDS_ALPHA_SHARE, n, finalLook);
  const all = intervalOutcome(id, suspectLeg, referenceLeg, measured, level);
  const first = firstLook(alpha * ALL_ROUNDS_ALPHA_SHARE);
  const repeated = (lv: number, c: Comparison) => ({ level: lv, bounds: c.ci95, ...(finalLook ? { finalLook } : {}), firstLook: first });
  if (all.outcome === 'slower' || all.outcome === 'faster') return { ...reported, outcome: all.outcome, repeatedCi: repeated(level, all) };
  // The rounds since a turn (rule 4t), on the side it went.
  const turn = roundsSinceTurn(measured);
  if (turn) {
    const turnLevel = repeatedLevelAt(alpha * TURN_ALPHA_SHARE, turn.rounds.length, finalLook);
    const since = intervalOutcome(id, suspectLeg, referenceLeg, turn.rounds, turnLevel);
    if ((since.outcome === 'slower' && turn.side > 0) || (since.outcome === 'faster' && turn.side < 0)) {
      const since95 = intervalOutcome(id, suspectLeg, referenceLeg, turn.rounds, 0.95);
      return { ...since95, outcome: since.outcome, roundsBeforeTurn: turn.before, repeatedCi: { ...repeated(turnLevel, since), firstLook: firstLook(alpha * TURN_ALPHA_SHARE) } };
    }
  }
  // Some rounds slowed (rule 4m, some-rounds.ts): reported as the rounds past the margin on
  // that side, which are what a download slowed by the shaper gets, with how many of all.
  const logRatios = measured.map((r) => Math.log(r.referenceMbps / r.suspectMbps));
  const some = someRoundsSide(logRatios, alpha * SOME_ROUNDS_ALPHA_SHARE);
  if (some) {
    const sign = some === 'slower' ? 1 : -1;
    const slowed = measured.filter((_, i) => sign * logRatios[i]! > Math.log(MARGIN_RATIO));
    const slowed95 = intervalOutcome(id, suspectLeg, referenceLeg, slowed, 0.95);
    return { ...slowed95, outcome: some, someRoundsOf: n, repeatedCi: repeated(level, all) };
  }
  // The less busy rounds, ranked for the side all rounds lean to (rule 4r).
  const side = reported.ratio > 1 ? 1 : reported.ratio < 1 ? -1 : 0;
  const quietRounds = side ? lessBusyRounds(measured, side * Math.log(MARGIN_RATIO)) : undefined;
  if (quietRounds) {
    const quietLevel = lessBusyLevelAt(alpha * LESS_BUSY_ALPHA_SHARE, n, finalLook);
    const quiet = intervalOutcome(id, suspectLeg, referenceLeg, quietRounds, quietLevel);
    if ((quiet.outcome === 'slower' && side > 0) || (quiet.outcome === 'faster' && side < 0)) {
      const quiet95 = intervalOutcome(id, suspectLeg, referenceLeg, quietRounds, 0.95);
      return { ...quiet95, outcome: quiet.outcome, busyRoundsLeftOut: n - quietRounds.length, repeatedCi: repeated(quietLevel, quiet) };
    }
  }
  const lessBusy = lessBusyRounds(measured);
  const sameLevel = Math.max(0.95, repeatedLevelAt(SAME_BETA, n, finalLook));
  const same = intervalOutcome(id, suspectLeg, referenceLeg, measured, sameLevel);
  if (same.outcome !== 'same') return { ...reported, outcome: 'unclear', repeatedCi: repeated(level, all) };
  if (lessBusy) {
    const quiet95 = intervalOutcome(id, suspectLeg, referenceLeg, lessBusy, 0.95);
    if (quiet95.ratio > MARGIN_RATIO || quiet95.ratio < 1 / MARGIN_RATIO) {
      return { ...reported, outcome: 'unclear', lessBusyLean: { rounds: quiet95.rounds, ratio: quiet95.ratio, ci95: quiet95.ci95 }, repeatedCi: repeated(level, all) };
    }
  }
  return { ...reported, outcome: 'same', repeatedCi: repeated(sameLevel, same) };
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
function intervalOutcome(id: string, suspectLeg: string, referenceLeg: string, rounds: PairedRound[], level: number): Comparison {
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

// ---- Rules 6 and 7: what still needs rounds ------------------------------------------------

/**
 * Rule 6: both of the last two paired rounds at least TURN_RATIO apart the same way. Two
 * such rounds in a row are rare on an unshaped line, where cross traffic moves both legs.
 */
export function lastRoundsApart(suspect: MeasuredLeg, reference: MeasuredLeg): { ratio: number; slowLeg: MeasuredLeg } | undefined {
  const rounds = [...suspect.samples.keys()].filter((r) => reference.samples.has(r)).sort((a, b) => a - b).slice(-2);
  if (rounds.length < 2) return undefined;
  const logRatios = rounds.map((r) => Math.log(sustainedMbps(reference.samples.get(r)!).mbps / sustainedMbps(suspect.samples.get(r)!).mbps));
  const apart = Math.log(TURN_RATIO);
  if (!logRatios.every((x) => x > apart) && !logRatios.every((x) => x < -apart)) return undefined;
  return { ratio: Math.exp(Math.abs(logRatios[1]!)), slowLeg: logRatios[0]! > 0 ? suspect : reference };
}

/** Rule 6, turned: the note that withholds the screening pair's 'same', if the flows turned. */
export function turnedNote(screen: PairSpec, legs: ReadonlyMap<string, MeasuredLeg>): Note | undefined {
  const suspect = legs.get(screen.suspect.id);
  const reference = legs.get(screen.reference.id);
  if (!suspect || !reference) return undefined;
  const apart = lastRoundsApart(suspect, reference) ?? turnedSince(suspect, reference, legs) ?? turnedSince(reference, suspect, legs);
  if (!apart) return undefined;
  return { code: 'turned', ratio: round3(apart.ratio), leg: apart.slowLeg.spec.id, carriedBytes: apart.slowLeg.flowBytes };
}

/**
 * Rule 6, turned since screening settled: a screening leg that other pairs keep measuring
 * (the TLS leg beside the low-entropy body, say) against a leg of the other scheme and the
 * same direction, in rounds after screening's last, whose two last rounds ran TURN_RATIO apart
 * the same way where all their earlier rounds read alike (median within the margin). A token
 * bucket on TLS that the long rounds of the references refilled runs dry once they shorten;
 * in simulation a screening pair had said 'same' after 12 rounds while its TLS leg then read
 * 5 of 26 Mbit/s for 16 more beside the low-entropy body, and the run said "no difference".
 * "Earlier alike" keeps a standing difference (a classifier of encrypted-looking flows, which
 * the entropy pair answers) from counting as a turn.
 */
function turnedSince(leg: MeasuredLeg, partner: MeasuredLeg, legs: ReadonlyMap<string, MeasuredLeg>): { ratio: number; slowLeg: MeasuredLeg } | undefined {
  const rounds = [...leg.samples.keys()].sort((a, b) => a - b);
  const lastScreened = Math.max(-1, ...rounds.filter((r) => partner.samples.has(r)));
  for (const peer of legs.values()) {
    if (peer === partner || peer.spec.direction !== leg.spec.direction || peer.spec.scheme === leg.spec.scheme) continue;
    const common = rounds.filter((r) => peer.samples.has(r));
    if (common.length < 2 || common[common.length - 1]! <= lastScreened) continue;
    const apart = lastRoundsApart(leg, peer);
    if (!apart || apart.slowLeg !== leg) continue;
    const earlier: number[] = [];
    for (const r of common.slice(0, -2)) {
      const [peerMbps, legMbps] = [sustainedMbps(peer.samples.get(r)!).mbps, sustainedMbps(leg.samples.get(r)!).mbps];
      if (peerMbps > 0 && legMbps > 0) earlier.push(Math.log(peerMbps / legMbps));
    }
    if (earlier.length >= 2 && Math.abs(median(earlier)) < Math.log(MARGIN_RATIO)) return apart;
  }
  return undefined;
}

/** Rule 6, short flows: the screening legs whose flow has not yet carried MIN_FLOW_BYTES. */
export function shortFlowLegs(screen: PairSpec, legs: ReadonlyMap<string, MeasuredLeg>): MeasuredLeg[] {
  return [screen.suspect, screen.reference]
    .map((s) => legs.get(s.id))
    .filter((l): l is MeasuredLeg => !!l && l.flowBytes < MIN_FLOW_BYTES);
}

/**
 * Rules 6 and 7: does this pair still need rounds? A pair with its answer stops costing bytes
 * (its legs run on only while another pair needs them). `flowsMayGrow` is false where the
 * provider cannot lengthen a flow (rule 6 then notes the short flow instead of waiting).
 */
export function pairNeedsRounds(
  pair: PairSpec,
  c: Comparison | undefined,
  screenOutcome: Comparison['outcome'] | undefined,
  legs: ReadonlyMap<string, MeasuredLeg>,
  flowsMayGrow: boolean,
): boolean {
  if (!c) return true;
  if (pair.id === 'screen' && c.outcome === 'same') {
    return (flowsMayGrow && shortFlowLegs(pair, legs).length > 0) || !!turnedNote(pair, legs);
  }
  if (c.outcome !== 'unclear') return false;
  if (pair.id !== 'screen' && c.rounds >= MIN_ROUNDS) {
    const [lo, hi] = settlingBounds(c);
    if (screenOutcome === 'slower' && hi < MARGIN_RATIO) return false;
    if (screenOutcome === 'faster' && lo > 1 / MARGIN_RATIO) return false;
  }
  return true;
}

/**
 * The interval that settles a comparison: under rule 2r the repeated one (it holds at every
 * look); but a pair with no alpha of its own yet (a port swap before the finding it would
 * explain, error-budget.ts) has no repeated interval, and settles on its 95% one as under the
 * interval rule: what rides on it then is only which cause a later finding would name.
 */
export function settlingBounds(c: Pick<Comparison, 'ci95' | 'repeatedCi'>): [number, number] {
  const r = c.repeatedCi;
  return r && r.level < 1 ? r.bounds : c.ci95;
}

// ---- Rules 8-11: the verdict ---------------------------------------------------------------

type ById = Partial<Record<ComparisonId, Comparison>>;

/**
 * Rule 9. TLS slowed on the plain port too is the protocol; plaintext slowed on the TLS port is
 * the port; random plaintext slower than text is the payload's entropy. A pair found slower
 * establishes its cause; the other pair need only not claim the same: demanding 'same' of it
 * lost the cause in the lab, where under cross traffic short diagnosis transfers left the
 * protocol pair at 0.80-1.54x while HTTP on port 443 was clearly 3.9x slower.
 */
export function diagnoseCause(c: ById): Cause | undefined {
  const diagnosed = c['entropy'] || c['protocol-on-plain-port'] || c['port-for-plaintext'];
  if (!diagnosed) return undefined;
  if (c['entropy']?.outcome === 'slower') return 'entropy';
  const protocol = c['protocol-on-plain-port']?.outcome;
  const port = c['port-for-plaintext']?.outcome;
  if (protocol === 'slower' && port !== 'slower') return 'protocol';
  if (port === 'slower' && protocol !== 'slower') return 'port';
  return 'unknown';
}

/**
 * Rule 9 for an upload finding: the port swap of uploads, read as the download one is. An
 * upload cap has no entropy pair (every upload is random), so without the swap it has no cause.
 */
export function diagnoseUploadCause(c: ById): Cause | undefined {
  const protocol = c['upload-protocol-on-plain-port']?.outcome;
  const port = c['upload-port-for-plaintext']?.outcome;
  if (protocol === undefined && port === undefined) return undefined;
  if (protocol === 'slower' && port !== 'slower') return 'protocol';
  if (port === 'slower' && protocol !== 'slower') return 'port';
  return 'unknown';
}

/**
 * Rule 10. TLS cannot run faster than the slower of the line and the processors at either
 * end. The thresholds are judgment with a safety factor, not fitted: a capacity measured once
 * on a quieter processor than the run had (the run hashes every body, and runs another leg
 * beside it) is an optimistic ceiling, so a TLS leg at 60% of it may already be held by the
 * processor; and plaintext at 80% of it means the line carries about what TLS can be
 * processed here, so a slower TLS leg says nothing about the network (a loaded machine once
 * let loopback read as throttled that way).
 */
export function cpuMayLimitTls(tlsMbps: number, plainMbps: number, capacityMbps: number): boolean {
  return capacityMbps > 0 && (tlsMbps >= 0.6 * capacityMbps || plainMbps >= 0.8 * capacityMbps);
}

export interface Capacities {
  /** The endpoint's own TLS goodput as it announced it (0 or absent when unknown). */
  endpointTlsMbps?: number;
  /** This computer's TLS goodput through the same client, when it has been measured. */
  clientTlsMbps?: number;
}

export interface DecisionInput {
  comparisons: Comparison[];
  /** The screening pair, whose legs rule 6 reads. */
  screening: PairSpec | undefined;
  legs: ReadonlyMap<string, MeasuredLeg>;
  capacities: Capacities;
}

export interface Decision {
  verdict: Verdict;
  cause?: Cause;
  /** The comparison whose ratio and interval the Result reports. */
  basis?: Comparison;
  shaping?: ShapingEstimate;
  notes: Note[];
  /**
   * Set when the verdict is a TLS finding that this computer's TLS capacity could still
   * withhold (rule 10) and `capacities.clientTlsMbps` was not given: measure it and decide again.
   */
  wantsClientCapacity?: boolean;
}

export function decide(input: DecisionInput): Decision {
  const c: ById = {};
  for (const x of input.comparisons) c[x.id as ComparisonId] = x;
  const screen = c['screen'];
  if (!screen || !input.screening) return { verdict: 'failed', notes: [{ code: 'no-screening' }] };
  const finding = findingOf(c, screen);
  if (finding) return withProcessorAndShaping(finding, input);
  // No finding: screening is 'same' or 'unclear' here, and a turn in its last rounds matters to both.
  const turned = turnedNote(input.screening, input.legs);
  const unsettled = screen.outcome === 'same' ? unsettledFinding(c) : undefined;
  if (unsettled) return { verdict: 'inconclusive', basis: screen, notes: [unsettled] };
  if (screen.outcome === 'same' && !turned) {
    const notes: Note[] = [];
    const short = shortFlowLegs(input.screening, input.legs);
    if (short.length) {
      notes.push({ code: 'short-flow', carriedBytes: Math.min(...short.map((l) => l.flowBytes)), minFlowBytes: MIN_FLOW_BYTES });
    }
    notes.push(...uncheckedReferences(c), ...slowStartNotes(input.screening, input.legs), ...burstScopeNotes(input.screening, input.legs));
    return { verdict: 'no-difference', basis: screen, notes };
  }
  return { verdict: 'inconclusive', basis: screen, notes: [...(turned ? [turned] : []), ...whyUnclear(screen)] };
}

/** Rule 8's findings, in order: screening, entropy, uploads. */
function findingOf(c: ById, screen: Comparison): Decision | undefined {
  const cause = diagnoseCause(c);
  const withCause = (d: Decision): Decision => (cause && !d.cause ? { ...d, cause } : d);
  if (screen.outcome === 'slower' || screen.outcome === 'faster') {
    return withCause({
      verdict: screen.outcome === 'slower' ? 'tls-throttled' : 'plaintext-throttled',
      basis: screen,
      notes: readingNotes(screen),
    });
  }
  // The screening pair can look equal when random-looking plaintext is slowed as much as TLS.
  const lowEntropy = c['tls-vs-low-entropy'];
  if (c['entropy']?.outcome === 'slower' && lowEntropy?.outcome === 'slower') {
    return { verdict: 'tls-throttled', cause: 'entropy', basis: lowEntropy, notes: [{ code: 'entropy-shaping' }] };
  }
  const upload = c['upload'];
  if (upload?.outcome === 'slower' || upload?.outcome === 'faster') {
    // The download pairs say nothing of what caps uploads: the cause is the uploads' own swap.
    const uploadCause = diagnoseUploadCause(c);
    return {
      verdict: upload.outcome === 'slower' ? 'tls-throttled' : 'plaintext-throttled',
      ...(uploadCause ? { cause: uploadCause } : {}),
      basis: upload,
      notes: [...readingNotes(upload), { code: 'upload-only', downloads: screen.outcome === 'same' ? 'same' : 'unclear' }],
    };
  }
  return undefined;
}

/** The references whose pair can make a finding of its own beside equal downloads (rule 8). */
const FINDING_REFERENCES = ['tls-vs-low-entropy', 'upload'] as const;

/**
 * Rule 8: equal downloads are no answer while a pair that could still make a finding (the
 * entropy reference, uploads) leans past the margin without having settled: the budget ended
 * first. "No difference" would hide the very cap the run was asked to look for.
 */
function unsettledFinding(c: ById): Note | undefined {
  for (const id of FINDING_REFERENCES) {
    const pair = c[id];
    if (pair?.outcome === 'unclear' && (pair.ratio > MARGIN_RATIO || pair.ratio < 1 / MARGIN_RATIO)) {
      return { code: 'pair-unsettled', pair: id, rounds: pair.rounds, ratio: round3(pair.ratio), ci95: [round3(pair.ci95[0]), round3(pair.ci95[1])] };
    }
  }
  return undefined;
}

/**
 * The references a run held but measured in fewer rounds than any interval needs (the budget
 * or the time ended first; engine.ts withinReach): "no difference" then speaks of downloads
 * alone, and the answer says so rather than let silence read as "uploads checked too".
 */
function uncheckedReferences(c: ById): Note[] {
  const notes: Note[] = [];
  for (const id of FINDING_REFERENCES) {
    const pair = c[id];
    if (pair && pair.outcome !== 'same' && pair.rounds < MIN_ROUNDS) notes.push({ code: 'reference-unchecked', pair: id, rounds: pair.rounds, minRounds: MIN_ROUNDS });
  }
  return notes;
}

/**
 * Rule 8: equal downloads whose transfers were slow start throughout (slow-start.ts) speak
 * only of caps slow enough to bind before they ended; the answer names the fastest such cap.
 */
function slowStartNotes(screening: PairSpec, legs: ReadonlyMap<string, MeasuredLeg>): Note[] {
  const suspect = legs.get(screening.suspect.id);
  const reference = legs.get(screening.reference.id);
  if (!suspect || !reference) return [];
  const bound = slowStartBound(suspect, reference, pathRttMs(suspect, reference), MARGIN_RATIO);
  if (!bound) return [];
  return [
    {
      code: 'slow-start-bound',
      detectableMbps: round3(bound.detectableMbps),
      reachedMbps: round3(bound.reachedMbps),
      rttMs: Math.round(bound.rttMs),
      rounds: bound.rounds,
      totalRounds: bound.totalRounds,
    },
  ];
}

/**
 * What "no difference" covers: downloads the size of the TLS leg's. A token bucket on TLS alone
 * that holds more than one transfer and refills while the leg waits for the others passes every
 * transfer at the line's rate (docs/method.md, "What the method cannot see"): the answer names
 * the size its transfers had, so that it is not read as ruling out a burst allowance.
 */
function burstScopeNotes(screening: PairSpec, legs: ReadonlyMap<string, MeasuredLeg>): Note[] {
  const suspect = legs.get(screening.suspect.id);
  const bytes = suspect ? [...suspect.samples.values()].map((s) => s.bytes).filter((b) => b > 0) : [];
  if (!bytes.length) return [];
  return [{ code: 'burst-scope', transferBytes: Math.round(median(bytes)), rounds: bytes.length }];
}

/** How a finding was read, where not from all rounds: the less busy ones (rule 4r), those after a turn (rule 4t) or those slowed (rule 4m). */
export function readingNotes(basis: Comparison): Note[] {
  if (basis.roundsBeforeTurn) return [{ code: 'since-turn', rounds: basis.rounds, roundsBefore: basis.roundsBeforeTurn }];
  if (basis.someRoundsOf) return [{ code: 'some-rounds', rounds: basis.rounds, totalRounds: basis.someRoundsOf }];
  if (!basis.busyRoundsLeftOut) return [];
  return [{ code: 'less-busy-finding', rounds: basis.rounds, totalRounds: basis.rounds + basis.busyRoundsLeftOut }];
}

/** Why an unclear screening pair is unclear, in numbers. */
export function whyUnclear(screen: Comparison): Note[] {
  const limited: Note[] = screen.windowLimitedRounds ? [{ code: 'window-limited', rounds: screen.windowLimitedRounds }] : [];
  if (screen.rounds < MIN_ROUNDS) return [...limited, { code: 'too-few-rounds', rounds: screen.rounds, minRounds: MIN_ROUNDS }];
  const ci95: [number, number] = [round3(screen.ci95[0]), round3(screen.ci95[1])];
  if (screen.pendingRound) return [{ code: 'pending-second-look', ci95, marginRatio: MARGIN_RATIO }];
  if (screen.freshFlows && !screen.freshFlows.confirmed) {
    const { rounds, ratio } = screen.freshFlows;
    return [{ code: 'fresh-unconfirmed', rounds, minRounds: FRESH_MIN_ROUNDS, ...(rounds >= FRESH_MIN_ROUNDS && ratio !== undefined ? { ratio } : {}), marginRatio: MARGIN_RATIO }];
  }
  if (screen.slowLegRising) return [{ code: 'still-rising', ...screen.slowLegRising }];
  if (screen.risingWhileAlike) return [{ code: 'rising-alike', ...screen.risingWhileAlike }];
  if (screen.lessBusyLean) {
    const q = screen.lessBusyLean;
    return [
      {
        code: 'less-busy-lean',
        rounds: screen.rounds,
        ci95,
        marginRatio: MARGIN_RATIO,
        lessBusyRounds: q.rounds,
        lessBusyRatio: round3(q.ratio),
        lessBusyCi95: [round3(q.ci95[0]), round3(q.ci95[1])],
      },
    ];
  }
  if (screen.repeatedCi) {
    // Rule 2r decided on the repeated interval: say so, with the 95% one beside it.
    const r = screen.repeatedCi;
    const levelPercent = Math.round(r.level * 1000) / 10;
    if (!(r.bounds[0] > 0 && Number.isFinite(r.bounds[1]))) {
      // The exact interval of n rounds reaches at most 1 - 2 / 2^n; before its design's first
      // look a pair has no level yet (1), and that look is what it needs.
      const reach = r.level < 1 ? Math.ceil(Math.log2(2 / (1 - r.level))) : screen.rounds + 1;
      const minRounds = Math.max(reach, r.firstLook ?? 0, screen.rounds + 1);
      return [{ code: 'repeated-too-few', rounds: screen.rounds, levelPercent, minRounds, ci95 }];
    }
    const interval: [number, number] = [round3(r.bounds[0]), round3(r.bounds[1])];
    return [{ code: 'repeated-straddles', rounds: screen.rounds, levelPercent, interval, ci95, marginRatio: MARGIN_RATIO }];
  }
  // An interval inside the margin is unclear only for a reason given elsewhere (rule 6).
  if (screen.ci95[0] > 1 / MARGIN_RATIO && screen.ci95[1] < MARGIN_RATIO) return [];
  return [{ code: 'straddles-margin', rounds: screen.rounds, ci95, marginRatio: MARGIN_RATIO }];
}

/** Rules 10 and 11 for a finding. */
function withProcessorAndShaping(finding: Decision, input: DecisionInput): Decision {
  const basis = finding.basis!;
  const tlsSlow = finding.verdict === 'tls-throttled';
  const slow = input.legs.get(tlsSlow ? basis.suspectLeg : basis.referenceLeg);
  const fast = input.legs.get(tlsSlow ? basis.referenceLeg : basis.suspectLeg);
  if (tlsSlow && slow?.spec.scheme === 'https') {
    const tlsMbps = medianMbps(slow);
    const plainMbps = fast ? medianMbps(fast) : 0;
    const cpu = (whose: 'endpoint' | 'client', capacityMbps: number): Decision => ({
      verdict: 'inconclusive',
      basis,
      notes: [
        ...finding.notes,
        { code: 'cpu-bound', tlsLeg: slow.spec.id, tlsMbps: round3(tlsMbps), plainLeg: fast?.spec.id ?? '', plainMbps: round3(plainMbps), whose, capacityMbps: round3(capacityMbps) },
      ],
    });
    const endpoint = input.capacities.endpointTlsMbps ?? 0;
    if (cpuMayLimitTls(tlsMbps, plainMbps, endpoint)) return cpu('endpoint', endpoint);
    const client = input.capacities.clientTlsMbps;
    if (client === undefined) finding = { ...finding, wantsClientCapacity: true };
    else if (cpuMayLimitTls(tlsMbps, plainMbps, client)) return cpu('client', client);
  }
  if (slow && fast && slow.spec.direction === 'down') {
    const shaping = estimateShaping(slow.spec.id, throttledSamples(slow, fast));
    if (shaping) return { ...finding, shaping };
  }
  return finding;
}

/**
 * Rule 11: the slow leg's transfers from the rounds in which it was slower than the other leg
 * by more than the margin: the shaper's rate is what a throttled flow gets while throttled.
 * Throttling that begins after the first megabytes of a flow would otherwise be read as a
 * blend (the lab's 20-to-1.5 Mbit/s scenario read 8.4). Every round when fewer than three qualify.
 */
export function throttledSamples(slow: MeasuredLeg, fast: MeasuredLeg): MeasuredTransfer[] {
  const picked = [...slow.samples.entries()]
    .filter(([round, s]) => {
      const f = fast.samples.get(round);
      return f !== undefined && sustainedMbps(f).mbps > MARGIN_RATIO * sustainedMbps(s).mbps;
    })
    .map(([, s]) => s);
  return picked.length >= 3 ? picked : [...slow.samples.values()];
}

export function medianMbps(leg: MeasuredLeg): number {
  const mbps = [...leg.samples.values()].map((s) => s.mbps);
  return mbps.length ? median(mbps) : 0;
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
