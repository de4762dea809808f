// The local ndt7 and locate servers, spoken to with a plain `ws` client: what a client of
// M-Lab meets, including the ways a test is refused or cut off.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { devCertificate, type DevCertificate } from '../../../src/server/dev-ca.js';
import { startLocalLocate, type LocalLocate } from '../../../src/server/ndt7/local-locate.js';
import { startNdt7Server, type Ndt7Server } from '../../../src/server/ndt7/ndt7-server.js';
import { TokenStore } from '../../../src/server/ndt7/tokens.js';

let dev: DevCertificate;
let tokens: TokenStore;
let server: Ndt7Server;
let locate: LocalLocate;
let port: number;

beforeAll(async () => {
  dev = await devCertificate(mkdtempSync(join(tmpdir(), 'ttd-ndt7-srv-')), []);
  tokens = new TokenStore();
  server = await startNdt7Server({ host: '127.0.0.1', ports: [0], certPem: dev.certPem, keyPem: dev.keyPem, tokens, runtimeMs: 1000, maxConcurrent: 2 });
  port = server.ports[0]!;
  locate = await startLocalLocate({ host: '127.0.0.1', tokens, machines: () => [{ machine: 'mlab1-lo01', host: '127.0.0.1', wsPort: port, wssPort: port }] });
});
afterAll(async () => {
  await locate.close();
  await server.close(0);
});
beforeEach(() => {
  for (const k of Object.keys(server.faults) as (keyof typeof server.faults)[]) delete server.faults[k];
  delete locate.faults.noCapacity;
});

interface Outcome {
  status?: number;
  protocol?: string;
  binaryBytes: number;
  texts: string[];
  closeCode?: number;
}

/** Runs one test to its end (the server's close), or until refused. */
function ndt7(url: string, opts: { protocol?: string | null; upload?: boolean } = {}): Promise<Outcome> {
  const protocol = opts.protocol === undefined ? 'net.measurementlab.ndt.v7' : opts.protocol;
  const ws = new WebSocket(url, protocol === null ? [] : [protocol], { ca: readFileSync(dev.caPath), perMessageDeflate: false });
  const out: Outcome = { binaryBytes: 0, texts: [] };
  return new Promise((resolve) => {
    ws.on('unexpected-response', (_req, res) => {
      out.status = res.statusCode;
      ws.terminate();
      resolve(out);
    });
    ws.on('error', () => undefined);
    ws.on('open', () => {
      out.protocol = ws.protocol;
      if (opts.upload) {
        const chunk = new Uint8Array(64 * 1024);
        const pump = () => {
          if (ws.readyState !== ws.OPEN) return;
          while (ws.bufferedAmount < 1 << 20) ws.send(chunk);
          setTimeout(pump, 5);
        };
        pump();
      }
    });
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) out.binaryBytes += data.length;
      else out.texts.push(data.toString());
    });
    ws.on('close', (code) => {
      out.closeCode = code;
      resolve(out);
    });
  });
}

const url = (scheme: 'ws' | 'wss', path: 'download' | 'upload', token = tokens.issue(60_000)) =>
  `${scheme}://127.0.0.1:${port}/ndt/v7/${path}?access_token=${token}`;

