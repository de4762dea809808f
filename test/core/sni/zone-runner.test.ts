import { describe, expect, it } from 'vitest';
import type { FetchLike } from '../../../src/core/io.js';
import { xoshiro128 } from '../../../src/core/payload.js';
import { zoneAllowedFor, zoneLabelFor, zoneNamesFor } from '../../../src/core/sni/zone-names.js';
import { runZoneSniMeasurement, subdomainFetch, type ZoneSniRunOptions } from '../../../src/core/sni/zone-runner.js';
import { simNetwork, sumHasher, type SimLeg } from '../../support/sim-network.js';

const ZONE = 'sni.endpoint.test';
const OPTS: ZoneSniRunOptions = { url: 'https://endpoint.test/', name: 'redirector.googlevideo.com', diagnose: 'never', budgetBytes: 200e6, maxDurationMs: 600_000, seed: 42 };

/**
 * One server: /info and plaintext at endpoint.test, and TLS to any name under the zone, where
 * a shaper that matches "googlevideo" anywhere in the name holds it to `named`.
 */
function zoneNet(named: SimLeg, sniZone: string | null = ZONE) {
  const plain: SimLeg = { mbps: 50, noise: 0.05 };
  const base = simNetwork({ legs: { 'https-443': plain, 'http-80': plain }, sniZone: sniZone ?? undefined });
  const control = simNetwork({ legs: { 'https-443': plain }, clock: base.clock, seed: 2 });
  const shaped = simNetwork({ legs: { 'https-443': named }, clock: base.clock, seed: 3 });
  const hosts: string[] = [];
  const fetch: FetchLike = (url, init) => {
    const host = new URL(url).hostname;
    hosts.push(host);
    if (host === 'endpoint.test') return base.fetch(url, init);
    if (!host.endsWith(`.${ZONE}`)) throw new Error(`no such host ${host}`);
    return (host.includes('googlevideo') ? shaped : control).fetch(url, init);
  };
  const rnd = xoshiro128(7);
  return { deps: { fetch, clock: base.clock, hasher: sumHasher, random: () => rnd() / 2 ** 32 }, hosts };
}

describe('names under a wildcard zone', () => {
  it('writes a listed name as one label, and a control label of the same length', () => {
    expect(zoneLabelFor('redirector.googlevideo.com')).toBe('redirector-googlevideo-com');
    expect(zoneLabelFor('T.co')).toBe('t-co');
    expect(zoneLabelFor(`${'a'.repeat(60)}.com`)).toBeUndefined();
    const names = zoneNamesFor('twitter.com', 'sni.example.org', () => 0.5)!;
    expect(names.name).toBe('twitter-com.sni.example.org');
    expect(names.controlName).toMatch(/^[a-z]{11}\.sni\.example\.org$/);
    expect(names.controlName.length).toBe(names.name.length);
  });

  it('lets an endpoint name only a zone under its own domain, never a wide one', () => {
    expect(zoneAllowedFor('sni.example.org', 'endpoint.example.org')).toBe(true);
    expect(zoneAllowedFor('a.sni.example.org', 'endpoint.example.org')).toBe(true);
    expect(zoneAllowedFor('sni.other.org', 'endpoint.example.org')).toBe(false);
    expect(zoneAllowedFor('example.org', 'endpoint.example.org')).toBe(false);
    expect(zoneAllowedFor('sni.example.org', 'example.org')).toBe(true);
    expect(zoneAllowedFor('sni.example.org', 'org')).toBe(false);
    // Reached by an address: only the width is checked.
    expect(zoneAllowedFor('sni.lab.test', '10.80.0.1')).toBe(true);
    expect(zoneAllowedFor('co.uk', '10.80.0.1')).toBe(false);
    expect(zoneAllowedFor('com', '127.0.0.1')).toBe(false);
  });

  it('sends the same request to another host, same scheme, port, path and query', async () => {
    const seen: string[] = [];
    const f = subdomainFetch(async (url) => {
      seen.push(url);
      return undefined as never;
    }, 'x-y.sni.example.org');
    await f('https://endpoint.example.org:8443/payload?bytes=10&seed=1', {});
    expect(seen).toEqual(['https://x-y.sni.example.org:8443/payload?bytes=10&seed=1']);
  });
});

describe('runZoneSniMeasurement on a simulated line', () => {
  it('finds the subdomain carrying the name throttled against the control subdomain', async () => {
    const { deps, hosts } = zoneNet({ mbps: 0.128, noise: 0.03 });
    const r = await runZoneSniMeasurement(deps, OPTS);
    expect(r.verdict).toBe('sni-throttled');
    expect(r.sni?.name).toBe(`redirector-googlevideo-com.${ZONE}`);
    expect(r.sni?.controlName).toMatch(new RegExp(`^[a-z]{26}\\.${ZONE.replace(/\./g, '\\.')}$`));
    expect(r.sni?.rateMbps).toBeGreaterThan(0.128 * 0.8);
    expect(r.sni?.rateMbps).toBeLessThan(0.128 * 1.2);
    // Three hosts only: the endpoint (/info, plaintext) and the two subdomains; /info read once.
    expect(new Set(hosts)).toEqual(new Set(['endpoint.test', r.sni!.name, r.sni!.controlName]));
    expect(hosts.filter((h) => h === 'endpoint.test').length).toBeGreaterThan(1);
  });

  it('says no difference when no name is shaped', async () => {
    const r = await runZoneSniMeasurement(zoneNet({ mbps: 50, noise: 0.05 }).deps, OPTS);
    expect(r.verdict).toBe('no-difference');
    expect(r.comparisons.find((c) => c.id === 'sni')?.outcome).toBe('same');
  });

  it('fails with the reason when the endpoint serves no wildcard zone, before any transfer', async () => {
    const { deps, hosts } = zoneNet({ mbps: 50 }, null);
    const r = await runZoneSniMeasurement(deps, OPTS);
    expect(r.verdict).toBe('failed');
    expect(r.error?.detail).toMatch(/serves no wildcard zone .*serve --sni-zone/);
    expect(hosts).toEqual(['endpoint.test']);
  });
});
