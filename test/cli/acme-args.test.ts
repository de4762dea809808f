import { describe, expect, it } from 'vitest';
import { LETS_ENCRYPT_DIRECTORY, parseCli, UsageError } from '../../src/cli/args.js';

describe('serve --acme-* and run --resolve arguments', () => {
  it('defaults the ACME directory to Let\'s Encrypt and lower-cases the domain', () => {
    expect(parseCli(['serve', '--acme-domain', 'Endpoint.Example.org'])).toMatchObject({ acmeDomain: 'endpoint.example.org', acmeDirectory: LETS_ENCRYPT_DIRECTORY });
  });

  it('refuses --acme-domain with --cert, a domain that is no DNS name, and ACME options without a domain', () => {
    expect(() => parseCli(['serve', '--acme-domain', 'a.example', '--cert', 'c', '--key', 'k'])).toThrow(UsageError);
    expect(() => parseCli(['serve', '--acme-domain', '../etc'])).toThrow(/DNS name/);
    expect(() => parseCli(['serve', '--acme-email', 'a@b.example'])).toThrow(/goes with --acme-domain/);
    expect(() => parseCli(['serve', '--acme-domain', 'a.example', '--acme-directory', 'ftp://x'])).toThrow(/must be a URL/);
  });

  it('takes --sni-zone alone (a certificate of the operator\'s) or with ACME and a DNS-01 hook', () => {
    expect(parseCli(['serve', '--sni-zone', 'SNI.Example.org'])).toMatchObject({ sniZone: 'sni.example.org' });
    expect(parseCli(['serve', '--acme-domain', 'a.example', '--sni-zone', 'sni.a.example', '--acme-dns-hook', '/usr/local/bin/hook'])).toMatchObject({
      acmeDomain: 'a.example',
      sniZone: 'sni.a.example',
      acmeDnsHook: '/usr/local/bin/hook',
    });
  });

  it('refuses a wildcard zone by ACME without a DNS hook, a hook without a zone, and a zone that is no DNS name', () => {
    expect(() => parseCli(['serve', '--acme-domain', 'a.example', '--sni-zone', 'sni.a.example'])).toThrow(/DNS-01 only: give --acme-dns-hook/);
    expect(() => parseCli(['serve', '--acme-domain', 'a.example', '--acme-dns-hook', 'h'])).toThrow(/goes with --sni-zone/);
    expect(() => parseCli(['serve', '--sni-zone', 'sni.a.example', '--acme-dns-hook', 'h'])).toThrow(/goes with --acme-domain/);
    expect(() => parseCli(['serve', '--sni-zone', '*.sni.a.example'])).toThrow(/must be a DNS name/);
  });

  it('takes --resolve NAME:ADDRESS for IPv4 and bracketed IPv6', () => {
    expect(parseCli(['run', 'https://a.example', '--resolve', 'a.example:127.0.0.1'])).toMatchObject({ resolve: { name: 'a.example', address: '127.0.0.1' } });
    expect(parseCli(['run', 'https://a.example', '--resolve', 'a.example:[::1]'])).toMatchObject({ resolve: { name: 'a.example', address: '::1' } });
  });

  it('refuses a --resolve without an address or with a name instead of one', () => {
    for (const v of ['a.example', 'a.example:b.example', ':127.0.0.1']) expect(() => parseCli(['run', 'https://a.example', '--resolve', v]), v).toThrow(/NAME:ADDRESS/);
  });
});