describe('local ndt7 server', () => {
  it('serves a download over ws and over wss on the same port, then closes cleanly after its runtime', async () => {
    for (const scheme of ['ws', 'wss'] as const) {
      const out = await ndt7(url(scheme, 'download'));
      expect(out.protocol, scheme).toBe('net.measurementlab.ndt.v7');
      expect(out.closeCode, scheme).toBe(1000);
      expect(out.binaryBytes, scheme).toBeGreaterThan(1e6);
      const first = JSON.parse(out.texts[0]!);
      expect(first).toMatchObject({ Origin: 'server', Test: 'download', AppInfo: { NumBytes: expect.any(Number) }, ConnectionInfo: { UUID: expect.any(String) } });
      // Measurements every 250 ms over a 1 s test.
      expect(out.texts.length, scheme).toBeGreaterThanOrEqual(3);
      expect(out.texts.length, scheme).toBeLessThanOrEqual(5);
    }
    expect(server.stats.started['ws-down']).toBeGreaterThanOrEqual(1);
    expect(server.stats.started['wss-down']).toBeGreaterThanOrEqual(1);
  });

  it('counts an upload and reports the bytes it received, growing', async () => {
    const out = await ndt7(url('wss', 'upload'), { upload: true });
    expect(out.closeCode).toBe(1000);
    expect(out.binaryBytes).toBe(0);
    const counts = out.texts.map((t) => JSON.parse(t).AppInfo.NumBytes as number);
    expect(counts.length).toBeGreaterThanOrEqual(3);
    expect(counts[counts.length - 1]!).toBeGreaterThan(counts[0]!);
  });

  it('answers 400 to an upgrade without the ndt7 subprotocol (spec)', async () => {
    expect((await ndt7(url('ws', 'download'), { protocol: null })).status).toBe(400);
  });

  it('answers 401 to a missing or unknown access token', async () => {
    expect((await ndt7(`ws://127.0.0.1:${port}/ndt/v7/download`)).status).toBe(401);
    expect((await ndt7(url('ws', 'download', 'forged'))).status).toBe(401);
  });

  it('answers 401 to an expired access token', async () => {
    const token = tokens.issue(60_000);
    tokens.expireAll();
    expect((await ndt7(url('wss', 'download', token))).status).toBe(401);
  });

  it('refuses with 503 when told it has no capacity', async () => {
    server.faults.refuse = 'http-503';
    expect((await ndt7(url('wss', 'download'))).status).toBe(503);
  });

  it('can refuse by closing right after the upgrade (1013, try again later)', async () => {
    server.faults.refuse = 'close-after-open';
    const out = await ndt7(url('ws', 'download'));
    expect(out.closeCode).toBe(1013);
    expect(out.binaryBytes).toBe(0);
  });

  it('can refuse one scheme only', async () => {
    server.faults.refuse = 'http-503';
    server.faults.refuseScheme = 'http';
    expect((await ndt7(url('ws', 'download'))).status).toBe(503);
    expect((await ndt7(url('wss', 'download'))).closeCode).toBe(1000);
  });

  it('refuses tests beyond its capacity with 503', async () => {
    const running = [ndt7(url('ws', 'download')), ndt7(url('ws', 'download'))];
    await new Promise((r) => setTimeout(r, 200));
    expect((await ndt7(url('wss', 'download'))).status).toBe(503);
    await Promise.all(running);
  });

  it('cuts a test off mid-way with no Close frame (1006 at the client)', async () => {
    server.faults.dropAfterBytes = 300_000;
    const out = await ndt7(url('wss', 'download'));
    expect(out.closeCode).toBe(1006);
    expect(out.binaryBytes).toBeGreaterThan(0);
    expect(out.binaryBytes).toBeLessThan(2_000_000);
  });
});

describe('local locate server', () => {
  it('lists the server with ws and wss URLs carrying a token the server accepts', async () => {
    const res = await fetch(`${locate.url}?client_name=t&client_version=1`);
    const body = (await res.json()) as { results: { machine: string; urls: Record<string, string> }[] };
    expect(res.status).toBe(200);
    expect(body.results[0]!.machine).toBe('mlab1-lo01');
    const wss = body.results[0]!.urls['wss:///ndt/v7/download']!;
    expect(wss).toMatch(new RegExp(`^wss://127.0.0.1:${port}/ndt/v7/download\\?access_token=`));
    expect((await ndt7(wss)).closeCode).toBe(1000);
    expect(locate.requests.at(-1)!.get('client_name')).toBe('t');
  });

  it('answers 503 with an error object and a next_request when M-Lab is full', async () => {
    locate.faults.noCapacity = '503';
    const res = await fetch(locate.url);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { status: 503 }, next_request: { nbf: expect.any(String) } });
  });

  it('answers 200 with an empty object, the other way M-Lab says it is full', async () => {
    locate.faults.noCapacity = 'empty';
    const res = await fetch(locate.url);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
  });
});
