// The real CLI (dist/cli.js, built by `node build.mjs`) against hostile endpoints on loopback:
// whatever the endpoint does, the run ends by its --max-seconds with exit 3 and a message
// with numbers, its memory stays bounded, and nothing the endpoint said reaches the terminal
// raw. Figures measured before the run deadline existed (README, "Reliability"): an endless
// /info took the CLI to 2.4 GB in 8 s; silent and dripping /info and a stalled digest HEAD were
// still running after 20 s, a stalled transfer ended after 10.9 s, all with --max-seconds 5.
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ESCAPES, startHostileEndpoint, type Handler, type HostileEndpoint } from './hostile-endpoint.js';
import {
  drippingInfo,
  endlessInfo,
  escapingEndpoint,
  silentInfo,
  silentLocate,
  stalledDigestHead,
  stalledNdt7Locate,
  stalledNdt7Upgrade,
  stalledTransfer,
} from './hostile-handlers.js';
import { CONTROL_CHARACTERS, runCli, type CliRun } from './run-cli.js';

const MAX_SECONDS = 3;
/**
 * From the run's first request to the process's exit, past --max-seconds: the abort, the
 * output and the exit. Wall time from spawn adds Node's start-up, which took 0.3 s on an idle
 * machine and 0.9 s at a load of 6 on 2 cores: STARTUP_MS.
 */
const GRACE_MS = 1_000;
const STARTUP_MS = 2_000;
/** The CLI idles at about 80-120 MB here; an endless /info once took it to 2.4 GB. */
const MAX_RSS_KB = 200_000;

let ep: HostileEndpoint | undefined;
afterEach(async () => {
  await ep?.close();
  ep = undefined;
});

async function runAgainst(handler: Handler, extra: string[] = []): Promise<CliRun> {
  ep = await startHostileEndpoint(handler);
  return runCli(['run', `https://127.0.0.1:${ep.tlsPort}`, '--ca', ep.caPath, '--max-seconds', String(MAX_SECONDS), ...extra]);
}

function expectClean(r: CliRun): void {
  expect(r.stdout, 'stdout').not.toMatch(CONTROL_CHARACTERS);
  expect(r.stderr, 'stderr').not.toMatch(CONTROL_CHARACTERS);
}

/** The run's first request to exit within --max-seconds plus the grace, spawn to exit plus start-up. */
function expectInTime(r: CliRun, limitMs = MAX_SECONDS * 1000): void {
  expect(r.exitedAt - ep!.firstRequestAt()!).toBeLessThan(limitMs + GRACE_MS);
  expect(r.elapsedMs).toBeLessThan(limitMs + GRACE_MS + STARTUP_MS);
}

function expectEndedByDeadline(r: CliRun, what: RegExp): void {
  expect(r.code, r.stderr).toBe(3);
  expectInTime(r);
  expect(r.maxRssKb).toBeLessThan(MAX_RSS_KB);
  expect(r.stdout).toMatch(what);
  expect(r.stdout).toMatch(new RegExp(`time limit of ${MAX_SECONDS * 1000} ms \\(\\d+ (bytes|kB) received after \\d+ ms\\)`));
  expectClean(r);
}

