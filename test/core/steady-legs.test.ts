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

describe('legs that climbed together and then held level', () => {
  // The throttle lab's fresh draw (seed 5050), an unshaped 39 Mbit/s line: its other traffic
  // held both legs at 13-16 Mbit/s for the first rounds, then they ran at 31-35 alike
  // (bench/RESULTS.md, 2026-12-07 04:08). Each leg rose past the margin from its first third,
  // and the run waited 37 rounds and 59 MB for those rounds to leave the first third.
  const https = [15.6, 13.3, 15.6, 15.2, 23.0, 31.8, 31.9, 22.1, 23.4, 15.8, 15.1, 15.4, 31.9, 32.0, 32.0, 32.0, 31.9, 32.1, 33.1, 33.1, 33.0, 16.2, 16.7, 32.7, 34.5, 34.6, 34.7, 34.6, 27.3, 16.8, 34.5, 34.2, 34.0, 34.6, 34.3, 34.3, 34.3];
  const http = [14.0, 16.2, 16.2, 28.9, 31.8, 32.4, 31.7, 31.8, 15.8, 15.9, 14.5, 17.2, 32.2, 31.2, 32.1, 32.0, 31.8, 33.2, 33.2, 33.2, 23.3, 16.3, 16.2, 16.4, 34.4, 34.6, 34.6, 34.6, 17.2, 18.1, 34.4, 34.4, 34.4, 34.4, 34.5, 34.2, 34.1];
  const lab = https.map((s, i) => ({ suspectMbps: s, referenceMbps: http[i]! }));

  it('gives no difference once the last third holds level and reads alike', () => {
    const c = compareRepeated('screen', 'https', 'http', lab);
    expect(c.outcome).toBe('same');
    expect(withSteadyLegs(c, lab)).toBe(c);
    // After 20 rounds too: the climb is in the first rounds, the last six hold level. After
    // 24 the last eight hold a round in which the other traffic came back for plain HTTP alone
    // (32.7 against 16.4 Mbit/s), so they do not read alike on their own, and it waits.
    const first20 = lab.slice(0, 20);
    const at20 = compareRepeated('screen', 'https', 'http', first20);
    expect(at20.outcome).toBe('same');
    expect(withSteadyLegs(at20, first20)).toBe(at20);
    const first24 = lab.slice(0, 24);
    expect(withSteadyLegs(compareRepeated('screen', 'https', 'http', first24), first24).outcome).toBe('unclear');
  });

  it('waits while the last rounds are the climb itself', () => {
    // After 16 rounds the last six hold the step from 15 to 32 Mbit/s.
    const first16 = lab.slice(0, 16);
    const c = compareRepeated('screen', 'https', 'http', first16);
    expect(c.outcome).toBe('same');
    expect(withSteadyLegs(c, first16)).toMatchObject({ outcome: 'unclear', risingWhileAlike: { leg: 'https', rounds: 16 } });
  });

  it('waits while a leg still creeps up in the last rounds, by less than the margin', () => {
    // Both legs at 8 Mbit/s, then at 20 rising a little every round: the last third rises
    // with the rounds (2% a round), so the legs may not yet have reached what they hold.
    const creeping = Array.from({ length: 24 }, (_, i) => {
      const mbps = i < 8 ? 8 + (i % 2) * 0.3 : 20 * 1.02 ** (i - 8);
      return { suspectMbps: mbps * (i % 2 ? 0.99 : 1.01), referenceMbps: mbps };
    });
    const c = compareRepeated('screen', 'https', 'http', creeping);
    expect(c.outcome).toBe('same');
    expect(withSteadyLegs(c, creeping).outcome).toBe('unclear');
    // Held level at 20 instead: the climb is over.
    const level = creeping.map((r, i) => (i < 8 ? r : { suspectMbps: 20 * (i % 2 ? 0.99 : 1.01), referenceMbps: 20 * (i % 3 ? 1 : 1.01) }));
    expect(withSteadyLegs(compareRepeated('screen', 'https', 'http', level), level).outcome).toBe('same');
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
