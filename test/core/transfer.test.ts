import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFetch, nodeHasher } from '../../src/cli/node-io.js';
import { MeasureError } from '../../src/core/errors.js';
import { timedDownload, timedUpload } from '../../src/core/transfer.js';
import { startTestEndpoint } from '../support/endpoint.js';

const clock = { now: () => performance.now() };

/** A hostile endpoint: stalls, short bodies, redirects, wrong statuses. */
let hostile: Server;
let hostilePort: number;
let ep: Awaited<ReturnType<typeof startTestEndpoint>>;
let io: ReturnType<typeof nodeFetch>;

beforeAll(async () => {
  hostile = createServer((req, res) => {
    if (req.url?.startsWith('/stall')) {
      res.writeHead(200, { 'content-length': '4000000' });
      res.write(Buffer.alloc(812_000));
      return; // and never another byte
    }
    if (req.url?.startsWith('/short')) {
      res.writeHead(200, { 'content-length': '1000' });
      res.write(Buffer.alloc(10), () => res.destroy());
      return;
    }
    if (req.url?.startsWith('/redirect')) {
      res.writeHead(302, { location: 'https://example.invalid/' });
      return res.end();
    }
    if (req.url?.startsWith('/upload')) {
      req.resume();
      req.on('end', () => res.end('<html>not json</html>'));
      return;
    }
    res.writeHead(503);
    res.end();
  });
  hostile.listen(0, '127.0.0.1');
  await once(hostile, 'listening');
  hostilePort = (hostile.address() as { port: number }).port;
  ep = await startTestEndpoint();
  io = nodeFetch({ caFile: ep.caPath });
});

afterAll(async () => {
  hostile.closeAllConnections();
  hostile.close();
  await io.close();
  await ep.close(0);
});

const deps = (limits = {}) => ({ fetch: io.fetch, clock, hasher: nodeHasher, limits });

describe('timedDownload', () => {
  it('measures goodput from first to last byte and reports the digest', async () => {
    const s = await timedDownload(deps(), {
      url: `https://127.0.0.1:${ep.tlsPort}/payload?bytes=4000000&seed=5`,
      expectBytes: 4_000_000,
      scheme: 'https',
    });
    expect(s.bytes).toBe(4_000_000);
    expect(s.mbps).toBeGreaterThan(0);
    expect(s.digest).toBe(s.announcedDigest);
    expect(s.bins.reduce((a, b) => a + b, 0)).toBe(4_000_000);
  });

  it('aborts a stalled transfer with the numbers in the message', async () => {
    const err = await timedDownload(deps({ stallMs: 300 }), {
      url: `http://127.0.0.1:${hostilePort}/stall`,
      expectBytes: 4_000_000,
      scheme: 'http',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeasureError);
    expect((err as MeasureError).kind).toBe('stalled');
    expect((err as Error).message).toMatch(/download of 4000000 bytes .* stalled: no byte for 300 ms, after \d+ ms at 812 kB/);
  });

  it('stops at the time cap', async () => {
    const err = await timedDownload(deps({ stallMs: 10_000, maxMs: 300 }), {
      url: `http://127.0.0.1:${hostilePort}/stall`,
      expectBytes: 4_000_000,
      scheme: 'http',
    }).catch((e: unknown) => e);
    expect((err as MeasureError).kind).toBe('timeout');
  });

  it('reports a connection cut off mid-body, with how far it got', async () => {
    const err = await timedDownload(deps(), { url: `http://127.0.0.1:${hostilePort}/short`, expectBytes: 1000, scheme: 'http' }).catch((e: unknown) => e);
    expect((err as MeasureError).kind).toBe('dropped');
    expect((err as Error).message).toMatch(/download of 1000 bytes .* was cut off after \d+ ms at 0 kB/);
  });

  it('refuses a body of the wrong length', async () => {
    const err = await timedDownload(deps(), {
      url: `http://127.0.0.1:${ep.plainPort}/payload?bytes=1000`,
      expectBytes: 2000,
      scheme: 'http',
    }).catch((e: unknown) => e);
    expect((err as MeasureError).kind).toBe('short-body');
    expect((err as Error).message).toMatch(/received 1000 bytes instead of 2000/);
  });

  it('never follows a redirect, and says where it pointed', async () => {
    const err = await timedDownload(deps(), { url: `http://127.0.0.1:${hostilePort}/redirect`, expectBytes: 10, scheme: 'http' }).catch((e: unknown) => e);
    expect((err as MeasureError).kind).toBe('redirect');
    expect((err as Error).message).toMatch(/HTTP 302\) to https:\/\/example.invalid/);
  });

  it('reports an error status with the URL', async () => {
    const err = await timedDownload(deps(), { url: `http://127.0.0.1:${hostilePort}/x`, expectBytes: 10, scheme: 'http' }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/answered HTTP 503/);
  });

  it('lets a platform reject a response, e.g. a plaintext leg that arrived over TLS', async () => {
    const err = await timedDownload(
      { ...deps(), inspect: () => 'the browser upgraded this request to TLS' },
      { url: `http://127.0.0.1:${ep.plainPort}/payload?bytes=10`, expectBytes: 10, scheme: 'http' },
    ).catch((e: unknown) => e);
    expect((err as MeasureError).kind).toBe('not-plaintext');
  });

  it('is cancelled by the caller', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const err = await timedDownload(deps(), {
      url: `http://127.0.0.1:${hostilePort}/stall`,
      expectBytes: 4_000_000,
      scheme: 'http',
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect((err as MeasureError).kind).toBe('aborted');
  });

  it('names an unreachable endpoint', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as { port: number }).port;
    closed.close();
    const err = await timedDownload(deps(), { url: `http://127.0.0.1:${port}/payload`, expectBytes: 10, scheme: 'http' }).catch((e: unknown) => e);
    expect((err as MeasureError).kind).toBe('unreachable');
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
  });
});

describe('timedUpload', () => {
  it('uses the endpoint receipt for timing', async () => {
    const s = await timedUpload(deps(), { url: `https://127.0.0.1:${ep.tlsPort}/upload`, body: new Uint8Array(2_000_000), scheme: 'https' });
    expect(s.bytes).toBe(2_000_000);
    expect(s.mbps).toBeGreaterThan(0);
  });

  it('refuses an endpoint whose receipt is not JSON', async () => {
    const err = await timedUpload(deps(), { url: `http://127.0.0.1:${hostilePort}/upload`, body: new Uint8Array(10), scheme: 'http' }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/not JSON/);
  });
});
