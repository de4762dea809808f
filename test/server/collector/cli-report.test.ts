// `tls-throttle run ... --report URL` as a user runs it (dist/cli.js): the report reaches the
// collector, and a collector that fails changes neither the exit code nor stdout.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointIdFor } from '../../../src/cli/report-submit.js';
import { startTestEndpoint } from '../../support/endpoint.js';
import { sampleReport } from '../../support/report-fixtures.js';
import { startTestCollector, type TestCollector } from './harness.js';

const exec = promisify(execFile);

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('node', ['dist/cli.js', ...args], { timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function closedPort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  await once(s, 'close');
  return port;
}

let ep: Awaited<ReturnType<typeof startTestEndpoint>>;
let c: TestCollector;
beforeAll(async () => {
  ep = await startTestEndpoint();
  c = await startTestCollector('sqlite');
});
afterAll(async () => {
  await ep.close(0);
  await c.close();
});

const runArgs = () => ['run', `https://127.0.0.1:${ep.tlsPort}`, '--http-port', String(ep.plainPort), '--ca', ep.caPath, '--json', '--budget-mb', '30', '--max-seconds', '15'];

describe('endpoint id in a CLI report', () => {
  const listed = [{ id: 'local-dev', url: 'https://127.0.0.1:8443/' }];

  it('is the listed id when the run measured a shipped endpoint', () => {
    expect(endpointIdFor('https://127.0.0.1:8443', listed)).toBe('local-dev');
  });

  it('is "custom" for any other host, so a private hostname never leaves the machine', () => {
    expect(endpointIdFor('https://nas.home.arpa:8443/', listed)).toBe('custom');
    expect(endpointIdFor('not a url', listed)).toBe('custom');
  });

  it('is "mlab" for a run against M-Lab', () => {
    expect(endpointIdFor('mlab:ndt-mlab1-lga01', listed)).toBe('mlab');
  });
});

describe('run --report', () => {
  it('sends the run report after printing the result, as a CLI report for a custom endpoint', async () => {
    const r = await cli([...runArgs(), '--report', `http://127.0.0.1:${c.port}/v1/reports`]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(r.stderr).toMatch(/Report sent to http:\/\/127\.0\.0\.1:\d+\/v1\/reports \(201\)/);
    const exported = (await c.get('/v1/export')).text.trim().split('\n').map((l) => JSON.parse(l));
    expect(exported).toHaveLength(1);
    expect(exported[0]).toMatchObject({ verdict: result.verdict, rounds: result.rounds, endpoint: 'custom', trigger: 'manual', client: { kind: 'cli', browser: null } });
  });

  it('keeps exit code 0 and a clean stdout when the collector cannot be reached', async () => {
    const r = await cli([...runArgs(), '--report', `http://127.0.0.1:${await closedPort()}/v1/reports`]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).verdict).toBeDefined();
    expect(r.stderr).toMatch(/Report not sent to .*ECONNREFUSED/);
  });

  it('keeps exit code 3 for an unreachable endpoint, and reports the failed run', async () => {
    const before = (await c.collector.store.reportIds()).length;
    const r = await cli(['run', `https://127.0.0.1:${await closedPort()}`, '--json', '--report', `http://127.0.0.1:${c.port}/v1/reports`]);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).verdict).toBe('failed');
    expect(await c.collector.store.reportIds()).toHaveLength(before + 1);
  });

  it('says why when the collector refuses the report, and still exits 0', async () => {
    const r = await cli([...runArgs(), '--report', `http://127.0.0.1:${c.port}/v1/nowhere`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Report not sent to .*answered 404/);
  });
});

describe('serve --collector', () => {
  it('takes reports over TLS and plain HTTP on every port, then answers aggregates, and stops on SIGTERM', async () => {
    const ports = [await closedPort(), await closedPort()];
    const dataDir = mkdtempSync(join(tmpdir(), 'ttd-serve-collector-'));
    const child = spawn('node', ['dist/cli.js', 'serve', '--collector', '--host', '127.0.0.1', '--ports', ports.join(','), '--data-dir', dataDir], {
      env: { ...process.env, DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', () => out.includes('Try: ') && resolve());
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
      });
      expect(out).toMatch(/Collector storage: SQLite at .*reports\.sqlite; rate limit 30 reports, then 60\/hour per client/);
      const ca = readFileSync(/Development CA: (\S+)/.exec(out)![1]!, 'utf8');
      const agent = new Agent({ connect: { ca } });
      const statuses: number[] = [];
      for (const port of ports) {
        for (const scheme of ['https', 'http']) {
          const res = await request(`${scheme}://127.0.0.1:${port}/v1/reports`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(sampleReport('no-difference')),
            dispatcher: agent,
          });
          await res.body.dump();
          statuses.push(res.statusCode);
        }
      }
      // A fifth, so the group reaches the threshold of the aggregates.
      await request(`http://127.0.0.1:${ports[0]}/v1/reports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sampleReport('no-difference')) }).then((r) => r.body.dump());
      expect(statuses).toEqual([201, 201, 201, 201]);
      const agg = (await (await request(`http://127.0.0.1:${ports[1]}/v1/aggregates?window=all&days=1`)).body.json()) as { groups: Array<{ asn: number | null; reports: number }> };
      expect(agg.groups).toEqual([expect.objectContaining({ asn: null, reports: 5 })]);
      await agent.close();
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    expect(child.exitCode).toBe(0);
  });
});
