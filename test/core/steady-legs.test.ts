import { describe, expect, it } from 'vitest';
import { compareRepeated } from '../../src/core/repeated-rule.js';
import { withSteadyLegs } from '../../src/core/steady-legs.js';
import { xoshiro128 } from '../../src/core/payload.js';
import { runMeasurement, type RunOptions } from '../../src/core/runner.js';
import { simNetwork, sumHasher, type SimOptions } from '../support/sim-network.js';

// Rule 1s (steady-legs.ts withSteadyLegs): a difference counts only while the slow leg is steady.

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

describe('legs that read alike while one still climbs', () => {
  // The WAN lab's 150 ms, 1% line, port 443 capped at 16.7 Mbit/s: both connections under the
  // cap, plain HTTP climbing from 8 to 17 Mbit/s, HTTPS close behind it.
  const plain = [8.1, 8.4, 10.2, 11.5, 15.8, 16.9];
  const climbing = plain.map((p, i) => ({ suspectMbps: p * (i % 2 ? 0.97 : 1.02), referenceMbps: p }));
  const settled = [15.8, 16.1, 16.9, 16.3, 15.9, 16.6].map((p, i) => ({ suspectMbps: p * (i % 2 ? 0.97 : 1.02), referenceMbps: p }));

  it('withholds no difference from screening, naming the steeper leg and its rates', () => {
    const c = compareRepeated('screen', 'https', 'http', climbing, true);
    expect(c.outcome).toBe('same');
    const steady = withSteadyLegs(c, climbing);
    expect(steady.outcome).toBe('unclear');
    expect(steady.risingWhileAlike).toEqual({ leg: 'http', firstMbps: 8.25, lastMbps: 16.35, rounds: 6 });
  });

  it('keeps no difference on a noisy line whose thirds differ by chance, with no trend', () => {
    // A simulated gigabit line, 40% noise per transfer: HTTPS's last third's median is 1.39x
    // its first's, but its rates do not rise with the rounds (Kendall's test, p > 0.05).
    const https = [800, 901, 650, 974, 1360, 788, 1095, 707, 864, 894, 838, 1288, 681, 869, 807, 1392, 1138, 627, 1351, 987, 802, 1233, 1340, 1301];
    const http = [1014, 682, 1038, 790, 1373, 1383, 1020, 1345, 694, 767, 912, 744, 1348, 617, 679, 1316, 974, 1106, 698, 1268, 925, 695, 1366, 696];
    const noisy = https.map((s, i) => ({ suspectMbps: s, referenceMbps: http[i]! }));
    const c = compareRepeated('screen', 'https', 'http', noisy, true);
    expect(c.outcome).toBe('same');
    expect(withSteadyLegs(c, noisy)).toBe(c);
  });

  it('keeps no difference once the legs hold level, and leaves other pairs alone', () => {
    const c = compareRepeated('screen', 'https', 'http', settled, true);
    expect(c.outcome).toBe('same');
    expect(withSteadyLegs(c, settled)).toBe(c);
    const upload = compareRepeated('upload', 'https-up', 'http-up', climbing, true);
    expect(upload.outcome).toBe('same');
    expect(withSteadyLegs(upload, climbing)).toBe(upload);
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
