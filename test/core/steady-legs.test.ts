import { describe, expect, it } from 'vitest';
import { compareRepeated, withSteadyLegs } from '../../src/core/decision.js';
import { xoshiro128 } from '../../src/core/payload.js';
import { runMeasurement, type RunOptions } from '../../src/core/runner.js';
import { simNetwork, sumHasher, type SimOptions } from '../support/sim-network.js';

// Rule 1s (decision.ts withSteadyLegs): a difference counts only while the slow leg is steady.

describe('a slow leg still climbing round after round', () => {
  // Plain HTTP climbing back from an early loss (5 to 20 Mbit/s over 10 rounds) beside HTTPS
  // at 40, as in the WAN lab's unshaped 150 ms, 1% line.
  const climbing = [5.3, 8.7, 8.5, 8.6, 10.7, 10.5, 12.6, 13.7, 17.4, 20.3].map((plain, i) => ({ suspectMbps: 38 + (i % 3), referenceMbps: plain }));
  const flat = climbing.map((r, i) => ({ ...r, referenceMbps: 10 + (i % 3) * 0.3 }));

  it('withholds the difference it shows, naming the leg and its rates', () => {
    const c = compareRepeated('screen', 'https', 'http', climbing, true);
    expect(c.outcome).toBe('faster');
    const steady = withSteadyLegs(c, climbing);
    expect(steady.outcome).toBe('unclear');
    expect(steady.slowLegRising).toEqual({ leg: 'http', firstMbps: 8.5, lastMbps: 17.4, rounds: 10 });
  });

  it('keeps the difference of a leg held flat, as a shaper holds it', () => {
    const c = compareRepeated('screen', 'https', 'http', flat, true);
    expect(c.outcome).toBe('faster');
    expect(withSteadyLegs(c, flat)).toBe(c);
  });
});

describe('whole runs with a leg that climbs across the run', () => {
  const OPTS: RunOptions = { url: 'https://endpoint.test/', diagnose: 'auto', budgetBytes: 60e6, maxDurationMs: 60_000, capDurationMs: 120_000, seed: 3 };
  async function run(sim: SimOptions) {
    const net = simNetwork(sim);
    const rnd = xoshiro128(3);
    return runMeasurement({ fetch: net.fetch, clock: net.clock, hasher: sumHasher, random: () => rnd() / 2 ** 32 }, OPTS);
  }
  const legs = { 'https-443': { mbps: 40, noise: 0.05 }, 'http-80': { mbps: 40, noise: 0.05 } };

  it('does not call plain HTTP throttled while its rate is still climbing to the line', async () => {
    // Plain HTTP from 6 Mbit/s climbing to the line's 40 over the first 40 s.
    const result = await run({ legs, rateAt: (key, nowMs) => (key === 'http-80' ? Math.min(40, 6 + (34 * nowMs) / 40_000) : 40) });
    expect(result.verdict).not.toBe('plaintext-throttled');
  });

  it('still finds plain HTTP held flat at a quarter of the line', async () => {
    const result = await run({ legs, rateAt: (key) => (key === 'http-80' ? 10 : 40) });
    expect(result.verdict).toBe('plaintext-throttled');
  });
});
