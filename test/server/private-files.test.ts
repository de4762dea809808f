import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { devCertificate } from '../../src/server/dev-ca.js';
import { ensurePrivateDir, readFileNoFollow, writeNewFile } from '../../src/server/private-files.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'ttd-private-'));

describe('private files', () => {
  it('writes a new file with the mode asked for', async () => {
    const dir = scratch();
    await writeNewFile(join(dir, 'key.pem'), 'secret');
    expect([readFileSync(join(dir, 'key.pem'), 'utf8'), statSync(join(dir, 'key.pem')).mode & 0o777]).toEqual(['secret', 0o600]);
  });

  it('refuses to write through a planted link, dangling or not, and leaves its target alone', async () => {
    const dir = scratch();
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'mine');
    symlinkSync(victim, join(dir, 'key.pem'));
    symlinkSync(join(dir, 'nowhere'), join(dir, 'cert.pem'));
    await expect(writeNewFile(join(dir, 'key.pem'), 'x')).rejects.toThrow(/EEXIST/);
    await expect(writeNewFile(join(dir, 'cert.pem'), 'x')).rejects.toThrow(/EEXIST/);
    expect([readFileSync(victim, 'utf8'), existsSync(join(dir, 'nowhere'))]).toEqual(['mine', false]);
  });

  it('refuses to read through a link', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'real.pem'), 'x');
    symlinkSync(join(dir, 'real.pem'), join(dir, 'ca.pem'));
    await expect(readFileNoFollow(join(dir, 'ca.pem'))).rejects.toThrow(/ELOOP/);
  });

  it('makes a missing directory with mode 0700', async () => {
    const dir = join(scratch(), 'data');
    await ensurePrivateDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('refuses a directory that is a link', async () => {
    const dir = scratch();
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'data'));
    await expect(ensurePrivateDir(join(dir, 'data'))).rejects.toThrow(/must be a directory, not a symbolic link/);
  });

  it('takes write access for group and others away from the directory', async () => {
    const dir = scratch();
    chmodSync(dir, 0o777);
    await ensurePrivateDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o755);
  });
});

describe('development CA', () => {
  it('refuses a link planted in place of its key, and writes nothing through it', async () => {
    const dir = scratch();
    const victim = join(scratch(), 'victim.txt');
    writeFileSync(victim, 'mine');
    symlinkSync(victim, join(dir, 'ca-key.pem'));
    symlinkSync(victim, join(dir, 'ca.pem'));
    await expect(devCertificate(dir, [])).rejects.toThrow(/ELOOP/);
    expect(readFileSync(victim, 'utf8')).toBe('mine');
  });

  it('makes the CA anew when only half of it is there, without following a link', async () => {
    const dir = scratch();
    const victim = join(scratch(), 'victim.txt');
    writeFileSync(victim, 'mine');
    symlinkSync(victim, join(dir, 'ca-key.pem'));
    const dev = await devCertificate(dir, []);
    expect(readFileSync(dev.caPath, 'utf8')).toContain('BEGIN CERTIFICATE');
    expect(statSync(join(dir, 'ca-key.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(victim, 'utf8')).toBe('mine');
  });

  it('loads the CA it made before', async () => {
    const dir = scratch();
    const a = await devCertificate(dir, []);
    const b = await devCertificate(dir, []);
    expect(readFileSync(a.caPath, 'utf8')).toBe(readFileSync(b.caPath, 'utf8'));
  });
});
