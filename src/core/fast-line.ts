// The budget policy of a fast line. A run's budget (60 MB by default) buys 200 ms transfers
// for as many rounds as a verdict needs up to about 100 Mbit/s; above that, 200 ms of a leg
// costs more than the budget can pay for often enough. On the lab's 100 Mbit/s line 31 of 100
// unshaped runs ran out of budget after 12-14 rounds, and at 1 Gbit/s a run spent 55 MB in
// 0.7-2 s and said inconclusive (bench/RESULTS.md). So once the ramp has measured the line:
//
// 1. Plan for PLANNED_ROUNDS rounds of every active leg at the sizer's target duration.
// 2. If that does not fit in what is left of the budget, make the transfers shorter: a rate is
//    read from first byte to last byte (transfer.ts), so any transfer above the floor below
//    gives one; fewer bytes per round buy more rounds, which is what an interval needs.
// 3. If even transfers at the floor do not fit, raise the budget to what they need, up to the
//    user's cap, and say so before the rounds spend it (engine.ts onBudgetRaised).
// 4. If the cap cannot pay for that either, transfers go below the floor, down to the shortest
//    the decision still counts, so that the planned rounds fit the cap: a noisier reading
//    beats too few rounds for any interval.
//
// Pure: no clock, no I/O.
import { MARGIN_RATIO } from './margin.js';
import { freshRoundsLeft } from './fresh-flows.js';
import { MIN_ROUNDS } from './interval-rule.js';
import { settlingBounds } from './needs-rounds.js';
import { DESIGN_MAX_ROUNDS } from './repeated-rule.js';
import { DOWNLOAD_SIZER, targetForRtt } from './sizer.js';
import { WINDOW_LIMITED_RTTS } from './paired-rounds.js';
import type { Comparison } from './types.js';

/**
 * The rounds a run plans for. An answer needs MIN_ROUNDS at the least; "no difference" under
 * cross traffic took a median 6 and up to 14-16 rounds in the lab at 50-100 Mbit/s, and rule 4
 * of decision.ts (the less busy half, at least 8 rounds) needs 16 to look at all.
 */
export const PLANNED_ROUNDS = 16;

/**
 * The shortest transfer whose rate the decision uses. A round whose two transfers both lasted
 * under WINDOW_LIMITED_RTTS round trips counts for nothing (decision.ts rule 1), so transfers
 * stay one round trip above it. On a short path 40 ms is the floor: below it a transfer is a
 * handful of the 50 ms bins (shaping.ts) no level shift can be seen in, and a few
 * milliseconds of scheduling delay on a shared processor are a tenth of its time.
 */
export const MIN_TRANSFER_MS = 40;

/**
 * The shortest transfer ever planned, when the cap leaves nothing longer: a transfer is timed
 * from its first byte to its last (transfer.ts), and 10 ms is still a hundred times the
 * browser's coarsest timer (100 us, Resource Timing without cross-origin isolation).
 */
export const MIN_TIMED_MS = 10;

/** The shortest transfer rule 1 counts on this path (paired-rounds.ts WINDOW_LIMITED_RTTS), with a round trip to spare. */
export const windowFloorMs = (rttMs: number) => (rttMs > 0 ? (WINDOW_LIMITED_RTTS + 1) * rttMs : 0);

export function floorMs(rttMs: number): number {
  return Math.max(MIN_TRANSFER_MS, windowFloorMs(rttMs));
}

/** The shortest transfer decision.ts rule 1 still counts on this path. */
export function hardFloorMs(rttMs: number): number {
  return Math.max(MIN_TIMED_MS, windowFloorMs(rttMs));
}

export interface FastLineInput {
  /** The line's rate as the ramp measured it: the fastest active leg's, in Mbit/s. */
  lineMbps: number;
  /** The path's round-trip time (least time to first byte), 0 when unknown. */
  rttMs: number;
  /** Legs each round runs whose transfers the plan sizes (full-size legs). */
  legs: number;
  /**
   * What a round spends on legs the plan does not size, in bytes: upload legs held cheap
   * (engine/http-driver.ts CHEAP_UPLOAD_BYTES) cost the same whatever the transfer length.
   */
  heldRoundBytes?: number;
  /** Rounds still to plan for (PLANNED_ROUNDS less those run, at least MIN_ROUNDS). */
  rounds: number;
  /** The transfer duration the sizer would use (sizer.ts targetForRtt). */
  targetMs: number;
  budgetBytes: number;
  /** The most this run may spend on a fast line: the user's cap, >= budgetBytes. */
  capBytes: number;
  bytesUsed: number;
}

