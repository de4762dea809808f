import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERDICTS } from '../../src/core/types.js';
import { startTestEndpoint } from '../support/endpoint.js';

const exec = promisify(execFile);
const CLI = 'dist/cli.js';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('node', [CLI, ...args], { timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let ep: Awaited<ReturnType<typeof startTestEndpoint>>;
beforeAll(async () => {
  ep = await startTestEndpoint({ skipCapacityCheck: false });
});
afterAll(async () => ep.close(0));

describe('tls-throttle CLI', () => {
  it('prints usage for --help and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/tls-throttle run <endpoint-or-file-url>/);
  });

  it('exits 2 with a message on a usage error', async () => {
    for (const args of [['run'], ['run', 'https://x', '--budget-mb', 'lots'], ['frobnicate'], ['run', 'https://x', '--ca', 'a', '--insecure']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^tls-throttle: /);
    }
  });

  it('exits 3 and names the endpoint when it cannot be reached', async () => {
    const s = createServer();
    s.listen(0, '127.0.0.1');
    await once(s, 'listening');
    const port = (s.address() as { port: number }).port;
    s.close();
    const r = await cli(['run', `https://127.0.0.1:${port}`, '--json']);
    expect(r.code).toBe(3);
    const result = JSON.parse(r.stdout);
    expect(result.verdict).toBe('failed');
    expect(result.error.detail).toMatch(new RegExp(`cannot reach https://127.0.0.1:${port}/info`));
  });

  it('exits 3 when the certificate is not trusted, and says so', async () => {
    const r = await cli(['run', `https://127.0.0.1:${ep.tlsPort}`, '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).error.detail).toMatch(/certificate/i);
  });

  it('prints the Result contract with --json, and never blames the network on raw loopback', async () => {
    // The fast-line cap, so that a round runs whatever loopback's rate (see below).
    const r = await cli(['run', `https://127.0.0.1:${ep.tlsPort}`, '--ca', ep.caPath, '--json', '--budget-mb', '40', '--max-budget-mb', '250']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    for (const key of ['verdict', 'ratio', 'ci95', 'pValue', 'rounds', 'bytesUsed', 'durationMs', 'endpoint', 'legs', 'warnings']) {
      expect(result, key).toHaveProperty(key);
    }
    expect(VERDICTS).toContain(result.verdict);
    // Loopback has no shaper: whatever TLS costs the CPU, the verdict must not say "throttled".
    expect(['no-difference', 'inconclusive']).toContain(result.verdict);
    expect(result.bytesUsed).toBeLessThanOrEqual(250e6);
    const leg = result.legs[0];
    for (const key of ['id', 'scheme', 'port', 'direction', 'payload', 'transfers', 'medianMbps']) expect(leg, key).toHaveProperty(key);
    expect(leg.transfers[0]).toEqual({ bytes: expect.any(Number), ms: expect.any(Number), mbps: expect.any(Number) });
  });

  it('explains the verdict in words, with progress on stderr', async () => {
    // Loopback runs at 2-5 Gbit/s, where a round at the window-limited floor can cost more than
    // 20 MB (then no round runs, inconclusive with budget-too-small): the default fast-line cap
    // lets the rounds whose progress this checks run.
    const r = await cli(['run', `https://127.0.0.1:${ep.tlsPort}`, '--ca', ep.caPath, '--budget-mb', '20', '--max-budget-mb', '250']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^(NO DIFFERENCE|INCONCLUSIVE): /);
    expect(r.stdout).toMatch(/rounds, [\d.]+ MB, [\d.]+ s/);
    expect(r.stderr).toMatch(/round 1 https-\d+-down-random: [\d.]+ MB at [\d.]+ Mbit\/s/);
  });
});
