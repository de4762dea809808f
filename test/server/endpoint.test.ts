import { createHash } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { nodeFetch } from '../../src/cli/node-io.js';
import type { ResponseLike } from '../../src/core/io.js';
import { startTestEndpoint } from '../support/endpoint.js';

let ep: Awaited<ReturnType<typeof startTestEndpoint>>;
let io: ReturnType<typeof nodeFetch>;

beforeAll(async () => {
  ep = await startTestEndpoint({ limits: { maxBytes: 8 * 1024 * 1024, maxConcurrent: 2, requestsPerMinute: 1000 } });
  io = nodeFetch({ caFile: ep.caPath });
});
afterAll(async () => {
  await io.close();
  await ep.close(0);
});

const get = (url: string, method: 'GET' | 'HEAD' | 'POST' = 'GET', body?: Uint8Array) => io.fetch(url, { method, body });
async function readAll(res: ResponseLike): Promise<Uint8Array> {
  const reader = res.body!.getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value!);
  }
  return Buffer.concat(chunks);
}
const bodyOf = async (url: string) => readAll(await get(url));

describe('endpoint server', () => {
  it('answers TLS and plain HTTP on the same port, and says which it saw', async () => {
    for (const port of ep.ports) {
      const viaTls = JSON.parse(await (await get(`https://127.0.0.1:${port}/info`)).text());
      const viaPlain = JSON.parse(await (await get(`http://127.0.0.1:${port}/info`)).text());
      expect([viaTls.arrivedScheme, viaPlain.arrivedScheme]).toEqual(['https', 'http']);
      expect(viaTls.arrivedPort).toBe(port);
      expect(viaTls.ports).toEqual(ep.ports);
    }
  });

  it('verifies against its development CA (real TLS, no insecure flag)', async () => {
    const strict = nodeFetch({});
    await expect(strict.fetch(`https://127.0.0.1:${ep.tlsPort}/info`, {})).rejects.toThrow();
    await strict.close();
  });

  it('serves the same seeded bytes over both schemes, with their SHA-256 in Repr-Digest', async () => {
    const q = '/payload?bytes=300000&seed=9&kind=random';
    const tls = await bodyOf(`https://127.0.0.1:${ep.tlsPort}${q}`);
    const plain = await bodyOf(`http://127.0.0.1:${ep.plainPort}${q}`);
    expect(tls.length).toBe(300000);
    expect(Buffer.compare(tls, plain)).toBe(0);
    const head = await get(`https://127.0.0.1:${ep.tlsPort}${q}`, 'HEAD');
    const digest = createHash('sha256').update(tls).digest('base64');
    expect(head.headers.get('repr-digest')).toBe(`sha-256=:${digest}:`);
  });

  it('makes random payloads incompressible and text payloads low-entropy', async () => {
    const entropy = (b: Uint8Array) => {
      const counts = new Array(256).fill(0);
      for (const x of b) counts[x]++;
      return -counts.filter((c) => c).reduce((s, c) => s + (c / b.length) * Math.log2(c / b.length), 0);
    };
    const random = await bodyOf(`http://127.0.0.1:${ep.plainPort}/payload?bytes=200000&seed=1&kind=random`);
    const text = await bodyOf(`http://127.0.0.1:${ep.plainPort}/payload?bytes=200000&seed=1&kind=text`);
    expect(entropy(random)).toBeGreaterThan(7.99);
    expect(entropy(text)).toBeLessThan(4.5);
    expect(/^[a-z .]+$/.test(Buffer.from(text).toString('latin1'))).toBe(true);
  });

  it('gives different bytes for different seeds', async () => {
    const a = await bodyOf(`http://127.0.0.1:${ep.plainPort}/payload?bytes=1000&seed=1`);
    const b = await bodyOf(`http://127.0.0.1:${ep.plainPort}/payload?bytes=1000&seed=2`);
    expect(Buffer.compare(a, b)).not.toBe(0);
  });

  it('forbids caching and compression, and allows timing from any origin', async () => {
    const res = await get(`http://127.0.0.1:${ep.plainPort}/payload?bytes=10`);
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    expect(res.headers.get('content-encoding')).toBe('identity');
    expect(res.headers.get('timing-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('ends a kept-alive connection after a transfer asked with close=1, and keeps it otherwise', async () => {
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    const fetchOnce = (path: string, method = 'GET') =>
      new Promise<void>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: ep.plainPort, path, method, agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('socket', (s) => sockets.add(s));
        req.on('error', reject);
        req.end(method === 'POST' ? 'x'.repeat(1000) : undefined);
      });
    const socketsFor = async (first: string, method = 'GET') => {
      sockets.clear();
      await fetchOnce(first, method);
      await new Promise((r) => setTimeout(r, 50));
      await fetchOnce('/payload?bytes=10');
      return sockets.size;
    };
    try {
      expect(await socketsFor('/payload?bytes=1000')).toBe(1);
      expect(await socketsFor('/payload?bytes=1000&close=1')).toBe(2);
      expect(await socketsFor('/upload?close=1', 'POST')).toBe(2);
    } finally {
      agent.destroy();
    }
  });

  it('times uploads on its own clock and counts every byte', async () => {
    const res = await get(`https://127.0.0.1:${ep.tlsPort}/upload`, 'POST', new Uint8Array(500_000));
    const receipt = JSON.parse(await res.text());
    expect(receipt.bytes).toBe(500_000);
    expect(receipt.lastByteMs).toBeGreaterThanOrEqual(receipt.firstByteMs);
  });

  it('refuses a payload over the size limit with 413 and a JSON error', async () => {
    const res = await get(`http://127.0.0.1:${ep.plainPort}/payload?bytes=${9 * 1024 * 1024}`);
    expect(res.status).toBe(413);
    expect(JSON.parse(await res.text()).error).toMatch(/at most 8388608 bytes/);
  });

  it('rejects malformed parameters with 400', async () => {
    for (const q of ['bytes=-1', 'bytes=abc', 'bytes=10&kind=video', 'bytes=10&seed=99999999999']) {
      expect((await get(`http://127.0.0.1:${ep.plainPort}/payload?${q}`)).status).toBe(400);
    }
  });

  it('answers 404 for unknown paths and 405 for wrong methods', async () => {
    expect((await get(`http://127.0.0.1:${ep.plainPort}/nope`)).status).toBe(404);
    expect((await get(`http://127.0.0.1:${ep.plainPort}/upload`)).status).toBe(405);
  });

  // Transfers at once need connections of their own, and a client may hold only its share of
  // the limit (here 1 of 2), so these come from two loopback addresses through undici's pools.
  const twoClients = () => ['127.0.0.1', '127.0.0.3'].map((localAddress) => new Agent({ connections: 4, localAddress }));

  it('refuses transfers past the concurrency limit with 429', async () => {
    const agents = twoClients();
    const base = `http://127.0.0.1:${ep.plainPort}/payload`;
    const started = await Promise.all(agents.map((dispatcher) => request(`${base}?bytes=${8 * 1024 * 1024}`, { dispatcher })));
    const third = await request(`${base}?bytes=1000`, { dispatcher: new Agent({ localAddress: '127.0.0.4' }) });
    expect(third.statusCode).toBe(429);
    expect(((await third.body.json()) as { error: string }).error).toBe('the endpoint is already serving 2 transfers; try again shortly');
    for (const res of started) for await (const _ of res.body);
    await Promise.all(agents.map((a) => a.close()));
  });

  it('counts a HEAD as a transfer: past the limit it is refused with 429 too', async () => {
    const agents = twoClients();
    const base = `http://127.0.0.1:${ep.plainPort}/payload`;
    const started = await Promise.all(agents.map((dispatcher) => request(`${base}?bytes=${8 * 1024 * 1024}`, { dispatcher })));
    const head = await request(`${base}?bytes=1000&seed=77`, { method: 'HEAD', dispatcher: new Agent({ localAddress: '127.0.0.4' }) });
    expect(head.statusCode).toBe(429);
    await head.body.dump();
    for (const res of started) for await (const _ of res.body);
    await Promise.all(agents.map((a) => a.close()));
  });

  it('leaves one transfer for others whatever share of the limit a client is given', async () => {
    const info = JSON.parse(await (await get(`http://127.0.0.1:${ep.plainPort}/info`)).text());
    expect(info.limits).toMatchObject({ maxConcurrent: 2, maxConcurrentPerClient: 1 });
  });

});

