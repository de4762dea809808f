// A mirror's server cannot be asked to end a connection as our endpoint can (close=1), but a
// client that may send `Connection: close` ends it itself: the CLI renews a leg's connection
// against a mirror too before a long-path finding stands (decision.ts rule 1f). A browser may
// not send the header, so the extension's mirror runs keep their first connections.
import { describe, expect, it } from 'vitest';
import { HttpDriver } from '../../../src/core/engine/http-driver.js';
import type { DriverContext } from '../../../src/core/engine/driver.js';
import { checkMirror, MIN_MIRROR_FILE_BYTES } from '../../../src/core/mirror/check.js';
import { MirrorSession } from '../../../src/core/mirror/session.js';
import type { MirrorTarget } from '../../../src/core/endpoint.js';
import { FILE_URL, fakeMirror, nodeSha256, testClock } from '../../support/fake-mirror.js';

const FILE = MIN_MIRROR_FILE_BYTES * 4;

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

async function mirrorDriver(endsConnections: boolean) {
  const m = fakeMirror({ fileBytes: FILE });
  const checked = await checkMirror({ fetch: m.fetch, hasher: nodeSha256, clock: testClock }, FILE_URL);
  if (checked.outcome !== 'usable') throw new Error(checked.reason);
  const deps = { fetch: m.fetch, clock: testClock, hasher: nodeSha256, ...(endsConnections ? { endsConnections } : {}) };
  const session = new MirrorSession({ ...deps, random: () => 0.5 }, checked.target as MirrorTarget);
  const driver = new HttpDriver(deps, checked.target, FILE_URL, 1, session);
  const [pair] = driver.plan.screening;
  const legs = [pair!.suspect, pair!.reference];
  const ctx = context();
  await driver.prepare(legs, legs, ctx, async (_leg, work) => (await work(), true));
  m.requests.length = 0;
  return { m, driver, legs, ctx };
}

describe('renewing a leg\'s connection against a mirror', () => {
  it('ends the leg\'s connection with its next range when the client can, and counts the new one from there', async () => {
    const { m, driver, legs, ctx } = await mirrorDriver(true);
    expect(driver.flowsRenew).toBe(true);
    for (const leg of legs) await driver.measure(leg, 0, ctx);
    await driver.endRound(ctx);
    driver.renewFlow!(legs[1]!);
    const before = m.requests.length;
    const ended = await driver.measure(legs[1]!, 1, ctx);
    const after = await driver.measure(legs[1]!, 2, ctx);
    const plain = m.requests.slice(before).filter((r) => r.scheme === 'http');
    // Each range on the leg's own flow; only the first after renewFlow asks to end its connection.
    expect(plain.map((r) => [r.flow, r.closeConnection === true])).toEqual([
      [legs[1]!.id, true],
      [legs[1]!.id, false],
    ]);
    expect(ended.sample.flow).toMatchObject({ connection: 0 });
    expect(ended.sample.flow!.carriedBytes).toBeGreaterThan(0);
    expect(after.sample.flow).toEqual({ connection: 1, carriedBytes: 0 });
    // The TLS leg's connection was not renewed, and the round's unmeasured checks over TLS ride no leg's flow.
    const tls = await driver.measure(legs[0]!, 1, ctx);
    expect(tls.sample.flow!.connection).toBe(0);
    await driver.endRound(ctx);
    expect(m.requests.filter((r) => r.closeConnection)).toHaveLength(1);
    expect(m.requests.filter((r) => r.scheme === 'https' && r.flow === undefined).length).toBeGreaterThan(0);
  });

  it('leaves the connections alone where the client cannot end them (a browser)', async () => {
    const { m, driver, legs, ctx } = await mirrorDriver(false);
    expect(driver.flowsRenew).toBe(false);
    for (const leg of legs) await driver.measure(leg, 0, ctx);
    driver.renewFlow!(legs[1]!);
    const next = await driver.measure(legs[1]!, 1, ctx);
    expect(next.sample.flow!.connection).toBe(0);
    expect(m.requests.some((r) => r.closeConnection)).toBe(false);
  });
});
