// Rule 1 of the decision (decision.ts): the transfers as the decision sees them, and the rounds
// a comparison pairs from two legs' transfers.
import { sustainedMbps, type BinnedTransfer } from './shaping.js';
import type { LegSpec } from './types.js';

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