export interface FastLinePlan {
  /** Transfer duration to size every leg for (<= the input's targetMs). */
  targetMs: number;
  /** The run's budget from now on (>= the input's; <= its cap). */
  budgetBytes: number;
  /** What the planned rounds cost at targetMs, bytes already spent included. */
  plannedBytes: number;
  /** What the planned rounds would cost at the usual target, bytes already spent included. */
  fullBytes: number;
  /** What they cost at the floor: the least budget for the whole plan (what a cap should allow). */
  neededBytes: number;
}

const bytesAt = (mbps: number, ms: number) => (mbps * 1000 * ms) / 8;

/**
 * The plan is made again after this many rounds: a ramp's last transfer is short and often the
 * first of its connection, and read the lab's 150-250 Mbit/s lines at 71-122 (bench/RESULTS.md),
 * while the first rounds' transfers are sized for the target and read the line itself.
 */
export const REPLAN_AFTER_ROUNDS = 2;

/**
 * When the planned rounds are spent and a pair still needs rounds, a fast line's budget grows
 * by the rounds its interval is expected to need (roundsToSettle), at least this many, within
 * the cap, said before it is spent; and not at all when those rounds would pass the cap.
 */
export const EXTRA_ROUNDS = 4;

/** The budget that pays for `rounds` more rounds of this cost, within the cap (never less than now). */
export function extendedBudgetBytes(budgetBytes: number, bytesUsed: number, roundBytes: number, capBytes: number, rounds = EXTRA_ROUNDS): number {
  return Math.max(budgetBytes, Math.min(capBytes, Math.ceil(Math.max(budgetBytes, bytesUsed) + rounds * roundBytes)));
}

/**
 * About how many rounds an open comparison needs in all before its interval clears the
 * margin on one side or fits inside it, if its rounds go on as they have: an interval's width
 * shrinks as one over the square root of the rounds (signed-rank intervals do, asymptotically).
 * Infinity when the estimate sits on the margin, where no number of rounds settles it.
 * What more rounds would buy is then weighed against what they cost (engine.ts): spending the
 * cap on a line whose rounds disagree by 2x (the lab's processors at load 20) buys nothing.
 */
export function roundsToSettle(c: Pick<Comparison, 'ratio' | 'ci95' | 'rounds' | 'repeatedCi' | 'freshFlows'>): number {
  // A finding that waits for new connections (decision.ts rule 1f) needs their rounds.
  if (c.freshFlows && !c.freshFlows.confirmed) return c.rounds + freshRoundsLeft(c);
  // Under the repeated-interval rule (decision.ts rule 2r) the interval that must clear the
  // margin is the repeated one, wider than the 95% one: counting with the 95% one, runs asked
  // for too few rounds and more ended with the answer open (3.2% of simulated unshaped runs,
  // 1.8% with the repeated one; bench/RESULTS.md). Before its first look it has no bounds, and
  // the 95% one stands in.
  const settling = settlingBounds(c);
  const [lo, hi] = settling[0] > 0 && Number.isFinite(settling[1]) ? settling : c.ci95;
  if (!(c.rounds > 0 && lo > 0 && hi > lo && c.ratio > 0)) return Infinity;
  // Where the 95% interval stands in for a design's repeated one, what it says cannot end the
  // pair: only the repeated interval can, at the design's first look at the soonest and never
  // at a look that has none. A look whose level its rounds cannot reach has none (screening's
  // at 8 rounds: 0.99222, where 8 rounds reach 0.99219; repeated-rule.ts designOf skips it):
  // there the 95% interval, past the margin, read as settled, and runs against a delayed
  // throttle on a 131 ms path asked no more time and ended inconclusive at 7.6x with a minute
  // of their limit left (bench/RESULTS.md, 2026-12-05 14:19).
  const r = c.repeatedCi;
  const noInterval = !!r && !(r.level < 1 && r.bounds[0] > 0 && Number.isFinite(r.bounds[1]));
  const designed = r?.firstLook !== undefined && r.firstLook <= DESIGN_MAX_ROUNDS;
  const least = noInterval && designed ? Math.max(c.rounds + 1, r.firstLook!) : 0;
  const est = Math.log(c.ratio);
  const margin = Math.log(MARGIN_RATIO);
  // Each bound that must still cross the margin, by its own distance from the estimate: a
  // Hodges-Lehmann interval need not be centred on its estimate. With the mean half-width an
  // interval like the WAN lab's delayed throttle's after 14 rounds (4.16x, repeated bounds
  // 1.15-12.7: five rounds alike, then 1.5 of 19 Mbit/s) read as settled while its near bound
  // was short of the margin, and a run asks no time for an interval it reads as settled
  // (bench/RESULTS.md, 2026-12-03 06:46-07:35).
  const crossings: [distance: number, room: number][] =
    Math.abs(est) > margin
      ? [est > 0 ? [est - Math.log(lo), est - margin] : [Math.log(hi) - est, -est - margin]]
      : [
          [Math.log(hi) - est, margin - est],
          [est - Math.log(lo), margin + est],
        ];
  if (!crossings.every(([, room]) => room > 0)) return Infinity;
  return Math.max(least, Math.ceil(c.rounds * Math.max(...crossings.map(([distance, room]) => (Math.max(0, distance) / room) ** 2))));
}

