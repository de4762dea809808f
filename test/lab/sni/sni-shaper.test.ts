// The lab's SNI shaper on loopback (no root needed): a listed name is paced after its
// handshake, other names and plaintext pass, and a dropped name never completes a handshake.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFetch } from '../../../src/cli/node-io.js';
import { learnEndpointPin, pinnedFetches } from '../../../src/cli/sni-io.js';
import { startTestEndpoint } from '../../support/endpoint.js';
import { startSniShaper, type SniShaper } from './sni-shaper.js';

let ep: Awaited<ReturnType<typeof startTestEndpoint>>;
const shapers: SniShaper[] = [];
beforeAll(async () => {
  ep = await startTestEndpoint();
});
afterAll(async () => {
  for (const s of shapers) await s.close();
  await ep.close(0);
});

async function shaper(action: 'shape' | 'drop' | 'reset') {
  const s = await startSniShaper({ listenHost: '127.0.0.1', listenPort: 0, targetHost: '127.0.0.1', targetPort: ep.tlsPort, names: ['twitter.com'], action, kbps: 128 });
  shapers.push(s);
  return s;
}

/** Milliseconds to download `bytes` over one pinned connection naming `name`, after a first request. */
async function timed(port: number, name: string, bytes: number): Promise<number> {
  const pin = await learnEndpointPin(`https://127.0.0.1:${ep.tlsPort}/`, { caFile: ep.caPath }, 5000);
  const pools = pinnedFetches({ caFile: ep.caPath }, pin, 8000);
  try {
    const io = pools.forName(name);
    await (await io.fetch(`https://127.0.0.1:${port}/info`, {})).text();
    const t0 = performance.now();
    const res = await io.fetch(`https://127.0.0.1:${port}/payload?bytes=${bytes}&seed=1&kind=random`, {});
    await res.text();
    return performance.now() - t0;
  } finally {
    await pools.close();
  }
}

describe('SNI shaper', () => {
  it('paces a listed name (and a name under it) at 128 kbit/s after the handshake, and passes others', async () => {
    const s = await shaper('shape');
    const shapedMs = await timed(s.port, 'abs.twitter.com', 32_000);
    // 32 kB at 16 kB/s: about 2 s.
    expect(shapedMs).toBeGreaterThan(1600);
    expect(shapedMs).toBeLessThan(3000);
    expect(await timed(s.port, 'nottwitter.com', 32_000)).toBeLessThan(500);
    expect(s.stats).toMatchObject({ shaped: 1, passed: 1 });
  }, 20_000);

  it('passes plaintext untouched', async () => {
    const s = await shaper('shape');
    const io = nodeFetch({});
    try {
      const res = await io.fetch(`http://127.0.0.1:${s.port}/info`, {});
      expect(res.status).toBe(200);
      expect(s.stats.notTls).toBe(1);
    } finally {
      await io.close();
    }
  });

  it('swallows a dropped name: the handshake never completes', async () => {
    const s = await shaper('drop');
    const pin = await learnEndpointPin(`https://127.0.0.1:${ep.tlsPort}/`, { caFile: ep.caPath }, 5000);
    const pools = pinnedFetches({ caFile: ep.caPath }, pin, 1500);
    try {
      await expect(pools.forName('twitter.com').fetch(`https://127.0.0.1:${s.port}/info`, {})).rejects.toThrow(/timeout/i);
      expect(s.stats.dropped).toBe(1);
    } finally {
      await pools.close();
    }
  }, 20_000);

  it('resets a listed name at its ClientHello', async () => {
    const s = await shaper('reset');
    const pin = await learnEndpointPin(`https://127.0.0.1:${ep.tlsPort}/`, { caFile: ep.caPath }, 5000);
    const pools = pinnedFetches({ caFile: ep.caPath }, pin, 5000);
    try {
      await expect(pools.forName('t.co.twitter.com').fetch(`https://127.0.0.1:${s.port}/info`, {})).rejects.toThrow();
      expect(s.stats.reset).toBe(1);
    } finally {
      await pools.close();
    }
  });
});
