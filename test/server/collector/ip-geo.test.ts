import { beforeAll, describe, expect, it } from 'vitest';
import { isSpecialPurpose, parseIp } from '../../../src/server/collector/ip-address.js';
import { buildIpLookup, flattenRanges, loadIpDatabase, splitCsvLine, type IpLookup } from '../../../src/server/collector/ip-geo.js';

describe('the shipped IP database', () => {
  let lookup: IpLookup;
  beforeAll(async () => {
    lookup = await loadIpDatabase();
  });

  it('maps an IPv4 address to its ASN, network name and country', () => {
    expect(lookup('8.8.8.8')).toEqual({ asn: 15169, network: 'Google LLC', country: 'US' });
  });

  it('maps an IPv6 address to its ASN, network name and country', () => {
    expect(lookup('2606:4700:4700::1111')).toEqual({ asn: 13335, network: 'Cloudflare, Inc.', country: 'US' });
  });

  it('reads an IPv4-mapped IPv6 address (a dual-stack socket) as the IPv4 address', () => {
    expect(lookup('::ffff:8.8.8.8')).toEqual(lookup('8.8.8.8'));
  });

  it.each(['127.0.0.1', '::1', '10.1.2.3', '192.168.0.10', '100.64.1.1', 'fe80::1', 'fd00::1'])('maps %s to the unknown network', (a) => {
    expect(lookup(a)).toEqual({ asn: null, network: null, country: null });
  });

  it('maps a string that is no address to the unknown network', () => {
    expect(lookup('not-an-ip')).toEqual({ asn: null, network: null, country: null });
  });
});

describe('range tables', () => {
  it('splits quoted CSV fields with commas and doubled quotes', () => {
    expect(splitCsvLine('1,2,13335,"Cloudflare, Inc. ""CF"""')).toEqual(['1', '2', '13335', 'Cloudflare, Inc. "CF"']);
  });

  it('lets a nested, more specific range win over its span and keeps the outer one around it', () => {
    expect(flattenRanges([[0, 10, 1], [5, 6, 2]], 1)).toEqual([[0, 4, 1], [5, 6, 2], [7, 10, 1]]);
  });

  it('handles a range nested in a nested range and one sharing its start', () => {
    expect(flattenRanges([[0, 10, 1], [5, 8, 2], [5, 6, 3]], 1)).toEqual([[0, 4, 1], [5, 6, 3], [7, 8, 2], [9, 10, 1]]);
  });

  it('gives a partly overlapping later range its whole span', () => {
    expect(flattenRanges([[0, 10, 1], [5, 20, 2]], 1)).toEqual([[0, 4, 1], [5, 20, 2]]);
  });

  it('finds the first and last address of a range and nothing in a gap', () => {
    const lookup = buildIpLookup({
      asnV4: '16777216,16777471,13335,"Cloudflare, Inc."\n16778240,16779263,38803,Gtelecom\n',
      asnV6: '',
      countryV4: '16777216,16777471,AU\n',
      countryV6: '',
    });
    expect(lookup('1.0.0.0').asn).toBe(13335);
    expect(lookup('1.0.0.255').asn).toBe(13335);
    expect(lookup('1.0.1.0')).toEqual({ asn: null, network: null, country: null });
    expect(lookup('1.0.4.0')).toEqual({ asn: 38803, network: 'Gtelecom', country: null });
  });

  it('refuses a table with a malformed line, saying which', () => {
    expect(() => buildIpLookup({ asnV4: '1,2,3,x\nfoo,5,6,y\n', asnV6: '', countryV4: '', countryV6: '' })).toThrow(/line 2/);
  });
});

describe('addresses', () => {
  it('parses IPv6 with a compressed run and an embedded IPv4 tail', () => {
    expect(parseIp('64:ff9b::192.0.2.33')).toEqual({ version: 6, hi: 0x0064ff9b00000000n, lo: 0xc0000221n });
  });

  it('knows carrier-grade NAT space is no ISP of its own', () => {
    expect(isSpecialPurpose(parseIp('100.127.255.255')!)).toBe(true);
    expect(isSpecialPurpose(parseIp('100.128.0.0')!)).toBe(false);
  });
});