describe('the CLI against a hostile endpoint', () => {
  it('ends a silent /info at --max-seconds with exit 3', async () => {
    expectEndedByDeadline(await runAgainst(silentInfo), /^FAILED: GET https:\/\/127\.0\.0\.1:\d+\/info: no complete answer/);
  });

  it('ends a dripping /info at --max-seconds with exit 3, counting the bytes it dripped', async () => {
    const r = await runAgainst(drippingInfo);
    expectEndedByDeadline(r, /\/info: no complete answer/);
    expect(r.stdout).toMatch(/\(([1-9]\d*) bytes received/);
  });

  it('stops reading an endless /info at 64 KiB, with bounded memory', async () => {
    const r = await runAgainst(endlessInfo);
    expect(r.code).toBe(3);
    expectInTime(r);
    expect(r.maxRssKb).toBeLessThan(MAX_RSS_KB);
    expect(r.stdout).toMatch(/\/info: the answer ran past 65536 bytes/);
    expectClean(r);
  });

  it('ends a run whose digest HEAD stalls at --max-seconds with exit 3', async () => {
    const r = await runAgainst(stalledDigestHead);
    expect(ep!.seen.some((s) => s.startsWith('HEAD https /payload'))).toBe(true);
    expectEndedByDeadline(r, /^FAILED: HEAD https:\/\/127\.0\.0\.1:\d+\/payload\?bytes=\d+/);
  });

  it('ends a stalled transfer at --max-seconds, before its own 10 s stall watchdog', async () => {
    const r = await runAgainst(stalledTransfer);
    expectEndedByDeadline(r, /^FAILED: GET https:\/\/127\.0\.0\.1:\d+\/payload\?bytes=\d+.*: no complete answer/);
  });

  it('ends a silent /info at once on Ctrl-C (SIGINT), long before --max-seconds', async () => {
    ep = await startHostileEndpoint(silentInfo);
    const e = ep;
    let interruptedAt = 0;
    const r = await runCli(['run', `https://127.0.0.1:${e.tlsPort}`, '--ca', e.caPath, '--max-seconds', '20'], 30_000, (child) => {
      const poll = setInterval(() => {
        if (e.firstRequestAt() === undefined) return;
        clearInterval(poll);
        interruptedAt = performance.now();
        child.kill('SIGINT');
      }, 20);
    });
    expect(r.code).toBe(3);
    expect(r.exitedAt - interruptedAt).toBeLessThan(GRACE_MS);
    expect(r.stdout).toMatch(/^FAILED: cannot reach https:\/\/127\.0\.0\.1:\d+\/info: interrupted/);
  });

  it('ends at --max-seconds in --json mode too, with the reason in the Result', async () => {
    const r = await runAgainst(silentInfo, ['--json']);
    expect(r.code).toBe(3);
    expectInTime(r);
    const result = JSON.parse(r.stdout);
    expect(result.verdict).toBe('failed');
    expect(result.error.detail).toMatch(/time limit of 3000 ms/);
  });
});

describe('run mlab against a hostile locate service or ndt7 server', () => {
  const runMlab = (e: HostileEndpoint, extra: string[] = []) =>
    runCli(['run', 'mlab', '--accept-mlab-policy', '--locate-url', `http://127.0.0.1:${e.plainPort}/v2/nearest/ndt/ndt7`, '--ca', e.caPath, '--max-seconds', String(MAX_SECONDS), ...extra]);

  it('ends a locate request that never answers at --max-seconds with exit 3', async () => {
    ep = await startHostileEndpoint(silentLocate);
    const r = await runMlab(ep);
    expect(r.code).toBe(3);
    expectInTime(r);
    expect(r.stdout).toMatch(/^FAILED: cannot reach the locate service at .*: GET .*: no complete answer within the run's time limit of 3000 ms/);
    expectClean(r);
  });

  it('ends an ndt7 WebSocket that never sends at --max-seconds, and names the server clean', async () => {
    ep = await startHostileEndpoint(stalledNdt7Locate, stalledNdt7Upgrade());
    const r = await runMlab(ep, ['--json']);
    expect(ep.seen.some((s) => s.startsWith('UPGRADE'))).toBe(true);
    expect(r.code).toBe(3);
    expectInTime(r);
    expectClean(r);
    const result = JSON.parse(r.stdout);
    expect(result.error.detail).toMatch(/^ndt7 download from wss?:\/\/127\.0\.0\.1:\d+\/ndt\/v7\/download was cancelled after \d+ ms at 0 kB: the run's time limit of 3000 ms ran out$/);
    expect(result.mlab.serversTried[0].machine).toBe('mlab1-evilYOUR ISP IS THROTTLING');
  });
});

describe('network text at the terminal', () => {
  it('prints an upload receipt full of escape sequences without one control character', async () => {
    const r = await runAgainst(escapingEndpoint(), ['--diagnose', '--json', '--max-seconds', '20']);
    if (r.code !== 0) console.log("DEBUG", r.stdout.slice(0, 3000), r.stderr.slice(0, 2000));
    expect(r.code).toBe(0);
    expectClean(r);
    const result = JSON.parse(r.stdout);
    const warning = result.warnings.map((w: { detail?: string }) => w.detail ?? '').find((w: string) => /answer is not JSON/.test(w));
    expect(warning).toMatch(/\(YOUR ISP IS THROTTLING receipt YOUR ISP IS THROTTLING/);
    // The receipt's quote is cut to 80 characters, whatever the endpoint sent.
    expect(warning.match(/not JSON \((.*)\)$/)[1].length).toBeLessThanOrEqual(80);
  });

  it('quotes a plaintext Via header of 5000 characters short and clean, in words', async () => {
    const r = await runAgainst(escapingEndpoint({ via: true }));
    expect(r.code).toBe(0);
    expectClean(r);
    expect(r.stdout).toMatch(/^INTERFERED/);
    const seen = r.stdout.split('\n').find((l) => l.startsWith('Seen: '))!;
    expect(seen).toMatch(/via: 1\.1 isp-proxy x+…\)/);
    expect(seen.length).toBeLessThan(400);
  });
});

describe('the report to a hostile collector', () => {
  let collector: Server | undefined;
  afterEach(async () => {
    collector?.closeAllConnections();
    collector?.close();
    collector = undefined;
  });

  async function startCollector(handler: Parameters<typeof createServer>[1]): Promise<string> {
    collector = createServer(handler);
    collector.listen(0, '127.0.0.1');
    await once(collector, 'listening');
    return `http://127.0.0.1:${(collector.address() as { port: number }).port}/v1/reports`;
  }

  /** A run that fails at once (nothing listens on port 9 of loopback), then reports. */
  const failedRunReportingTo = (url: string) => runCli(['run', 'http://127.0.0.1:9', '--json', '--max-seconds', String(MAX_SECONDS), '--report', url]);

  it("keeps a collector's error full of escape sequences off stderr, even with --json", async () => {
    const url = await startCollector((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `${ESCAPES}${'z'.repeat(5_000)}` }));
      });
    });
    const r = await failedRunReportingTo(url);
    expect(r.code).toBe(3);
    expectClean(r);
    const line = r.stderr.split('\n').find((l) => l.startsWith('Report not sent'))!;
    expect(line).toMatch(/the collector answered 400: YOUR ISP IS THROTTLING z+…$/);
    expect(line.length).toBeLessThan(400);
  });

  it("reads no more than 64 KiB of a collector's endless answer", async () => {
    const url = await startCollector((req, res) => {
      req.resume();
      res.writeHead(500);
      const chunk = Buffer.from(ESCAPES.repeat(1000));
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const r = await failedRunReportingTo(url);
    expect(r.code).toBe(3);
    expect(r.maxRssKb).toBeLessThan(MAX_RSS_KB);
    expect(r.stderr).toMatch(/the collector answered 500: YOUR ISP IS THROTTLING/);
    expectClean(r);
  });

  it('gives a collector that never answers at most 2 s past the deadline', async () => {
    const url = await startCollector(() => undefined);
    const r = await failedRunReportingTo(url);
    expect(r.code).toBe(3);
    expect(r.elapsedMs).toBeLessThan(MAX_SECONDS * 1000 + 2_000 + GRACE_MS + STARTUP_MS);
    expect(r.stderr).toMatch(/Report not sent to .*: no answer within \d+ ms/);
    expectClean(r);
  });
});
