// The operator's round trip with the built CLI: make a key pair, sign a list, verify it with
// the public key; a list changed after signing and a malformed list are refused with the reason.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('node', ['dist/cli.js', ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
let publicKey: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ttd-directory-'));
  const r = await cli(['directory', 'keygen', '--out', join(dir, 'secret.hex')]);
  expect(r.code).toBe(0);
  publicKey = r.stdout.trim().split('\n').at(-1)!;
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('tls-throttle directory', () => {
  it('keygen writes the secret key 0600 and prints the public key in hex', async () => {
    expect(publicKey).toMatch(/^[0-9a-f]{64}$/);
    expect(((await stat(join(dir, 'secret.hex'))).mode & 0o777).toString(8)).toBe('600');
  });

  it('sign and verify round-trip a list', async () => {
    await writeFile(join(dir, 'list.json'), JSON.stringify({ endpoints: [{ id: 'example-org', name: 'Example', url: 'https://endpoint.example.org/' }] }));
    const s = await cli(['directory', 'sign', '--key', join(dir, 'secret.hex'), '--in', join(dir, 'list.json'), '--out', join(dir, 'signed.json'), '--valid-days', '7', '--sequence', '42']);
    expect(s.code).toBe(0);
    const v = await cli(['directory', 'verify', join(dir, 'signed.json'), '--public-key', publicKey]);
    expect(v).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Valid, sequence 42, .*\n {2}example-org {2}https:\/\/endpoint\.example\.org\/ {2}Example/) });
  });

  it('verify refuses a list changed after signing, and exits 1', async () => {
    const signed = JSON.parse(await readFile(join(dir, 'signed.json'), 'utf8'));
    signed.payload = signed.payload.replace('endpoint.example.org', 'evil.example');
    await writeFile(join(dir, 'tampered.json'), JSON.stringify(signed));
    const v = await cli(['directory', 'verify', join(dir, 'tampered.json'), '--public-key', publicKey]);
    expect(v).toMatchObject({ code: 1, stdout: 'Refused: bad signature: no public key of this build signed this directory\n' });
  });

  it('sign refuses a malformed list before anything is published', async () => {
    await writeFile(join(dir, 'bad.json'), JSON.stringify([{ id: 'x', name: 'X', url: 'http://x.example/' }]));
    const s = await cli(['directory', 'sign', '--key', join(dir, 'secret.hex'), '--in', join(dir, 'bad.json'), '--out', join(dir, 'bad-signed.json')]);
    expect(s.code).toBe(3);
    expect(s.stderr).toMatch(/not signed: malformed entry 1 \("x"\): it has a url that is not https/);
  });

  it('exits 2 on a usage error', async () => {
    expect((await cli(['directory', 'verify', 'a', '--public-key', 'zz'])).code).toBe(2);
    expect((await cli(['directory', 'frobnicate'])).code).toBe(2);
  });
});
