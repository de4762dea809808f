// Shaping signature: a token-bucket shaper lets a burst through at line rate, then holds the
// flow to a flat lower rate. On the binned bytes-over-time series of a transfer that is a
// single level shift down; its after-level is the shaper's rate and the excess bytes before
// it are the bucket (as Wehe and Glasnost read their traces: Kakhki et al., IMC 2015).
import { median } from 'simple-statistics';
import type { ShapingEstimate } from './types.js';

export interface BinnedTransfer {
  bins: number[];
  binMs: number;
}

export interface LevelShift {
  /** Bins before the shift. */
  splitBin: number;
  beforeBytesPerBin: number;
  afterBytesPerBin: number;
  /** Bytes sent above the after-rate before the shift. */
  burstBytes: number;
}

const MIN_AFTER_BINS = 3;
/** A burst must be at least this much faster than what follows to count as one. */
const MIN_SHIFT_RATIO = 1.5;
/** The after-level must be flat: coefficient of variation under this. */
const MAX_AFTER_CV = 0.3;

function mean(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

function sse(xs: number[], m: number): number {
  return xs.reduce((s, x) => s + (x - m) ** 2, 0);
}

/** The complete bins: the last one is cut short by the end of the body. */
export function fullBins(t: BinnedTransfer): number[] {
  return t.bins.slice(0, -1);
}

export function findLevelShift(t: BinnedTransfer): LevelShift | undefined {
  const b = fullBins(t);
  if (b.length < MIN_AFTER_BINS + 1) return undefined;
  const total = sse(b, mean(b));
  // The bin in which the bucket runs dry holds part burst, part shaped rate: it may sit
  // between the two levels as a transition, belonging to neither (the lab's tbf transfers
  // read [311, 164, 66, 49, 66, ...] kB per bin, and counting 164 in the after-level made it
  // look too uneven to be one).
  let best: { k: number; gap: 0 | 1; cost: number } | undefined;
  for (let k = 1; k <= b.length - MIN_AFTER_BINS; k++) {
    for (const gap of [0, 1] as const) {
      const after = b.slice(k + gap);
      if (after.length < MIN_AFTER_BINS) continue;
      const before = b.slice(0, k);
      if (gap && !(b[k]! < mean(before) && b[k]! > mean(after))) continue;
      const cost = sse(before, mean(before)) + sse(after, mean(after));
      if (!best || cost < best.cost) best = { k, gap, cost };
    }
  }
  if (!best) return undefined;
  const before = b.slice(0, best.k);
  const after = b.slice(best.k + best.gap);
  const rb = mean(before);
  const ra = mean(after);
  if (ra <= 0 || rb < MIN_SHIFT_RATIO * ra) return undefined;
  const cv = Math.sqrt(sse(after, ra) / after.length) / ra;
  if (cv > MAX_AFTER_CV) return undefined;
  // The split must explain most of the variation, or it is noise around one level.
  if (total > 0 && best.cost > 0.5 * total) return undefined;
  const untilAfter = best.k + best.gap;
  const burstBytes = b.slice(0, untilAfter).reduce((s, x) => s + x, 0) - ra * untilAfter;
  return { splitBin: best.k, beforeBytesPerBin: rb, afterBytesPerBin: ra, burstBytes };
}

function toMbps(bytesPerBin: number, binMs: number): number {
  return (bytesPerBin * 8) / (binMs * 1000);
}

/**
 * What a transfer says about the rate its leg can sustain: after a burst (a level shift down),
 * the rate that followed; otherwise its goodput. A bucket that refills while its leg waits for
 * the other legs would otherwise pass off the first part of every transfer as the leg's speed
 * (the lab's tbf scenario read 1.2x for a 5x throttle); on an unshaped leg a shift shows up
 * only when cross traffic starts mid-transfer, and then the after-rate is the truer reading.
 */
export function sustainedMbps(t: BinnedTransfer & { mbps: number }): { mbps: number; burstBytes: number } {
  let reading = sustained.get(t);
  if (!reading) {
    const shift = findLevelShift(t);
    reading = shift ? { mbps: toMbps(shift.afterBytesPerBin, t.binMs), burstBytes: shift.burstBytes } : { mbps: t.mbps, burstBytes: 0 };
    sustained.set(t, reading);
  }
  return reading;
}

/**
 * The rate over the later half of a transfer's complete bins, or undefined when it has too few
 * bins for a half to mean anything (src/core/slow-start.ts reads it).
 */
export function tailMbps(t: BinnedTransfer): number | undefined {
  const b = fullBins(t);
  if (b.length < 2 * MIN_AFTER_BINS) return undefined;
  return toMbps(mean(b.slice(Math.floor(b.length / 2))), t.binMs);
}

// A transfer does not change once measured, but every round compares, sizes and checks all
// of a leg's transfers again: each one's level-shift search (quadratic in its bins) runs once.
const sustained = new WeakMap<object, { mbps: number; burstBytes: number }>();

/**
 * The shaped rate and bucket of a throttled leg. Only called for a leg the statistics found
 * slower. The rate is the median of its transfers' sustained rates, the same readings the
 * comparisons used; every transfer counts, since keeping only those long enough to show a
 * shape would keep the slowest (a 10 Mbit/s DPI class read 7.5 in the lab that way).
 */
export function estimateShaping(legId: string, transfers: (BinnedTransfer & { mbps: number })[]): ShapingEstimate | undefined {
  const steady = transfers.map((t) => sustainedMbps(t)).filter((s) => s.mbps > 0);
  if (steady.length === 0) return undefined;
  const withBurst = steady.filter((s) => s.burstBytes > 0);
  // A bucket is reported only when most transfers show it: one burst may be cross traffic.
  const burstBytes = withBurst.length * 2 > steady.length ? Math.round(median(withBurst.map((s) => s.burstBytes))) : 0;
  return { leg: legId, rateMbps: median(steady.map((s) => s.mbps)), burstBytes };
}
