import { describe, expect, it } from 'vitest';
import {
  MLAB_MAX_INTERVAL_MS,
  MLAB_MIN_INTERVAL_MS,
  mlabBackoffDelayMs,
  nextMlabRunDelayMs,
} from '../../../src/core/ndt7/schedule.js';
import { xoshiro128 } from '../../../src/core/payload.js';

describe('nextMlabRunDelayMs (ndt7 spec, non-interactive clients)', () => {
  it('never waits less than 2160 s', () => {
    expect(nextMlabRunDelayMs(() => 0)).toBe(MLAB_MIN_INTERVAL_MS);
  });

  it('never waits more than 54000 s', () => {
    expect(nextMlabRunDelayMs(() => 0.9999999)).toBe(MLAB_MAX_INTERVAL_MS);
  });

  it('draws from an exponential distribution with a mean of six hours', () => {
    // The median of an exponential distribution is mean * ln 2.
    expect(nextMlabRunDelayMs(() => 0.5)).toBe(Math.round(21_600_000 * Math.LN2));
  });

  it('spreads clients out: 10000 draws have the clamped mean and no two-hour cluster', () => {
    const rnd = xoshiro128(1);
    const draws = Array.from({ length: 10_000 }, () => nextMlabRunDelayMs(() => rnd() / 2 ** 32));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    // E[min(max(X, a), b)] for X ~ Exp(mean m) is a + m (e^(-a/m) - e^(-b/m)): 5.54 h here.
    const expectedH = 0.6 + 6 * (Math.exp(-0.1) - Math.exp(-2.5));
    expect(Math.abs(mean / 3_600_000 - expectedH)).toBeLessThan(0.15);
    const twoHourBins = new Map<number, number>();
    for (const d of draws) twoHourBins.set(Math.floor(d / 7_200_000), (twoHourBins.get(Math.floor(d / 7_200_000)) ?? 0) + 1);
    expect(Math.max(...twoHourBins.values()) / draws.length).toBeLessThan(0.35);
  });
});

describe('mlabBackoffDelayMs (no capacity)', () => {
  // u2 = 0.25 makes the Box-Muller normal exactly 0: the delay is the mean.
  const atMean = () => {
    let i = 0;
    return () => (i++ % 2 === 0 ? 0.5 : 0.25);
  };

  it('waits 60, 120, 240, 480 and 960 s on average for the five retries', () => {
    expect([0, 1, 2, 3, 4].map((a) => mlabBackoffDelayMs(a, atMean()))).toEqual([60_000, 120_000, 240_000, 480_000, 960_000]);
  });

  it('gives up after five retries: skip to the next scheduled test', () => {
    expect(mlabBackoffDelayMs(5, atMean())).toBeUndefined();
  });

  it('keeps the spread near 5% of the mean', () => {
    const rnd = xoshiro128(2);
    const draws = Array.from({ length: 5000 }, () => mlabBackoffDelayMs(2, () => rnd() / 2 ** 32)!);
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    const sd = Math.sqrt(draws.reduce((s, x) => s + (x - mean) ** 2, 0) / draws.length);
    expect(Math.abs(mean - 240_000)).toBeLessThan(1_000);
    expect(sd / 240_000).toBeGreaterThan(0.045);
    expect(sd / 240_000).toBeLessThan(0.055);
  });

  it("waits for the locate service's next_request time when it is later", () => {
    expect(mlabBackoffDelayMs(0, atMean(), { nowMs: 1_000_000, notBeforeMs: 1_300_000 })).toBe(300_000);
  });
});