/** Rounds to plan for after `roundsRun` rounds: the plan's rest, never fewer than an interval needs. */
export function roundsToPlan(roundsRun: number): number {
  return Math.max(MIN_ROUNDS, PLANNED_ROUNDS - roundsRun);
}

export function planFastLine(i: FastLineInput): FastLinePlan {
  const perMs = i.rounds * i.legs * bytesAt(i.lineMbps, 1);
  // Spent whatever the transfer length: bytes so far, and the held legs' planned rounds.
  const fixedBytes = i.bytesUsed + i.rounds * (i.heldRoundBytes ?? 0);
  const costAt = (ms: number) => fixedBytes + perMs * ms;
  const fullBytes = costAt(i.targetMs);
  const floor = Math.min(i.targetMs, floorMs(i.rttMs));
  const neededBytes = Math.ceil(costAt(floor));
  if (!(perMs > 0) || fullBytes <= i.budgetBytes) return { targetMs: i.targetMs, budgetBytes: i.budgetBytes, plannedBytes: fullBytes, fullBytes, neededBytes };
  const fitMs = (i.budgetBytes - fixedBytes) / perMs;
  if (fitMs >= floor) return { targetMs: fitMs, budgetBytes: i.budgetBytes, plannedBytes: costAt(fitMs), fullBytes, neededBytes };
  // Transfers at the floor do not fit: the budget grows to what they need, within the cap, and
  // where the cap binds, transfers shrink towards the hard floor so that the rounds still fit.
  const budgetBytes = Math.max(i.budgetBytes, Math.min(i.capBytes, Math.ceil(costAt(floor))));
  const hardFloor = Math.min(floor, hardFloorMs(i.rttMs));
  const targetMs = Math.max(hardFloor, Math.min(floor, (budgetBytes - fixedBytes) / perMs));
  return { targetMs, budgetBytes, plannedBytes: costAt(targetMs), fullBytes, neededBytes };
}

/**
 * The budget a run on a line of this rate is expected to end up with: the budget, or what a
 * fast line or a long path raises it to within the cap. An estimate made before a run (the
 * popup, from the last run's measurements): the ramps are taken to cost a sixth of the budget
 * (each leg's ramp ends near its share of an eighth, capSizes in engine/http-driver.ts). The
 * path's round trip is 0 when not known; on a long path transfers must last TARGET_RTTS round
 * trips to show the line's rate (sizer.ts targetForRtt), as the run itself plans them.
 */
export function expectedBudgetBytes(lineMbps: number, budgetBytes: number, capBytes: number, rttMs = 0): number {
  const targetMs = targetForRtt(DOWNLOAD_SIZER.targetMs, rttMs);
  return planFastLine({ lineMbps, rttMs, legs: 2, rounds: PLANNED_ROUNDS, targetMs, budgetBytes, capBytes, bytesUsed: budgetBytes / 6 }).budgetBytes;
}

/**
 * The line rate above which a run with this budget shortens its transfers to the floor and,
 * with a cap above the budget, may spend more: what a user is told before a run starts.
 */
export function fastLineMbps(budgetBytes: number, legs = 2, rttMs = 0): number {
  return (budgetBytes * 8) / (PLANNED_ROUNDS * legs * floorMs(rttMs) * 1000);
}
