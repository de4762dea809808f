// The whole method over real sockets and real TLS on loopback, with a userland shaper as the
// line. (Real kernel shaping is the lab's: test/lab.)
import { createServer, request, type Server } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeClock, nodeFetch, nodeHasher } from '../../src/cli/node-io.js';
import { runMeasurement, type RunOptions } from '../../src/core/runner.js';
import { startTestEndpoint } from '../support/endpoint.js';
import { startPacedEndpoint, type Shaping } from '../support/paced-endpoint.js';

let ep: Awaited<ReturnType<typeof startTestEndpoint>>;
beforeAll(async () => {
  ep = await startTestEndpoint();
});
afterAll(async () => ep.close(0));

async function measure(url: string, extra: Partial<RunOptions> & { limits?: { stallMs?: number } } = {}) {
  const io = nodeFetch({ caFile: ep.caPath });
  try {
    const { limits, ...opts } = extra;
    return await runMeasurement(
      { fetch: io.fetch, clock: nodeClock, hasher: nodeHasher, random: Math.random, limits },
      { url, diagnose: 'never', budgetBytes: 80e6, maxDurationMs: 60_000, ...opts },
    );
  } finally {
    await io.close();
  }
}

async function measurePaced(shaping: Shaping, extra: Partial<RunOptions> = {}) {
  const paced = await startPacedEndpoint(shaping, ep);
  try {
    return await measure(paced.url, { httpPort: paced.httpPort, httpsPort: paced.httpsPort, ...extra });
  } finally {
    await paced.close();
  }
}

/** A plaintext middlebox in front of the endpoint's plain port. */
async function middlebox(handle: (upstream: Buffer, res: import('node:http').ServerResponse, path: string) => void): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/info')) {
      res.writeHead(404);
      return res.end();
    }
    const up = request({ host: '127.0.0.1', port: ep.plainPort, path: req.url, method: req.method }, (upRes) => {
      const chunks: Buffer[] = [];
      upRes.on('data', (c: Buffer) => chunks.push(c));
      upRes.on('end', () => handle(Buffer.concat(chunks), res, req.url ?? '/'));
    });
    up.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

describe('measurement over loopback sockets', () => {
  it('finds no difference on an even 100 Mbit/s line', async () => {
    const r = await measurePaced({ plainMbps: 100, tlsMbps: 100 });
    expect(r.verdict).toBe('no-difference');
    expect(r.ci95[0]).toBeGreaterThan(0.8);
    expect(r.ci95[1]).toBeLessThan(1.25);
  });

  it('finds TLS throttled to a fifth, with the ratio within 20% of 5', async () => {
    const r = await measurePaced({ plainMbps: 100, tlsMbps: 20 });
    expect(r.verdict).toBe('tls-throttled');
    expect(r.ratio).toBeGreaterThan(4);
    expect(r.ratio).toBeLessThan(6);
    expect(r.shaping?.rateMbps).toBeGreaterThan(18);
    expect(r.shaping?.rateMbps).toBeLessThan(22);
  });

  it('calls it interfered when the plaintext path alters bytes', async () => {
    const box = await middlebox((body, res) => {
      if (body.length > 100) body[100] = body[100]! ^ 0xff;
      res.writeHead(200, { 'content-length': String(body.length) });
      res.end(body);
    });
    try {
      const r = await measure(`https://127.0.0.1:${ep.tlsPort}/`, { httpPort: (box.address() as { port: number }).port });
      expect(r.verdict).toBe('interfered');
      expect(r.error?.detail).toMatch(/differs from what the endpoint sent over TLS/);
    } finally {
      box.close();
    }
  });

  it('calls it interfered when the plaintext path redirects to https', async () => {
    const box = await middlebox((_body, res, path) => {
      res.writeHead(301, { location: `https://127.0.0.1:${ep.tlsPort}${path}` });
      res.end();
    });
    try {
      const r = await measure(`https://127.0.0.1:${ep.tlsPort}/`, { httpPort: (box.address() as { port: number }).port });
      expect(r.verdict).toBe('interfered');
      expect(r.error?.detail).toMatch(/redirected \(HTTP 301\) to https:/);
    } finally {
      box.close();
    }
  });

  it('fails cleanly, with numbers, when the endpoint stalls mid-transfer', async () => {
    const box = await middlebox((body, res) => {
      res.writeHead(200, { 'content-length': String(body.length) });
      res.write(body.subarray(0, body.length >> 1));
    });
    try {
      const r = await measure(`https://127.0.0.1:${ep.tlsPort}/`, { httpPort: (box.address() as { port: number }).port, limits: { stallMs: 500 } });
      expect(r.verdict).toBe('failed');
      expect(r.error?.detail).toMatch(/stalled: no byte for 500 ms, after \d+ ms at \d+ kB/);
    } finally {
      box.closeAllConnections();
      box.close();
    }
  });
});
