// HEAD /payload of the largest size with a new seed each time: its digest is 256 MiB of work.
// It counts against the transfer limits like a GET and is hashed in slices inside its slot
// (payload-stream.ts), so forty at once neither stall /info nor pass the limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEndpoint } from '../support/endpoint.js';
import { attackFromChild, infoLatencyWhile, timedRequest } from './attack-kit.js';

let ep: Awaited<ReturnType<typeof startTestEndpoint>>;
beforeAll(async () => {
  ep = await startTestEndpoint();
});
afterAll(() => ep.close(0));

describe('digest attacks on the endpoint', () => {
  it('40 HEADs of 256 MiB with new seeds from two addresses: /info answers within a second, and past 8 per address they get 429', async () => {
    const heads = attackFromChild(
      ep.plainPort,
      Array.from({ length: 40 }, (_, i) => ({
        path: `/payload?bytes=268435456&seed=${90_000 + i}`,
        method: 'HEAD',
        localAddress: i % 2 ? '127.0.0.1' : '127.0.0.3',
      })),
    );
    const info = await infoLatencyWhile(ep.plainPort, heads);
    const answers = await heads;
    expect(info.statuses).toEqual(new Set([200]));
    expect(info.answers).toBeGreaterThan(1);
    expect(info.worstMs).toBeLessThan(1000);
    const byStatus = answers.reduce<Record<number, number>>((m, a) => ({ ...m, [a.status]: (m[a.status] ?? 0) + 1 }), {});
    expect(byStatus).toEqual({ 200: 16, 429: 24 });
    const refused = answers.find((a) => a.status === 429)!;
    expect(refused.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answers.find((a) => a.status === 200)!.headers['repr-digest']).toMatch(/^sha-256=:[A-Za-z0-9+/]{43}=:$/);
  });

  it('a client queued behind another client\'s eight 64 MiB digests gets its own digest before they finish, and a small one at once', async () => {
    const theirs = Array.from({ length: 8 }, (_, i) =>
      timedRequest(ep.plainPort, `/payload?bytes=67108864&seed=${80_000 + i}`, { method: 'HEAD', localAddress: '127.0.0.1', timeoutMs: 50_000 }),
    );
    const lastOfTheirs = Promise.all(theirs).then(() => performance.now());
    await new Promise((r) => setTimeout(r, 50));
    const small = await timedRequest(ep.plainPort, '/payload?bytes=1000000&seed=70001', { method: 'HEAD' });
    const mine = await timedRequest(ep.plainPort, '/payload?bytes=16777216&seed=70002', { method: 'HEAD' });
    const mineDoneMs = performance.now();
    expect([small.status, mine.status]).toEqual([200, 200]);
    expect(small.ms).toBeLessThan(1000);
    expect(mineDoneMs).toBeLessThan(await lastOfTheirs);
  });

});
