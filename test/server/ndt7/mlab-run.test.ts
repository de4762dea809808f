// runNdt7Measurement end to end on loopback: a locate server, local ndt7 servers speaking ws
// and wss on one port, and the userland shaper (test/support/pacing-proxy.ts) as the line.
// Raw loopback is CPU-bound (wss costs the processor more than ws), so verdicts are asserted
// on paced lines, on ratios rather than absolute speeds.
import { afterEach, describe, expect, it } from 'vitest';
import { measureClientTlsCapacityMbps } from '../../../src/cli/client-capacity.js';
import { nodeWebSocketFactory } from '../../../src/cli/node-websocket.js';
import { startNdt7Lab } from './ndt7-lab.js';
import type { Note } from '../../../src/core/notes.js';
import { noteText } from '../../../src/cli/note-text.js';

const said = (notes: Note[]) => notes.map(noteText).join('\n');

let lab: Awaited<ReturnType<typeof startNdt7Lab>> | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

describe('run mlab against a local M-Lab', () => {
  it('finds no difference on an even 50 Mbit/s line, within budget, legs interleaved', async () => {
    lab = await startNdt7Lab([{ name: 'mlab1-lo01', shaping: { plainMbps: 50, tlsMbps: 50 } }]);
    const order: string[] = [];
    const r = await lab.run({}, { onProgress: (p) => void (p.phase === 'rounds' && p.transferDone && order.push(p.leg!.split('-')[0]!)) });
    // Interleaved: each round one of each, in an order drawn per round (src/core/plan.ts roundOrder).
    for (let i = 0; i < 8; i += 2) expect(order.slice(i, i + 2).sort()).toEqual(['ws', 'wss']);
    expect(r.verdict).toBe('no-difference');
    expect(r.ci95[0]).toBeGreaterThan(0.8);
    expect(r.ci95[1]).toBeLessThan(1.25);
    expect(r.endpoint).toBe('mlab:mlab1-lo01');
    expect(r.legs.map((l) => l.id.replace(/-\d+-/, '-P-'))).toEqual(['wss-P-down-random', 'ws-P-down-random']);
    expect(r.bytesUsed).toBeLessThanOrEqual(80e6);
    expect(r.durationMs).toBeLessThanOrEqual(40_000);
    expect(r.mlab.testIds.length).toBeGreaterThanOrEqual(2 * r.rounds);
  });

  it('finds TLS throttled to a fifth, with the ratio within 20% of 5 and the shaped rate', async () => {
    lab = await startNdt7Lab([{ name: 'mlab1-lo01', shaping: { plainMbps: 50, tlsMbps: 10 } }]);
    const r = await lab.run();
    expect(r.verdict).toBe('tls-throttled');
    expect(r.ratio).toBeGreaterThan(4);
    expect(r.ratio).toBeLessThan(6);
    expect(r.shaping?.leg).toMatch(/^wss-\d+-down-random$/);
    expect(r.shaping?.rateMbps).toBeGreaterThan(9);
    expect(r.shaping?.rateMbps).toBeLessThan(11);
    expect(r.bytesUsed).toBeLessThanOrEqual(80e6);
  });

  it('compares uploads too when asked, and finds a TLS upload cap', async () => {
    lab = await startNdt7Lab([
      { name: 'mlab1-lo01', shaping: { plainMbps: 50, tlsMbps: 50, plainUploadMbps: 25, tlsUploadMbps: 5 } },
    ]);
    const r = await lab.run({ diagnose: 'always', budgetBytes: 150e6, maxDurationMs: 60_000 });
    const upload = r.comparisons.find((c) => c.id === 'upload');
    expect(upload?.outcome).toBe('slower');
    expect(upload?.ratio).toBeGreaterThan(4);
    expect(upload?.ratio).toBeLessThan(6);
    // Downloads were even: the verdict says so, and that the difference is in uploads.
    expect(r.verdict).toBe('tls-throttled');
    expect(said(r.warnings)).toMatch(/the difference is in uploads only/);
  });

  it('falls back to the next server when the first has no capacity', async () => {
    lab = await startNdt7Lab([
      { name: 'mlab1-full', server: { faults: { refuse: 'http-503' } } },
      { name: 'mlab2-free', shaping: { plainMbps: 50, tlsMbps: 50 } },
    ]);
    const r = await lab.run();
    expect(r.endpoint).toBe('mlab:mlab2-free');
    expect(r.mlab.serversTried[0]).toEqual({ machine: 'mlab1-full', error: expect.stringMatching(/refused the test before it started \(Unexpected server response: 503/) });
    expect(r.verdict).toBe('no-difference');
    expect(lab.servers[0]!.stats.refused.fault).toBe(1);
  });

  it('fails with no capacity when every server closes the test before it starts', async () => {
    lab = await startNdt7Lab([
      { name: 'mlab1-a', server: { faults: { refuse: 'close-after-open' } } },
      { name: 'mlab2-b', server: { faults: { refuse: 'close-after-open' } } },
    ]);
    const r = await lab.run();
    expect(r.verdict).toBe('failed');
    expect(r.mlab.noCapacity).toBe(true);
    expect(r.error?.detail).toMatch(/^all 2 M-Lab servers refused the test \(mlab1-a: .*without data \(close code 1013, no capacity\); mlab2-b: /);
    expect(r.bytesUsed).toBe(0);
  });

  it('fails with no capacity, and the time to ask again, when the locate service says 503', async () => {
    lab = await startNdt7Lab([{ name: 'mlab1-lo01' }]);
    lab.locate.faults.noCapacity = '503';
    const r = await lab.run();
    expect(r.verdict).toBe('failed');
    expect(r.mlab.noCapacity).toBe(true);
    expect(r.mlab.nextRequestNotBeforeMs).toBeGreaterThan(Date.now());
    expect(r.error).toEqual({ code: 'mlab-no-capacity', detail: 'the locate service answered HTTP 503 (no available servers)' });
  });

  it('calls it interfered when wss runs but ws is refused on every server', async () => {
    lab = await startNdt7Lab([
      { name: 'mlab1-a', server: { faults: { refuse: 'http-503', refuseScheme: 'http' } } },
      { name: 'mlab2-b', server: { faults: { refuse: 'http-503', refuseScheme: 'http' } } },
    ]);
    const r = await lab.run();
    expect(r.verdict).toBe('interfered');
    expect(r.error?.detail).toMatch(/^on 2 M-Lab server\(s\) the wss:\/\/ test ran but the ws:\/\/ test on the plain port was refused/);
  });

  it('asks the locate service again when the access tokens expire mid-run, and carries on', async () => {
    lab = await startNdt7Lab([{ name: 'mlab1-lo01', shaping: { plainMbps: 50, tlsMbps: 50 } }]);
    const current = lab;
    let expired = false;
    const r = await lab.run(
      {},
      {
        onProgress: (p) => {
          if (!expired && p.phase === 'rounds' && p.round === 2 && p.transferDone) {
            expired = true;
            current.tokens.expireAll();
          }
        },
      },
    );
    expect(current.locate.requests.length).toBe(2);
    expect(current.servers[0]!.stats.refused.token).toBe(1);
    expect(said(r.warnings)).toMatch(/mlab1-lo01 refused a test mid-run .*; it was retried with fresh access tokens/);
    expect(r.verdict).toBe('no-difference');
  });

  it('fails, naming it, when the client turns ws:// into wss:// (as an upgrade-insecure-requests CSP would)', async () => {
    lab = await startNdt7Lab([{ name: 'mlab1-lo01', shaping: { plainMbps: 50, tlsMbps: 50 } }]);
    const webSocket = nodeWebSocketFactory({ caFile: lab.caPath });
    const r = await lab.run({}, { webSocket: (url, protocol) => webSocket(url.replace(/^ws:/, 'wss:'), protocol) });
    expect(r.verdict).toBe('failed');
    expect(r.error?.detail).toMatch(/^ndt7 download from ws:\/\/127\.0\.0\.1:\d+\/ndt\/v7\/download was opened as wss:\/\/.*: the browser upgraded ws: to wss:$/);
    expect(r.mlab.serversTried).toHaveLength(1);
  });

  it('renews the access tokens before they expire on a long run, so no test is refused', async () => {
    lab = await startNdt7Lab([{ name: 'mlab1-lo01', shaping: { plainMbps: 50, tlsMbps: 50 } }], 4_000);
    const r = await lab.run({ tokenRefreshMs: 3_000 });
    expect(r.verdict).toBe('no-difference');
    expect(r.durationMs).toBeGreaterThan(6_000);
    expect(lab.servers[0]!.stats.refused.token).toBe(0);
    expect(lab.locate.requests.length).toBeGreaterThanOrEqual(Math.floor(r.durationMs / 4_000));
  });

  it('reports a server that cuts every test off, with where it stopped', async () => {
    lab = await startNdt7Lab([{ name: 'mlab1-lo01', server: { faults: { dropAfterBytes: 200_000 } }, shaping: { plainMbps: 50, tlsMbps: 50 } }]);
    const r = await lab.run();
    expect(r.verdict).toBe('failed');
    expect(r.error?.detail).toMatch(/^ndt7 download from wss:\/\/127\.0\.0\.1:\d+\/ndt\/v7\/download was cut off after \d+ ms at \d+ kB \(close code 1006\)$/);
  });

  it('does not blame the network for wss running near this computer’s TLS capacity on raw loopback', async () => {
    lab = await startNdt7Lab([{ name: 'mlab1-lo01' }]);
    const r = await lab.run({ budgetBytes: 400e6 }, { clientTlsCapacityMbps: () => measureClientTlsCapacityMbps() });
    expect(r.verdict).not.toBe('tls-throttled');
    if (r.comparisons.find((c) => c.id === 'screen')?.outcome === 'slower') {
      expect(said(r.warnings)).toMatch(/against this computer's own TLS capacity/);
    }
  });
});
