import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli, SNI_RISK, UsageError } from '../../src/cli/args.js';
import { VERDICTS } from '../../src/core/types.js';
import { startTestEndpoint } from '../support/endpoint.js';

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

const usage = (argv: string[]) => {
  try {
    parseCli(argv);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  return undefined;
};

describe('--sni arguments', () => {
  it('asks for --accept-sni-risk and says what the ISP sees', () => {
    expect(usage(['run', 'https://e.example', '--sni', 'twitter.com'])).toBe(SNI_RISK);
    expect(SNI_RISK).toMatch(/sees this computer\s+ask for NAME/);
  });

  it('takes several names, and "listed" for the built-in list', () => {
    const a = parseCli(['run', 'https://e.example/', '--sni', 'Twitter.com,listed', '--accept-sni-risk']);
    expect(a).toMatchObject({ command: 'run', sni: ['twitter.com', 't.co', 'redirector.googlevideo.com'] });
  });

  it('refuses what cannot be a run by name', () => {
    const risk = ['--accept-sni-risk'];
    expect(usage(['run', 'https://e.example', '--sni', '10.0.0.1', ...risk])).toMatch(/DNS names/);
    expect(usage(['run', 'https://e.example', '--sni', 'x.com', '--insecure', ...risk])).toMatch(/cannot run with --insecure/);
    expect(usage(['run', 'mlab', '--sni', 'x.com', '--accept-mlab-policy', ...risk])).toMatch(/not mlab or auto/);
    expect(usage(['run', 'https://e.example/file.iso', '--sni', 'x.com', ...risk])).toMatch(/not a file URL/);
    expect(usage(['run', 'http://e.example', '--sni', 'x.com', ...risk])).toMatch(/https:\/\/ origin/);
    expect(usage(['run', 'https://e.example', ...risk])).toMatch(/goes with --sni/);
  });
});

describe('tls-throttle run --sni', () => {
  let ep: Awaited<ReturnType<typeof startTestEndpoint>>;
  beforeAll(async () => {
    ep = await startTestEndpoint();
  });
  afterAll(async () => ep.close(0));

  it('exits 2 without --accept-sni-risk, saying what the path sees', async () => {
    const r = await cli(['run', `https://127.0.0.1:${ep.tlsPort}`, '--ca', ep.caPath, '--sni', 'twitter.com']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Your ISP, and anyone else on the path');
    expect(r.stdout).toBe('');
  });

  it('measures by name with the certificate checked, and never calls loopback throttled', async () => {
    const r = await cli(['run', `https://127.0.0.1:${ep.tlsPort}`, '--ca', ep.caPath, '--sni', 't.co', '--accept-sni-risk', '--json', '--budget-mb', '30']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(VERDICTS).toContain(result.verdict);
    expect(['no-difference', 'inconclusive']).toContain(result.verdict);
    expect(result.sni).toMatchObject({ name: 't.co', controlName: expect.stringMatching(/\.example\.com$/) });
    expect(result.legs.map((l: { sni?: string }) => l.sni ?? 'plain').sort()).toEqual(['control', 'name', 'plain']);
  });

  it('fails (exit 3) when the endpoint cannot be verified the ordinary way: no pin without it', async () => {
    const r = await cli(['run', `https://127.0.0.1:${ep.tlsPort}`, '--sni', 't.co', '--accept-sni-risk', '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).error.detail).toMatch(/could not be learned over a verified connection.*(self-signed|certificate)/i);
  });
});
