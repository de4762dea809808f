// `tls-throttle run mlab` as users run it (dist/cli.js), against a local M-Lab: consent first,
// then the same Result contract as any endpoint.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERDICTS } from '../../src/core/types.js';
import { devCertificate } from '../../src/server/dev-ca.js';
import { startMlabDevServer, type MlabDevServer } from '../../src/server/ndt7/dev-server.js';

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

let mlab: MlabDevServer;
let caPath: string;
beforeAll(async () => {
  const dev = await devCertificate(mkdtempSync(join(tmpdir(), 'ttd-mlab-cli-')), []);
  caPath = dev.caPath;
  mlab = await startMlabDevServer({ host: '127.0.0.1', ports: [0], certPem: dev.certPem, keyPem: dev.keyPem, machine: 'mlab1-dev01' });
});
afterAll(async () => mlab.close());

describe('tls-throttle run mlab', () => {
  it('says M-Lab publishes the data and the IP address, and exits 2 without --accept-mlab-policy', async () => {
    const r = await cli(['run', 'mlab', '--locate-url', mlab.locate.url, '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/M-Lab publishes the data of\s+every test it serves, including your IP address/);
    expect(r.stderr).toMatch(/--accept-mlab-policy/);
    expect(r.stdout).toBe('');
    expect(mlab.locate.requests.length).toBe(0);
  });

  it('refuses --locate-url for anything but mlab', async () => {
    const r = await cli(['run', 'https://127.0.0.1:1/', '--locate-url', mlab.locate.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--locate-url goes with run mlab/);
  });

  it('runs with consent and prints the Result with endpoint mlab:<machine> and ws/wss legs', async () => {
    const r = await cli(['run', 'mlab', '--accept-mlab-policy', '--locate-url', mlab.locate.url, '--ca', caPath, '--json', '--max-seconds', '15']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(VERDICTS).toContain(result.verdict);
    expect(result.verdict).not.toBe('failed');
    expect(result.endpoint).toBe('mlab:mlab1-dev01');
    expect(result.legs.map((l: { id: string }) => l.id.replace(/-\d+-/, '-P-'))).toEqual(['wss-P-down-random', 'ws-P-down-random']);
    expect(r.stderr).toMatch(/M-Lab publishes the data of this test, your IP address included/);
    expect(mlab.locate.requests.at(-1)!.get('client_name')).toBe('tls-throttle-detector');
  });

  it('exits 3 when M-Lab has no capacity', async () => {
    mlab.locate.faults.noCapacity = 'empty';
    try {
      const r = await cli(['run', 'mlab', '--accept-mlab-policy', '--locate-url', mlab.locate.url, '--json']);
      expect(r.code).toBe(3);
      expect(JSON.parse(r.stdout).error).toEqual({ code: 'mlab-no-capacity', detail: 'the locate service returned no servers' });
    } finally {
      delete mlab.locate.faults.noCapacity;
    }
  });
});
