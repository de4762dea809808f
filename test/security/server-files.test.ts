// Another local user plants symbolic links where our files go. The CLI's TLS self-test used a
// fixed <tmpdir>/tls-throttle-self-test and followed links there; `serve` keeps its CA key and
// database in a data directory. Neither may write through, or read from, a planted link.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { measureClientTlsCapacityMbps } from '../../src/cli/client-capacity.js';
import { serveCommand } from '../../src/cli/serve-command.js';
import { startTestCollector } from '../server/collector/harness.js';
import { sampleReport } from '../support/report-fixtures.js';

const savedTmp = process.env.TMPDIR;
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
});

/** A scratch area with a file of the victim's and a directory another user may write into. */
function plantedArea() {
  const root = mkdtempSync(join(tmpdir(), 'ttd-planted-'));
  const victim = join(root, 'victim-file');
  writeFileSync(victim, 'the victim file');
  return { root, victim };
}

describe('planted links', () => {
  it('the TLS self-test makes its CA in a fresh private directory, writes nothing through links at the old fixed path, and leaves nothing behind', async () => {
    const { root, victim } = plantedArea();
    const fixed = join(root, 'tls-throttle-self-test');
    mkdirSync(fixed, { mode: 0o777 });
    symlinkSync(victim, join(fixed, 'ca-key.pem'));
    symlinkSync(join(root, 'made-by-us'), join(fixed, 'ca.pem'));
    // os.tmpdir() reads TMPDIR at each call (Node docs, os.tmpdir).
    process.env.TMPDIR = root;
    const mbps = await measureClientTlsCapacityMbps(4 * 1024 * 1024);
    expect(mbps).toBeGreaterThan(0);
    expect(readFileSync(victim, 'utf8')).toBe('the victim file');
    expect(existsSync(join(root, 'made-by-us'))).toBe(false);
    expect(readdirSync(root).sort()).toEqual(['tls-throttle-self-test', 'victim-file']);
  });

  it('serve refuses a data directory that is a link, before writing any key', async () => {
    const { root } = plantedArea();
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(root, 'data'));
    await expect(serveCommand({ command: 'serve', ports: [0], host: '127.0.0.1', dataDir: join(root, 'data'), collector: true, acmeDirectory: '' }, () => undefined)).rejects.toThrow(
      /must be a directory, not a symbolic link/,
    );
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('serve refuses a CA key that is a link in its data directory', async () => {
    const { root, victim } = plantedArea();
    const data = join(root, 'data');
    mkdirSync(data, { mode: 0o700 });
    symlinkSync(victim, join(data, 'ca-key.pem'));
    symlinkSync(victim, join(data, 'ca.pem'));
    await expect(serveCommand({ command: 'serve', ports: [0], host: '127.0.0.1', dataDir: data, collector: false, acmeDirectory: '' }, () => undefined)).rejects.toThrow(/ELOOP/);
    expect(readFileSync(victim, 'utf8')).toBe('the victim file');
  });

  it('the export snapshot replaces a link planted at its name instead of writing through it', async () => {
    const { victim } = plantedArea();
    const c = await startTestCollector('sqlite');
    try {
      symlinkSync(victim, join(c.dataDir, 'export.ndjson'));
      await c.post(sampleReport(), { localAddress: '127.0.0.2' });
      const res = await c.get('/v1/export?format=ndjson');
      expect([res.status, res.text.trim().split('\n')]).toEqual([200, [expect.stringContaining('"verdict":"tls-throttled"')]]);
      expect(readFileSync(victim, 'utf8')).toBe('the victim file');
      expect(lstatSync(join(c.dataDir, 'export.ndjson')).isSymbolicLink()).toBe(false);
      expect(readdirSync(c.dataDir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    } finally {
      await c.close();
    }
  });
});
