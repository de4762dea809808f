// Slow start on a long path: after the wait for the other legs a connection may restart from
// its initial window (RFC 2861; Linux's tcp_slow_start_after_idle under CUBIC, its default;
// BBR keeps its pacing rate instead), and its window doubles once per round trip until it
// carries the path's rate. A transfer that ends before that reads the speed-up, not the line:
// both legs of a pair speed up alike, and a cap above what they reached binds for only the
// last round trip or two. In the simulation (bench/sim-stopping.ts) a 2x cap at 36 Mbit/s on
// a 73 Mbit/s, 194 ms line read 12.4 against 12.2 Mbit/s, "no difference", with 2.1 MB
// transfers; to show it each transfer would need about 12 MB, beyond the budget. So a "no
// difference" from such transfers says which caps it could have seen, and no more.
import { median } from 'simple-statistics';
import type { MeasuredLeg, MeasuredTransfer } from './paired-rounds.js';
import { fullBins, sustainedMbps, tailMbps } from './shaping.js';

/** TCP's initial window: 10 segments (RFC 6928) of a 1460-byte payload. */
export const INITIAL_WINDOW_BYTES = 10 * 1460;

/**
 * A transfer counts as speeding up throughout when slow start to the rate it reached would
 * take at least this share of it: most of it ran below the rate it ended at.
 */
export const SLOW_START_SHARE = 0.5;

/** How long slow start takes to carry mbps on a path of rttMs: doublings from the initial window. */
export function slowStartMs(mbps: number, rttMs: number): number {
  const windowBytes = (mbps * 1000 * rttMs) / 8;
  return windowBytes > INITIAL_WINDOW_BYTES ? rttMs * Math.log2(windowBytes / INITIAL_WINDOW_BYTES) : 0;
}

/**
 * The rate a transfer reached: after a burst the rate that followed (shaping.ts), else the
 * rate of its later half, which slow start's first round trips do not drag down.
 */
export function reachedMbps(t: MeasuredTransfer): number {
  const steady = sustainedMbps(t);
  return steady.burstBytes > 0 ? steady.mbps : tailMbps(t) ?? t.mbps;
}

/**
 * The fastest cap that would have slowed this transfer by `margin` on a path of rttMs: under
 * the cap, slow start runs alike until its window carries the cap's rate, and the bytes left
 * then go at the cap. The transfer as measured stands for the uncapped leg. A cap above the
 * answer slows such a transfer by less than the margin: it goes unseen however many rounds run.
 */
export function detectableCapMbps(bytes: number, durationMs: number, rttMs: number, margin: number): number {
  const cappedMs = (capMbps: number) => {
    const bytesPerMs = capMbps * 125;
    const k = (bytesPerMs * rttMs) / INITIAL_WINDOW_BYTES;
    if (k <= 1) return bytes / bytesPerMs;
    const rampBytes = (INITIAL_WINDOW_BYTES / Math.LN2) * (k - 1);
    return rampBytes >= bytes ? durationMs : rttMs * Math.log2(k) + (bytes - rampBytes) / bytesPerMs;
  };
  const slowed = (capMbps: number) => Math.max(durationMs, cappedMs(capMbps)) >= margin * durationMs;
  // Bisection on a log scale between rates no line runs below and above.
  let lo = 0.01;
  let hi = 1e5;
  if (!slowed(lo)) return 0;
  for (let i = 0; i < 60; i++) {
    const mid = Math.sqrt(lo * hi);
    if (slowed(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The fastest a transfer ran over any stretch of about one round trip (at least two complete
 * bins): on a transfer still speeding up, the rate it had got to by its end, a lower bound on
 * what the path can carry.
 */
export function peakMbps(t: MeasuredTransfer, rttMs: number): number {
  const bins = fullBins(t);
  const k = Math.max(2, Math.round(rttMs / t.binMs));
  if (bins.length < k) return t.mbps;
  let sum = bins.slice(0, k).reduce((a, b) => a + b, 0);
  let best = sum;
  for (let i = k; i < bins.length; i++) {
    sum += bins[i]! - bins[i - k]!;
    best = Math.max(best, sum);
  }
  return (best * 8) / (k * t.binMs * 1000);
}

/** A transfer's later half this much faster than its whole: it was still speeding up when it ended. */
export const SPEEDING_UP_RATIO = 1.2;

export interface SlowStartBound {
  /** The median over the bound rounds of the fastest cap their reference transfer could show. */
  detectableMbps: number;
  /** The median rate the bound rounds' faster transfer reached over its later half. */
  reachedMbps: number;
  /** The median over the bound rounds of the fastest either transfer ran for a round trip (peakMbps). */
  peakMbps: number;
  rttMs: number;
  /** Paired rounds in which both transfers were speeding up throughout, of all paired rounds. */
  rounds: number;
  totalRounds: number;
}

/**
 * Whether most of a pair's rounds were slow start throughout on a path of rttMs (decision.ts
 * pathRttMs): in a round, both transfers' later halves ran SPEEDING_UP_RATIO faster than
 * their wholes, and slow start to the faster of those rates takes at least SLOW_START_SHARE
 * of the shorter transfer. The test reads both legs alike, so it says nothing of which one is
 * slower and cannot favour a finding. Nothing is said when the transfers could see every cap
 * a margin below the fastest they ran (a cap above that rate is no cap on this path).
 */
export function slowStartBound(suspect: MeasuredLeg, reference: MeasuredLeg, rttMs: number | undefined, margin: number): SlowStartBound | undefined {
  if (rttMs === undefined || !(rttMs > 0)) return undefined;
  const reached: number[] = [];
  const detectable: number[] = [];
  const peaks: number[] = [];
  let total = 0;
  for (const [round, s] of suspect.samples) {
    const r = reference.samples.get(round);
    if (!r) continue;
    total++;
    const rs = reachedMbps(s);
    const rr = reachedMbps(r);
    if (rs < SPEEDING_UP_RATIO * s.mbps || rr < SPEEDING_UP_RATIO * r.mbps) continue;
    const fastest = Math.max(rs, rr);
    if (slowStartMs(fastest, rttMs) < SLOW_START_SHARE * Math.min(s.durationMs, r.durationMs)) continue;
    reached.push(fastest);
    detectable.push(detectableCapMbps(r.bytes, r.durationMs, rttMs, margin));
    peaks.push(Math.max(peakMbps(s, rttMs), peakMbps(r, rttMs)));
  }
  if (!total || reached.length * 2 <= total) return undefined;
  const bound = { detectableMbps: median(detectable), reachedMbps: median(reached), peakMbps: median(peaks), rttMs, rounds: reached.length, totalRounds: total };
  return bound.detectableMbps < bound.peakMbps / margin ? bound : undefined;
}