describe('endpoint connection hygiene', () => {
  it('closes connections that never send a byte (slowloris)', async () => {
    const quick = await startTestEndpoint({ deadlines: { idleMs: 200 } });
    const sock = connect(quick.plainPort, '127.0.0.1');
    const closedAfterMs = await new Promise<number>((resolve) => {
      const t0 = Date.now();
      sock.once('close', () => resolve(Date.now() - t0));
    });
    expect(closedAfterMs).toBeGreaterThanOrEqual(150);
    expect(closedAfterMs).toBeLessThan(5000);
    await quick.close(0);
  });
});

describe('endpoint transfers per client', () => {
  it('refuses a client past its own transfer slots with 429 while another client is served', async () => {
    const small = await startTestEndpoint({ limits: { maxConcurrentPerClient: 1 } });
    const mine = new Agent({ connections: 4, localAddress: '127.0.0.1' });
    const other = new Agent({ localAddress: '127.0.0.2' });
    const base = `http://127.0.0.1:${small.plainPort}/payload`;
    const held = await request(`${base}?bytes=${64 * 1024 * 1024}`, { dispatcher: mine });
    const second = await request(`${base}?bytes=1000`, { dispatcher: mine });
    expect([second.statusCode, ((await second.body.json()) as { error: string }).error]).toEqual([
      429,
      'this client already has 1 transfers running, the most allowed at once',
    ]);
    const theirs = await request(`${base}?bytes=1000`, { dispatcher: other });
    expect([theirs.statusCode, theirs.statusCode === 200 ? '' : await theirs.body.text()]).toEqual([200, '']);
    await theirs.body.dump();
    held.body.destroy();
    await Promise.all([mine.destroy(), other.close()]);
    await small.close(0);
  });
});

describe('endpoint rate limit', () => {
  it('answers 429 once a client passes its requests per minute', async () => {
    const small = await startTestEndpoint({ limits: { requestsPerMinute: 5 } });
    const f = nodeFetch({ caFile: small.caPath });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await f.fetch(`http://127.0.0.1:${small.plainPort}/info`, {})).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses[6]).toBe(429);
    await f.close();
    await small.close(0);
  });
});
