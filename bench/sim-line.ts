// A home line as the stopping-rule simulation (sim-stopping.ts) draws it, one per run. The
// figures are ranges seen on access lines, not fitted to any one of them:
// - rate 5-100 Mbit/s and round trip 5-200 ms, log-uniform;
// - random loss 0, 0.01%, 0.1% or 1%: a flow then gets at most Mathis et al.'s
//   1.22 MSS / (RTT sqrt(p)) (CCR 1997), and its rate moves from one quarter second to the
//   next as loss events come and go (log-normal, sigma 0.3);
// - cross traffic that comes and goes (on and off periods exponential, means 0.3-3 s on and
//   0.5-6 s off), taking 20-80% of the line while on, as in the throttle lab
//   (test/lab/cross-traffic.ts); or with `bulkCross` (sim-stopping.ts --bulk-cross) one or
//   two bulk TCP flows, as the lab runs them, against which a test transfer gets its fair
//   share at best (drawCrossShare);
// - the line's rate drifting by up to 20% over 10-60 s, and each transfer's own noise
//   (uniform, 2-15%, sim-network.ts);
// - slow start at the start of every transfer (sim-network.ts rttMs);
// - an upstream as fast as the downstream, or with drawUpShare (sim-stopping.ts --asymmetric)
//   the upstream of an access line as sold: symmetric on a third of lines (fibre), else a
//   twentieth to a quarter of the downstream (cable and DSL tiers such as 6/0.5, 100/10 and
//   250/25 Mbit/s: the FCC's Measuring Broadband America reports, and its 250/25 benchmark in
//   the 2020 Broadband Deployment Report), log-uniform.
// A shaped line caps port 443's downloads at 1/factor of what a flow gets on the idle line, as
// an htb class does: the capped leg gets the cap or what the cross traffic leaves, whichever
// is less.
import { xoshiro128 } from '../src/core/payload.js';

export interface SimLine {
  rateMbps: number;
  rttMs: number;
  lossRate: number;
  noise: number;
  /** The upstream's rate as a share of rateMbps (1: a symmetric line). */
  upShare: number;
  /** 1: unshaped; else port 443's downloads are capped at rateMbps / capFactor. */
  capFactor: number;
  onMeanMs: number;
  offMeanMs: number;
  driftAmp: number;
  driftPeriodMs: number;
  driftPhase: number;
  /** Cross traffic's periods: [start, end) in ms and the share of the line it takes. */
  periods: { startMs: number; endMs: number; share: number }[];
  /** Cross traffic is one or two bulk TCP flows (drawCrossShare); else it takes 20-80%. */
  bulkCross?: boolean;
  seed: number;
  nextRandom: () => number;
}

export const logUniform = (u: number, lo: number, hi: number) => Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo)));

export function drawLine(u: () => number, capFactor: number): SimLine {
  const seed = Math.floor(u() * 2 ** 31);
  const own = xoshiro128(seed);
  return {
    rateMbps: logUniform(u(), 5, 100),
    upShare: 1,
    rttMs: logUniform(u(), 5, 200),
    lossRate: [0, 0, 1e-4, 1e-3, 1e-2][Math.floor(u() * 5)]!,
    noise: 0.02 + 0.13 * u(),
    capFactor,
    onMeanMs: 300 + 2700 * u(),
    offMeanMs: 500 + 5500 * u(),
    driftAmp: 0.2 * u(),
    driftPeriodMs: 10_000 + 50_000 * u(),
    driftPhase: 2 * Math.PI * u(),
    periods: [],
    seed,
    nextRandom: () => own() / 2 ** 32,
  };
}

/**
 * An access line's upstream as a share of its downstream (see the head of this file). Drawn
 * from the line's own seed, not from the stream that draws the lines, so a run with it sees
 * the same downstreams, round trips, loss and cross traffic as one without.
 */
export function drawUpShare(line: SimLine): number {
  const draw = xoshiro128((line.seed ^ 0x1f3a5c7e) >>> 0);
  const u = () => draw() / 2 ** 32;
  return u() < 1 / 3 ? 1 : logUniform(u(), 1 / 20, 1 / 4);
}

