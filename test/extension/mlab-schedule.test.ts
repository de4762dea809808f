// M-Lab's rules for clients that test on their own, as the scheduler applies them: randomized
// intervals instead of a fixed period, and retries with back-off when M-Lab has no capacity.
import { describe, expect, it } from 'vitest';
import { MLAB_MAX_INTERVAL_MS, MLAB_MEAN_INTERVAL_MS, MLAB_MIN_INTERVAL_MS } from '../../src/core/ndt7/schedule.js';
import { nextMlabCheckAt, retryAfter } from '../../src/extension/background/mlab-schedule.js';
import { nextCheckAt } from '../../src/extension/background/schedule.js';

const NOW = Date.UTC(2026, 10, 24, 12);
const fixed = (u: number) => () => u;

describe('nextMlabCheckAt', () => {
  it('schedules nothing when checks are off', () => {
    expect(nextMlabCheckAt('off', NOW, fixed(0.5))).toBeUndefined();
  });

  it('replaces an hourly schedule by an exponential wait with a mean of six hours', () => {
    // The median of an exponential is mean * ln 2.
    expect(nextMlabCheckAt('hourly', NOW, fixed(0.5))! - NOW).toBe(Math.round(MLAB_MEAN_INTERVAL_MS * Math.LN2));
    expect(nextMlabCheckAt('every-6-hours', NOW, fixed(0.5))! - NOW).toBe(Math.round(MLAB_MEAN_INTERVAL_MS * Math.LN2));
  });

  it('never tests sooner than 36 minutes or later than 15 hours after the last', () => {
    expect(nextMlabCheckAt('hourly', NOW, fixed(0))! - NOW).toBe(MLAB_MIN_INTERVAL_MS);
    expect(nextMlabCheckAt('hourly', NOW, fixed(0.999999))! - NOW).toBe(MLAB_MAX_INTERVAL_MS);
  });

  it('spreads the waits: over many draws their mean is close to six hours', () => {
    let seed = 1;
    const lcg = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const waits = Array.from({ length: 4000 }, () => nextMlabCheckAt('hourly', NOW, lcg)! - NOW);
    const meanHours = waits.reduce((a, b) => a + b, 0) / waits.length / 3_600_000;
    // The clamp raises short waits and cuts long ones: the mean stays within 10% of 6 h.
    expect(meanHours).toBeGreaterThan(5.4);
    expect(meanHours).toBeLessThan(6.6);
    expect(new Set(waits).size).toBeGreaterThan(3000);
  });

  it('keeps a daily schedule, which already tests less often than M-Lab asks', () => {
    expect(nextMlabCheckAt('daily', NOW, fixed(0.3))).toBe(nextCheckAt('daily', NOW, fixed(0.3)));
  });
});

describe('retryAfter', () => {
  it('retries a refused test after about a minute the first time', () => {
    const d = retryAfter({ noCapacity: true }, 0, NOW, fixed(0.5));
    expect(d.attempt).toBe(1);
    expect(d.retryAt! - NOW).toBeGreaterThan(60_000 * 0.85);
    expect(d.retryAt! - NOW).toBeLessThan(60_000 * 1.15);
  });

  it('doubles the wait with each refusal: 60, 120, 240, 480, 960 s', () => {
    // u2 = 0.25 makes the normal draw cos(pi/2) = 0: the means themselves.
    let i = 0;
    const draws = () => (i++ % 2 === 0 ? 0.5 : 0.25);
    const waits = [0, 1, 2, 3, 4].map((a) => retryAfter({ noCapacity: true }, a, NOW, draws).retryAt! - NOW);
    expect(waits).toEqual([60_000, 120_000, 240_000, 480_000, 960_000]);
  });

  it('gives up after the fifth retry and waits for the next scheduled test', () => {
    expect(retryAfter({ noCapacity: true }, 5, NOW, fixed(0.5))).toEqual({ attempt: 0 });
  });

  it("never retries before the locate service's next_request time", () => {
    const d = retryAfter({ noCapacity: true, nextRequestNotBeforeMs: NOW + 300_000 }, 0, NOW, fixed(0.5));
    expect(d.retryAt).toBe(NOW + 300_000);
  });

  it('clears the count after a test M-Lab had room for, whatever its verdict', () => {
    expect(retryAfter({ noCapacity: false }, 3, NOW, fixed(0.5))).toEqual({ attempt: 0 });
    expect(retryAfter(undefined, 3, NOW, fixed(0.5))).toEqual({ attempt: 0 });
  });
});
