// Transfer sizes: start small, grow until a transfer lasts about the target time (ramp sizes
// as Cloudflare's speed test does), then keep each leg near the target as its rate changes.
import { median } from 'simple-statistics';
import { sustainedMbps, type BinnedTransfer } from './shaping.js';

export interface SizerOptions {
  startBytes: number;
  minBytes: number;
  maxBytes: number;
  targetMs: number;
  /** A ramp transfer at least this long ends the ramp for its leg. */
  rampDoneMs: number;
}

// The target is shorter than the 1-2 s first planned: first-byte-to-last-byte timing
// leaves set-up out, so 200 ms already reads a line's rate to a few percent (bench). Shorter
// rounds are also steadier ones: cross traffic that starts or stops between the two legs of a
// round spoils that round's ratio, and in the throttle lab (50 Mbit/s, on/off cross traffic)
// an unshaped line took a median 15 rounds and 45 MB to "no difference" at 300 ms, against 6
// rounds and 17 MB at 200 ms. The wait before a leg's next transfer (the other legs' 200 ms)
// also stays under a typical retransmission timeout, so TCP keeps its window between transfers.
export const DOWNLOAD_SIZER: SizerOptions = {
  startBytes: 128 * 1024,
  minBytes: 16 * 1024,
  maxBytes: 64 * 1024 * 1024,
  targetMs: 200,
  rampDoneMs: 80,
};

// Uploads start smaller: a Rogers-style 80 kbit/s cap moves 10 kB a second.
export const UPLOAD_SIZER: SizerOptions = { ...DOWNLOAD_SIZER, startBytes: 32 * 1024, minBytes: 8 * 1024 };

/** A transfer should last this many round trips, so that the line, not TCP's window, sets its rate. */
export const TARGET_RTTS = 10;
/** ... but never longer than this: a round of two legs must stay short beside cross traffic. */
export const MAX_TARGET_MS = 2_000;

/**
 * The target duration of a leg's transfers on a path with this round-trip time: the usual
 * target, or TARGET_RTTS round trips on a long path (paired-rounds.ts WINDOW_LIMITED_RTTS says why:
 * every transfer starts in slow start after the wait for the other legs).
 */
export function targetForRtt(baseTargetMs: number, rttMs: number): number {
  // Short paths keep the usual target exactly (up to 30 ms for 200 ms): the lab tuned it there.
  if (!(rttMs > 0) || TARGET_RTTS * rttMs <= 1.5 * baseTargetMs) return baseTargetMs;
  return Math.min(MAX_TARGET_MS, TARGET_RTTS * rttMs);
}

/**
 * Sizes snap to a grid of 2^(k/4) x 16 KiB, so a run asks for few distinct sizes and the
 * endpoint can reuse each size's digest.
 */
export function snapBytes(bytes: number, opts: SizerOptions): number {
  const unit = 16 * 1024;
  const k = Math.round(4 * Math.log2(Math.max(bytes, unit) / unit));
  const snapped = Math.round((unit * 2 ** (k / 4)) / 1024) * 1024;
  return Math.min(opts.maxBytes, Math.max(opts.minBytes, snapped));
}

/** The next size for a leg, given the last transfer's size and duration. */
export function nextBytes(lastBytes: number, lastDurationMs: number, opts: SizerOptions): number {
  // A transfer that took (almost) no measurable time says only "much bigger".
  const factor = lastDurationMs < 20 ? 8 : Math.min(8, Math.max(0.25, opts.targetMs / lastDurationMs));
  return Math.min(opts.maxBytes, snapBytes(lastBytes * factor, opts));
}

export function rampDone(lastDurationMs: number, lastBytes: number, opts: SizerOptions): boolean {
  return lastDurationMs >= opts.rampDoneMs || lastBytes >= opts.maxBytes;
}