/** Cross traffic's share of the line at nowMs (periods are drawn as time reaches them). */
function crossShare(line: SimLine, nowMs: number): number {
  type Period = SimLine['periods'][number];
  // Start in an off period of random remaining length.
  let last: Period = line.periods[line.periods.length - 1] ?? { startMs: 0, endMs: -line.offMeanMs * Math.log(1 - line.nextRandom()), share: 0 };
  if (!line.periods.length) line.periods.push(last);
  while (last.endMs <= nowMs) {
    const on = last.share === 0;
    const mean = on ? line.onMeanMs : line.offMeanMs;
    const next: Period = { startMs: last.endMs, endMs: last.endMs - mean * Math.log(1 - line.nextRandom()), share: on ? drawCrossShare(line) : 0 };
    line.periods.push(next);
    last = next;
  }
  // Periods are few (a run lasts at most a minute): a scan back is enough.
  for (let i = line.periods.length - 1; i >= 0; i--) {
    const p = line.periods[i]!;
    if (p.startMs <= nowMs) return p.share;
  }
  return 0;
}

/**
 * The share of the line a period of cross traffic takes from a test transfer. By default
 * 20-80%, uniform. With `bulkCross`, as the throttle lab's cross traffic (test/lab/cross-traffic.ts)
 * is: one bulk download (seven periods in ten) or two, with full windows, against a transfer
 * that starts in slow start after a wait, so the transfer gets its fair share of the line at
 * best, 1/(k+1) of it for k flows, and 60-100% of that (uniform): the cross traffic takes
 * 50-70% with one flow, 67-80% with two. In the lab plain HTTP read 19-48 of a 92 Mbit/s line
 * in such rounds, 73-87 in the others (bench/RESULTS.md, 2026-12-06 06:14).
 */
function drawCrossShare(line: SimLine): number {
  if (!line.bulkCross) return 0.2 + 0.6 * line.nextRandom();
  const flows = line.nextRandom() < 0.3 ? 2 : 1;
  return 1 - (0.6 + 0.4 * line.nextRandom()) / (flows + 1);
}

/** A deterministic standard normal for (seed, slot): loss events as a function of time. */
function slotNormal(seed: number, slot: number): number {
  const r = xoshiro128((seed ^ Math.imul(slot + 1, 0x9e3779b1)) >>> 0);
  const u1 = (r() + 1) / (2 ** 32 + 1);
  const u2 = r() / 2 ** 32;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * The goodput a leg's flow gets at nowMs (sim-network.ts SimOptions.rateAt). `crossTraffic`
 * false: what it gets while the cross traffic takes nothing from it (a class of its own).
 */
export function lineRate(line: SimLine, legKey: string, nowMs: number, crossTraffic = true): number {
  const drift = 1 + line.driftAmp * Math.sin((2 * Math.PI * nowMs) / line.driftPeriodMs + line.driftPhase);
  let mbps = directionMbps(line, legKey) * drift * (1 - (crossTraffic ? crossShare(line, nowMs) : 0));
  if (line.lossRate > 0) {
    const slot = Math.floor(nowMs / 250) * 4 + legKey.length; // legs see different loss events
    mbps = Math.min(mbps, mathisMbps(line) * Math.exp(0.3 * slotNormal(line.seed, slot)));
  }
  const capped = line.capFactor > 1 && legKey.endsWith('-443');
  return capped ? Math.min(mbps, idleFlowMbps(line) / line.capFactor) : mbps;
}

/** The line's rate in the leg's direction: an upload leg's key ends in '-up' (sim-network.ts). */
function directionMbps(line: SimLine, legKey: string): number {
  return legKey.endsWith('-up') ? line.rateMbps * line.upShare : line.rateMbps;
}

function mathisMbps(line: SimLine): number {
  return line.lossRate > 0 ? (1.22 * 1460 * 8) / ((line.rttMs / 1000) * Math.sqrt(line.lossRate)) / 1e6 : Infinity;
}

/**
 * What one flow gets on the idle line, in the direction of the leg keyed (downloads when none):
 * the shaper's factor is taken against it, so that a "2x" cap halves what the flow would
 * otherwise get (a cap above a loss-limited flow's rate would be no shaping at all).
 */
export function idleFlowMbps(line: SimLine, legKey = ''): number {
  return Math.min(directionMbps(line, legKey), mathisMbps(line));
}

/** One-sided 95% Clopper-Pearson upper bound for k successes in n trials. */
export function clopperPearsonUpper(k: number, n: number, level = 0.95): number {
  if (n === 0) return 1;
  if (k >= n) return 1;
  const cdf = (p: number) => {
    // P(X <= k) for X ~ Bin(n, p), summed in log space.
    let logTerm = n * Math.log1p(-p);
    let sum = Math.exp(logTerm);
    for (let i = 1; i <= k; i++) {
      logTerm += Math.log((n - i + 1) / i) + Math.log(p) - Math.log1p(-p);
      sum += Math.exp(logTerm);
    }
    return sum;
  };
  let lo = k / n;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) > 1 - level) lo = mid;
    else hi = mid;
  }
  return hi;
}
