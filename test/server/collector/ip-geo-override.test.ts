// TTD_IPDB_DIR: fresher data in the packages' format replaces the shipped tables.
// A file of its own: the database is loaded once per process.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadIpDatabase } from '../../../src/server/collector/ip-geo.js';

const saved = process.env.TTD_IPDB_DIR;
afterAll(() => {
  if (saved === undefined) delete process.env.TTD_IPDB_DIR;
  else process.env.TTD_IPDB_DIR = saved;
});

describe('TTD_IPDB_DIR', () => {
  it('loads the four tables from that directory instead of the packages', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ttd-ipdb-'));
    const start = 8 * 2 ** 24 + 8 * 2 ** 16 + 8 * 2 ** 8;
    writeFileSync(join(dir, 'asn-ipv4-num.csv'), `${start},${start + 255},64500,Fresher Net\n`);
    writeFileSync(join(dir, 'asn-ipv6-num.csv'), '');
    writeFileSync(join(dir, 'geo-whois-asn-country-ipv4-num.csv'), `${start},${start + 255},NZ\n`);
    writeFileSync(join(dir, 'geo-whois-asn-country-ipv6-num.csv'), '');
    process.env.TTD_IPDB_DIR = dir;
    const lookup = await loadIpDatabase();
    expect(lookup('8.8.8.8')).toEqual({ asn: 64500, network: 'Fresher Net', country: 'NZ' });
    expect(lookup('1.1.1.1').asn).toBeNull();
  });
});
