// The size bound a plan sets (http-driver.ts limitTransfers) follows the fastest leg of the
// same direction, so a leg that read slow when the plan was made is not held to short
// transfers that, in slow start, keep reading slow.
import { describe, expect, it } from 'vitest';
import { HttpDriver } from '../../src/core/engine/http-driver.js';
import type { DriverContext } from '../../src/core/engine/driver.js';
import { resolveTarget } from '../../src/core/endpoint.js';
import { simNetwork, sumHasher } from '../support/sim-network.js';

function context(): DriverContext & { used: number } {
  const ctx = {
    used: 0,
    budgetBytes: 60e6,
    get bytesUsed() {
      return ctx.used;
    },
    elapsedMs: 0,
    maxDurationMs: 60_000,
    rounds: 0,
    spend: (bytes: number) => void (ctx.used += bytes),
    note: () => {},
    progress: () => {},
  };
  return ctx;
}

describe('the size bound of a plan', () => {
  it('lets a leg that read slow at planning time grow with the line, as its pair does', async () => {
    // Both legs at 10 Mbit/s on a 45 ms path, but plain HTTP reads 2 Mbit/s for its first
    // second (its ramp and first round), as a connection recovering from an early loss does.
    const net = simNetwork({
      rttMs: 45,
      seed: 3,
      legs: { 'https-443': { mbps: 10 }, 'http-80': { mbps: 10 } },
      rateAt: (key, nowMs) => (key === 'http-80' && nowMs < 1_500 ? 2 : 10),
    });
    const deps = { fetch: net.fetch, clock: net.clock, hasher: sumHasher };
    const target = await resolveTarget(net.fetch, 'https://endpoint.test/', {});
    const driver = new HttpDriver(deps, target, 'https://endpoint.test/', 1);
    const [pair] = driver.plan.screening;
    const legs = [pair!.suspect, pair!.reference];
    const ctx = context();
    await driver.prepare(legs, legs, ctx, async (_leg, work) => (await work(), true));
    for (const leg of legs) await driver.measure(leg, 0, ctx);
    // The plan is made while plain HTTP still reads slow.
    driver.limitTransfers(legs, 450);
    const sizes = { https: 0, http: 0 };
    for (let round = 1; round <= 12; round++) {
      sizes.https = (await driver.measure(legs[0]!, round, ctx)).sample.bytes;
      sizes.http = (await driver.measure(legs[1]!, round, ctx)).sample.bytes;
    }
    // At the same rate, the two legs' transfers end up alike (0.52 MB each); bound by its own
    // 2 Mbit/s, plain HTTP's stayed under half of TLS's (0.25 against 0.52 MB).
    expect(sizes.http).toBeGreaterThan(0.7 * sizes.https);
  });
});

describe('an upload leg grown because its transfers were too short to read', () => {
  it('outgrows the bound a plan set from its slow-start reads, until a transfer lasts five round trips', async () => {
    // A 27 Mbit/s line 57 ms away, its upstream as fast. The plan is made from the ramps, which
    // read slow start, and bounds the cheap uploads to transfers that end in slow start too.
    const rttMs = 57;
    const net = simNetwork({ rttMs, seed: 5, legs: { 'https-443': { mbps: 27 }, 'http-80': { mbps: 27 } } });
    const deps = { fetch: net.fetch, clock: net.clock, hasher: sumHasher };
    const target = await resolveTarget(net.fetch, 'https://endpoint.test/', {});
    const driver = new HttpDriver(deps, target, 'https://endpoint.test/', 1);
    const [screen] = driver.plan.screening;
    const upload = driver.plan.references.find((p) => p.id === 'upload')!;
    const downloads = [screen!.suspect, screen!.reference];
    const uploads = [upload.suspect, upload.reference];
    const legs = [...downloads, ...uploads];
    const ctx = context();
    await driver.prepare(legs, legs, ctx, async (_leg, work) => (await work(), true));
    for (const leg of legs) await driver.measure(leg, 0, ctx);
    driver.limitTransfers(legs, 6 * rttMs);
    const readable: boolean[] = [];
    for (let round = 1; round <= 8; round++) {
      for (const leg of legs) {
        const { sample } = await driver.measure(leg, round, ctx);
        if (leg === uploads[0]) readable.push(sample.durationMs >= 5 * rttMs);
      }
      // As engine.ts growDifferingUploads does every round once two rounds were unreadable.
      if (round >= 2) for (const leg of uploads) driver.growLeg(leg);
    }
    // Held to the plan's bound, no upload round lasted five round trips (0 of 8); grown with
    // the rates read, every round from the third does.
    expect(readable.slice(-3)).toEqual([true, true, true]);
  });
});