/**
 * After the ramp a leg's size follows the median of its rounds, not the last transfer: a
 * token bucket that refills while the other legs run would otherwise make sizes see-saw
 * between "fits in the bucket" and "does not". A transfer that began with a burst asks for
 * the burst plus the target time at the rate that followed, so the sustained rate, which the
 * comparisons use, gets about the target time to show.
 *
 * When bursts are common on a leg (a bucket, not cross traffic starting mid-transfer), the
 * size must also outgrow what the bucket can gather while the leg waits: a bucket drained by
 * the last transfer holds the shaped rate times the wait before the next one. The wait is the
 * other legs' transfers, and it grows when cross traffic slows them: in the lab's tbf
 * scenario the plaintext leg slowed from 45 to 19 Mbit/s, the wait from 0.2 to 0.45 s, and
 * the 0.52 MB TLS transfers sized from the bursts seen so far then fitted the refill whole and
 * read the line's 48 Mbit/s for 18 rounds in a row. So the longest recent wait counts too.
 */
export function steadyBytes(
  samples: (BinnedTransfer & { mbps: number; bytes?: number })[],
  opts: SizerOptions,
  longestWaitMs = 0,
): number | undefined {
  const bytesAt = (mbps: number, ms: number) => (mbps * 1000 * ms) / 8;
  const steady = samples.map((s) => ({ ...sustainedMbps(s), bytes: s.bytes ?? 0 })).filter((s) => s.mbps > 0);
  if (!steady.length) return undefined;
  const bursts = steady.filter((s) => s.burstBytes > 0);
  let wanted: number;
  if (bursts.length >= 2 && bursts.length * 3 >= steady.length) {
    const shapedMbps = median(bursts.map((s) => s.mbps));
    const refill = Math.max(...bursts.map((s) => s.burstBytes), bytesAt(shapedMbps, longestWaitMs));
    // Never smaller than a transfer that already met the bucket: the burst it showed is only
    // what the bucket held then, a lower bound on its depth, and a smaller transfer may fit
    // whole in what it gathers while the leg waits. In the lab's tbf run (2 MB at 10 of 50
    // Mbit/s) 0.72 MB transfers that met it were cut to 0.52 MB from their 0.3 MB bursts, and
    // the last rounds read the line's rate again.
    wanted = Math.max(refill + bytesAt(shapedMbps, opts.targetMs), ...bursts.map((s) => s.bytes));
  } else {
    wanted = median(sinceTurn(steady).map((s) => s.burstBytes + bytesAt(s.mbps, opts.targetMs)));
  }
  return Math.min(opts.maxBytes, snapBytes(wanted, opts));
}

/** As decision.ts rule 6: two transfers in a row this far below the rate before them are a turn. */
const TURN_RATIO = 2;

/**
 * A leg's transfers since its rate turned down: the longest run of two or more last transfers
 * each TURN_RATIO or more below the median of all before them; else all. A throttle that
 * starts after a flow's first megabytes cuts a leg's rate tenfold, and a size following the
 * median of all its rounds stayed at the old rate's until the slow rounds outnumbered the
 * fast: in the lab's delayed throttle (20 Mbit/s, then 1.5) 1.5 MB transfers of 8 s each for
 * 4-5 rounds, about 30 s of a minute's run.
 *
 * Only downwards: a size too large for a slower rate costs time in proportion (a tenfold drop,
 * ten times the target), one too small for a faster rate costs a short transfer, and the
 * median regrows it. A renewed connection's first megabytes run at the line's rate before a
 * delayed throttle holds it again (decision.ts rule 1f); followed upwards, its confirming
 * rounds got 1.25 MB transfers of 6.5 s each in the WAN lab, against 0.4 MB of 2 s.
 */
export function sinceTurn<T extends { mbps: number }>(steady: T[]): T[] {
  for (let start = 1; start <= steady.length - 2; start++) {
    const before = median(steady.slice(0, start).map((s) => s.mbps));
    if (steady.slice(start).every((s) => s.mbps * TURN_RATIO <= before)) return steady.slice(start);
  }
  return steady;
}
