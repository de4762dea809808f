// File arguments the CLI cannot use are usage errors: one line naming the file and why, exit 2,
// no stack trace (a missing --ca once printed one and exited 1).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTROL_CHARACTERS, runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ttd-usage-'));
const pem = join(dir, 'ok.pem');
writeFileSync(pem, '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');

async function expectUsageLine(args: string[], line: RegExp): Promise<void> {
  const r = await runCli(args, 10_000);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(line);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('file arguments', () => {
  it('--ca naming no file: one line, exit 2', async () => {
    await expectUsageLine(['run', 'https://127.0.0.1:1', '--ca', '/missing'], /^tls-throttle: --ca \/missing: no such file\n$/);
  });

  it('--ca naming a directory: one line, exit 2', async () => {
    await expectUsageLine(['run', 'https://127.0.0.1:1', '--ca', dir], /^tls-throttle: --ca .*: not a regular file\n$/);
  });

  it('--ca naming a device that never ends (/dev/zero): one line, exit 2', async () => {
    await expectUsageLine(['run', 'https://127.0.0.1:1', '--ca', '/dev/zero'], /^tls-throttle: --ca \/dev\/zero: not a regular file\n$/);
  });

  it('serve --cert or --key naming no file: one line, exit 2', async () => {
    await expectUsageLine(['serve', '--cert', '/missing.pem', '--key', pem], /^tls-throttle: --cert \/missing\.pem: no such file\n$/);
    await expectUsageLine(['serve', '--cert', pem, '--key', '/missing.key'], /^tls-throttle: --key \/missing\.key: no such file\n$/);
  });

  it('serve --data-dir naming a file: one line, exit 2', async () => {
    await expectUsageLine(['serve', '--data-dir', pem], /^tls-throttle: --data-dir .*: not a directory\n$/);
  });

  it('an argument full of escape sequences is echoed clean', async () => {
    const r = await runCli(['run', 'https://127.0.0.1:1', '--ca', '/missing\x1b]0;pwned\x07\x1b[2J'], 10_000);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(CONTROL_CHARACTERS);
    expect(r.stderr).toMatch(/--ca \/missing: no such file/);
  });
});
