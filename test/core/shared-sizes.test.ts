// The legs of a round that read alike move the same bytes (http-driver.ts shareSizes), so that
// where transfers end in slow start no leg's own smaller size makes it read slower.
import { median } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { HttpDriver } from '../../src/core/engine/http-driver.js';
import type { DriverContext } from '../../src/core/engine/driver.js';
import { resolveTarget } from '../../src/core/endpoint.js';
import type { LegSpec } from '../../src/core/types.js';
import { simNetwork, sumHasher, type SimOptions } from '../support/sim-network.js';

function context(): DriverContext {
  let used = 0;
  return {
    budgetBytes: 60e6,
    get bytesUsed() {
      return used;
    },
    elapsedMs: 0,
    maxDurationMs: 60_000,
    rounds: 0,
    spend: (bytes: number) => void (used += bytes),
    note: () => {},
    progress: () => {},
  };
}

async function rampedDriver(rateAt: SimOptions['rateAt']) {
  const net = simNetwork({ rttMs: 20, seed: 5, legs: { 'https-443': { mbps: 20 }, 'http-80': { mbps: 20 } }, rateAt });
  const target = await resolveTarget(net.fetch, 'https://endpoint.test/', {});
  const driver = new HttpDriver({ fetch: net.fetch, clock: net.clock, hasher: sumHasher }, target, 'https://endpoint.test/', 1);
  const screen = driver.plan.screening[0]!;
  const legs = [screen.suspect, screen.reference];
  const ctx = context();
  await driver.prepare(legs, legs, ctx, async (_leg, work) => (await work(), true));
  return { driver, legs, ctx };
}

const nextBytes = (driver: HttpDriver, leg: LegSpec) => driver.roundCost([leg]).bytes;

describe('shared transfer sizes', () => {
  it('gives two legs that read within the margin the same bytes from the first round on, whatever their ramps ended at', async () => {
    // Plain HTTP reads a sixth slower than TLS while the ramps run, then both run at the line's rate.
    const { driver, legs, ctx } = await rampedDriver((key, nowMs) => (key === 'http-80' && nowMs < 2_000 ? 16.5 : 20));
    const [tls, plain] = legs as [LegSpec, LegSpec];
    // The ramps left them apart: this is what the test is about.
    expect(nextBytes(driver, plain)).toBeLessThan(nextBytes(driver, tls));
    for (let round = 0; round < 6; round++) {
      driver.shareSizes([tls, plain]);
      const a = (await driver.measure(tls, round, ctx)).sample.bytes;
      const b = (await driver.measure(plain, round, ctx)).sample.bytes;
      expect(b).toBe(a);
    }
  });

  it('gives a leg held far below the other a size in proportion beyond the margin, larger than its own', async () => {
    // TLS held at a third of the line.
    const { driver, legs, ctx } = await rampedDriver((key) => (key === 'https-443' ? 20 / 3 : 20));
    const [tls, plain] = legs as [LegSpec, LegSpec];
    const rates = { tls: [] as number[], plain: [] as number[] };
    for (let round = 0; round < 6; round++) {
      rates.tls.push((await driver.measure(tls, round, ctx)).sample.mbps);
      rates.plain.push((await driver.measure(plain, round, ctx)).sample.mbps);
    }
    const ownBytes = nextBytes(driver, tls);
    driver.shareSizes([tls, plain]);
    const shared = nextBytes(driver, plain);
    const held = nextBytes(driver, tls);
    // Sized from its own rate a held leg's transfer lasts the target; here 1.25 targets.
    expect(held).toBeGreaterThan(ownBytes);
    // 1.25 times the rate ratio of the plain leg's bytes, to the sizer's grid (steps of 2^(1/4)).
    const expected = (1.25 * median(rates.tls)) / median(rates.plain);
    expect(expected).toBeLessThan(0.8);
    expect(held / shared).toBeGreaterThan(expected / 2 ** 0.25);
    expect(held / shared).toBeLessThan(expected * 2 ** 0.25);
  });
});
