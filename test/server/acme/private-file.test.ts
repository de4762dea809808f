import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acmeStore } from '../../../src/server/acme/acme-store.js';
import { readPrivateFile, UnsafePathError, writePrivateFile } from '../../../src/server/acme/private-file.js';

let dir: string;
beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'ttd-private-'))));
afterEach(async () => rm(dir, { recursive: true, force: true }));

const mode = async (p: string) => ((await stat(p)).mode & 0o777).toString(8);

describe('private files of the ACME store', () => {
  it('writes files 0600 in directories 0700, whatever the umask', async () => {
    const old = process.umask(0o000);
    try {
      await writePrivateFile(join(dir, 'a', 'key.pem'), 'secret');
    } finally {
      process.umask(old);
    }
    expect(await mode(join(dir, 'a', 'key.pem'))).toBe('600');
    expect(await mode(join(dir, 'a'))).toBe('700');
    expect(await readPrivateFile(join(dir, 'a', 'key.pem'))).toBe('secret');
  });

  it('reads a missing file as undefined', async () => {
    expect(await readPrivateFile(join(dir, 'none.pem'))).toBeUndefined();
  });

  it('refuses to read through a symbolic link', async () => {
    await writeFile(join(dir, 'elsewhere'), 'not ours');
    await symlink(join(dir, 'elsewhere'), join(dir, 'key.pem'));
    await expect(readPrivateFile(join(dir, 'key.pem'))).rejects.toThrow(UnsafePathError);
  });

  it('refuses to write over a symbolic link and leaves its target alone', async () => {
    await writeFile(join(dir, 'target'), 'untouched');
    await symlink(join(dir, 'target'), join(dir, 'cert.pem'));
    await expect(writePrivateFile(join(dir, 'cert.pem'), 'new')).rejects.toThrow(/symbolic link/);
    expect(await readFile(join(dir, 'target'), 'utf8')).toBe('untouched');
  });

  it('tightens a file that others could read', async () => {
    await writeFile(join(dir, 'loose.pem'), 'x');
    await chmod(join(dir, 'loose.pem'), 0o644);
    await readPrivateFile(join(dir, 'loose.pem'));
    expect(await mode(join(dir, 'loose.pem'))).toBe('600');
  });

  it('refuses an acme directory that is a symbolic link', async () => {
    await symlink(tmpdir(), join(dir, 'acme'));
    await expect(acmeStore(dir, 'endpoint.example')).rejects.toThrow(/symbolic link/);
  });

  it('follows a data directory that is a link, as systemd DynamicUser makes /var/lib/NAME', async () => {
    await mkdir(join(dir, 'private', 'state'), { recursive: true });
    await symlink(join(dir, 'private', 'state'), join(dir, 'state'));
    const store = await acmeStore(join(dir, 'state'), 'endpoint.example');
    await store.writeAccountKey('A');
    expect(await readFile(join(dir, 'private', 'state', 'acme', 'account-key.pem'), 'utf8')).toBe('A');
  });

  it('refuses a domain that is no DNS name before it becomes a path', async () => {
    await expect(acmeStore(dir, '../../etc')).rejects.toThrow(/not a DNS name/);
  });

  it('keeps account key and certificate under acme/', async () => {
    const store = await acmeStore(dir, 'endpoint.example');
    await store.writeAccountKey('A');
    await store.writeCertificate({ certPem: 'C', keyPem: 'K' });
    expect(await store.readAccountKey()).toBe('A');
    expect(await store.readCertificate()).toEqual({ certPem: 'C', keyPem: 'K' });
    expect(await mode(join(dir, 'acme', 'endpoint.example', 'key.pem'))).toBe('600');
  });
});
