import { describe, expect, it } from 'vitest';
import { sniZoneReader } from '../../src/extension/background/sni-zone.js';
import { mayHaveSniZone, zonePermissionPatterns } from '../../src/extension/shared/sni-zone.js';
import { simNetwork } from '../support/sim-network.js';

const clock = { now: () => performance.now() };

describe("the endpoint's wildcard zone for the popup", () => {
  it('reads it from /info, lower-cased', async () => {
    const net = simNetwork({ legs: { 'https-443': { mbps: 10 } }, sniZone: 'SNI.Endpoint.test' });
    expect(await sniZoneReader(net.fetch, clock)('https://endpoint.test/')).toEqual({ zone: 'sni.endpoint.test' });
  });

  it('says there is none, and refuses a zone that is no DNS name (it would go into a permission pattern and the page)', async () => {
    const none = await sniZoneReader(simNetwork({ legs: { 'https-443': { mbps: 10 } } }).fetch, clock)('https://endpoint.test/');
    expect(none).toEqual({ error: 'no zone' });
    const odd = simNetwork({ legs: { 'https-443': { mbps: 10 } }, sniZone: '*.evil/* https://x' });
    expect(await sniZoneReader(odd.fetch, clock)('https://endpoint.test/')).toEqual({ error: 'the zone is not a DNS name' });
    // A zone elsewhere would have the user grant access to another domain's names.
    const elsewhere = simNetwork({ legs: { 'https-443': { mbps: 10 } }, sniZone: 'sni.other.test' });
    expect(await sniZoneReader(elsewhere.fetch, clock)('https://endpoint.test/')).toEqual({ error: "the zone sni.other.test is not under the endpoint's own domain" });
  });

  it('answers with the reason when /info cannot be read', async () => {
    const failing = async () => {
      throw new TypeError('fetch failed: connect ECONNREFUSED');
    };
    expect(await sniZoneReader(failing, clock)('https://endpoint.test/')).toEqual({ error: expect.stringMatching(/cannot reach .*ECONNREFUSED/) });
  });

  it('asks for https on the subdomains only, and only for endpoints of ours', () => {
    expect(zonePermissionPatterns('sni.example.org')).toEqual(['https://*.sni.example.org/*']);
    expect(mayHaveSniZone({ id: 'a', name: 'a', url: 'https://a.test/' })).toBe(true);
    expect(mayHaveSniZone({ id: 'm', name: 'm', url: 'https://m.test/x.bin', kind: 'mirror' })).toBe(false);
    expect(mayHaveSniZone({ id: 'auto', name: 'auto', url: 'auto:', kind: 'auto' })).toBe(false);
  });
});
