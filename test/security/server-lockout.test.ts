// Attacks that tried to shut the endpoint for everyone, run against the real server on loopback
// with short deadlines: while each attack holds its sockets, a client on another address is
// served within a second, and the attack's sockets are closed within their deadline.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestEndpoint } from '../support/endpoint.js';
import {
  Held,
  idleTlsSocket,
  infoLatencyWhile,
  jsonErrorOf,
  rawSocket,
  sendAndStopReading,
  serverSocketsDown,
  sleep,
  statusOf,
  timedRequest,
} from './attack-kit.js';

const DEADLINES = { idleMs: 2000, headersTimeoutMs: 1000, requestTimeoutMs: 4000, keepAliveMs: 3000, transferStallMs: 1500 };
/** A sweep every fifth of the shortest deadline, plus scheduling on a busy 2-core machine. */
const SLACK_MS = 1000;

let held: Held;
let ep: Awaited<ReturnType<typeof startTestEndpoint>> | undefined;
afterEach(async () => {
  held?.destroy();
  await ep?.close(0);
  ep = undefined;
});

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: endpoint\r\n\r\n`;

describe('lock-out attacks on the endpoint', () => {
  it('32 /payload GETs that are never read: another client is served, and the readers lose their slots', async () => {
    ep = await startTestEndpoint({ deadlines: DEADLINES });
    held = new Held();
    const sockets = await Promise.all(Array.from({ length: 32 }, () => rawSocket(held, ep!.plainPort)));
    const t0 = performance.now();
    for (const s of sockets) sendAndStopReading(held, s, get('/payload?bytes=268435456&seed=1'));
    while (held.firstBytes.size < 32 && performance.now() - t0 < 10_000) await sleep(20);

    const theirs = await timedRequest(ep.plainPort, '/payload?bytes=1000&seed=2');
    const info = await timedRequest(ep.plainPort, '/info');
    expect([theirs.status, info.status]).toEqual([200, 200]);
    expect(Math.max(theirs.ms, info.ms)).toBeLessThan(1000);

    // One address gets its 8 slots; the rest are told why.
    const statuses = [...held.firstBytes.values()].map(statusOf).sort();
    expect(statuses).toEqual([...Array(8).fill(200), ...Array(24).fill(429)]);
    const refused = [...held.firstBytes.values()].find((f) => statusOf(f) === 429);
    expect(jsonErrorOf(refused)).toBe('this client already has 8 transfers running, the most allowed at once');

    // Readers that stopped are cut after the stall deadline (counted by the server: a reader
    // that stopped never sees the close); the refused ones idle out after the keep-alive.
    const heldMs = performance.now() - t0;
    expect(await serverSocketsDown(ep, DEADLINES.transferStallMs + 2 * SLACK_MS, 24)).toBeLessThan(Infinity);
    expect(performance.now() - t0).toBeLessThan(heldMs + DEADLINES.transferStallMs + 2 * SLACK_MS);
    expect((await timedRequest(ep.plainPort, '/payload?bytes=1000&seed=2', { localAddress: '127.0.0.1' })).status).toBe(200);
    expect(await serverSocketsDown(ep, DEADLINES.keepAliveMs + SLACK_MS)).toBeLessThan(Infinity);
  });

  it('40 slowloris sockets (a header byte every 200 ms): /info stays fast, and each is closed by the headers deadline', async () => {
    ep = await startTestEndpoint({ deadlines: DEADLINES });
    held = new Held();
    // From two addresses, so that no per-client cap is what stops them.
    const sockets = await Promise.all(Array.from({ length: 40 }, (_, i) => rawSocket(held, ep!.plainPort, i % 2 ? '127.0.0.1' : '127.0.0.3')));
    const t0 = performance.now();
    const text = `GET /info HTTP/1.1\r\nHost: endpoint\r\nX-Padding: ${'a'.repeat(400)}`;
    let sent = 0;
    const drip = setInterval(() => {
      const next = text[sent++ % text.length]!;
      for (const s of sockets) if (!s.destroyed) s.write(next);
    }, 200);
    try {
      const closed = held.allClosed(DEADLINES.headersTimeoutMs + SLACK_MS + 500);
      const info = await infoLatencyWhile(ep.plainPort, closed);
      expect(await closed).toBe(0);
      expect(info.statuses).toEqual(new Set([200]));
      expect(info.worstMs).toBeLessThan(1000);
      expect(ep.connections().headers).toBe(40);
      for (const s of sockets) expect(held.closedAtMs.get(s)! - t0).toBeLessThan(DEADLINES.headersTimeoutMs + SLACK_MS + 200);
    } finally {
      clearInterval(drip);
    }
  });

  it('40 idle TLS sockets: each is closed by the headers deadline after its handshake', async () => {
    ep = await startTestEndpoint({ deadlines: DEADLINES });
    held = new Held();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 40 }, (_, i) => idleTlsSocket(held, ep!.tlsPort, i % 2 ? '127.0.0.1' : '127.0.0.3')));
    expect(held.open()).toBe(40);
    const closed = held.allClosed(DEADLINES.headersTimeoutMs + 2 * SLACK_MS);
    const info = await infoLatencyWhile(ep.plainPort, closed);
    expect(await closed).toBe(0);
    expect(info.worstMs).toBeLessThan(1000);
    for (const s of held.sockets) expect(held.closedAtMs.get(s)! - t0).toBeLessThan(DEADLINES.headersTimeoutMs + 2 * SLACK_MS);
  });

  it('a socket that never sends a byte is closed by the idle deadline', async () => {
    ep = await startTestEndpoint({ deadlines: DEADLINES });
    held = new Held();
    const t0 = performance.now();
    await rawSocket(held, ep.plainPort);
    expect(await held.allClosed(DEADLINES.idleMs + SLACK_MS)).toBe(0);
    expect(held.closedAtMs.get(held.sockets[0]!)! - t0).toBeGreaterThanOrEqual(DEADLINES.idleMs - 50);
    expect(ep.connections().idle).toBe(1);
  });

  it('200 one-byte sockets from one address: 32 are held, the rest refused (503 with a JSON error), and others are served', async () => {
    ep = await startTestEndpoint({ deadlines: DEADLINES });
    held = new Held();
    const sockets = await Promise.all(Array.from({ length: 200 }, () => rawSocket(held, ep!.plainPort)));
    for (const s of sockets) sendAndStopReading(held, s, 'G', false);
    const closed = held.allClosed(DEADLINES.headersTimeoutMs + 2 * SLACK_MS);
    const info = await infoLatencyWhile(ep.plainPort, closed);
    expect(await closed).toBe(0);
    expect(info.worstMs).toBeLessThan(1000);
    expect(info.statuses).toEqual(new Set([200]));
    const counts = ep.connections();
    expect([counts.headers, counts.refused]).toEqual([32, 168]);
    const answered = [...held.firstBytes.values()].filter((f) => statusOf(f) === 503);
    expect(answered.length).toBeGreaterThan(0);
    expect(jsonErrorOf(answered[0])).toBe('this client has 32 connections open, the most allowed at once; try again shortly');
  });

  it('past the total connection cap a new client is told 503, and is served again once the idle sockets are closed', async () => {
    ep = await startTestEndpoint({ deadlines: DEADLINES, connectionLimits: { maxConnections: 24, maxConnectionsPerClient: 8 } });
    held = new Held();
    await Promise.all(['127.0.0.1', '127.0.0.3', '127.0.0.4'].flatMap((a) => Array.from({ length: 8 }, () => rawSocket(held, ep!.plainPort, a))));
    const t0 = performance.now();
    const full = await timedRequest(ep.plainPort, '/info');
    expect([full.status, JSON.parse(full.text).error]).toEqual([503, 'the endpoint has 24 connections open, the most it takes at once; try again shortly']);
    // A HEAD is answered without a body, which its client would read as a broken next answer.
    const head = await timedRequest(ep.plainPort, '/info', { method: 'HEAD' });
    expect([head.status, head.bytes]).toEqual([503, 0]);
    expect(await held.allClosed(DEADLINES.idleMs + SLACK_MS)).toBe(0);
    const again = await timedRequest(ep.plainPort, '/info');
    expect(again.status).toBe(200);
    expect(performance.now() - t0).toBeLessThan(DEADLINES.idleMs + 2 * SLACK_MS);
  });

  it('an upload that stops sending loses its slot after the stall deadline', async () => {
    ep = await startTestEndpoint({ deadlines: DEADLINES, limits: { maxConcurrentPerClient: 1 } });
    held = new Held();
    const s = await rawSocket(held, ep.plainPort);
    const t0 = performance.now();
    s.write(`POST /upload HTTP/1.1\r\nHost: endpoint\r\nContent-Length: 1000000\r\n\r\n${'x'.repeat(1000)}`);
    await sleep(200);
    const busy = await timedRequest(ep.plainPort, '/payload?bytes=10', { localAddress: '127.0.0.1' });
    expect(busy.status).toBe(429);
    expect(await held.allClosed(DEADLINES.transferStallMs + SLACK_MS)).toBe(0);
    expect(held.closedAtMs.get(s)! - t0).toBeGreaterThanOrEqual(DEADLINES.transferStallMs - 50);
    expect((await timedRequest(ep.plainPort, '/payload?bytes=10', { localAddress: '127.0.0.1' })).status).toBe(200);
  });

  it('an upload body dripped a byte at a time is closed by the request deadline', async () => {
    ep = await startTestEndpoint({ deadlines: DEADLINES });
    held = new Held();
    const s = await rawSocket(held, ep.plainPort);
    const t0 = performance.now();
    s.write('POST /upload HTTP/1.1\r\nHost: endpoint\r\nContent-Length: 100000\r\n\r\n');
    const drip = setInterval(() => !s.destroyed && s.write('x'), 300);
    try {
      expect(await held.allClosed(DEADLINES.requestTimeoutMs + SLACK_MS)).toBe(0);
      expect(held.closedAtMs.get(s)! - t0).toBeGreaterThanOrEqual(DEADLINES.requestTimeoutMs - 50);
      expect(ep.connections().request).toBe(1);
    } finally {
      clearInterval(drip);
    }
  });

  it('a kept-alive connection that drips its next request is closed by the headers deadline', async () => {
    ep = await startTestEndpoint({ deadlines: DEADLINES });
    held = new Held();
    const s = await rawSocket(held, ep.plainPort);
    sendAndStopReading(held, s, get('/info'), false);
    await sleep(300);
    expect(statusOf(held.firstBytes.get(s))).toBe(200);
    const t0 = performance.now();
    const text = 'GET /info HTTP/1.1\r\nHost: endpoint\r\n';
    let i = 0;
    const drip = setInterval(() => !s.destroyed && s.write(text[i++ % text.length]!), 150);
    try {
      expect(await held.allClosed(DEADLINES.headersTimeoutMs + SLACK_MS)).toBe(0);
      expect(held.closedAtMs.get(s)! - t0).toBeLessThan(DEADLINES.headersTimeoutMs + SLACK_MS);
      expect(ep.connections().headers).toBe(1);
    } finally {
      clearInterval(drip);
    }
  });
});
