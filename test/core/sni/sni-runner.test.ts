import { describe, expect, it } from 'vitest';
import type { FetchLike } from '../../../src/core/io.js';
import { xoshiro128 } from '../../../src/core/payload.js';
import { runSniMeasurement, type SniRunOptions } from '../../../src/core/sni/sni-runner.js';
import { simNetwork, sumHasher, type SimLeg } from '../../support/sim-network.js';

const OPTS: SniRunOptions = { url: 'https://endpoint.test/', name: 'twitter.com', diagnose: 'never', budgetBytes: 200e6, maxDurationMs: 600_000, seed: 42 };

/**
 * The same server seen through three connections: plaintext (and /info) at the line's rate,
 * TLS naming the name under test, TLS naming the control; each on the one virtual clock.
 */
function sniNet(named: SimLeg | 'reset', control: SimLeg = { mbps: 50, noise: 0.05 }, plain: SimLeg = { mbps: 50, noise: 0.05 }) {
  const base = simNetwork({ legs: { 'https-443': plain, 'http-80': plain } });
  const controlNet = simNetwork({ legs: { 'https-443': control }, clock: base.clock, seed: 2 });
  const namedFetch: FetchLike =
    named === 'reset'
      ? async () => {
          throw new TypeError('fetch failed: read ECONNRESET');
        }
      : simNetwork({ legs: { 'https-443': named }, clock: base.clock, seed: 3 }).fetch;
  const asked: string[] = [];
  const rnd = xoshiro128(7);
  const deps = {
    fetch: base.fetch,
    clock: base.clock,
    hasher: sumHasher,
    random: () => rnd() / 2 ** 32,
    fetchForName: (name: string) => {
      asked.push(name);
      return name === 'twitter.com' ? namedFetch : controlNet.fetch;
    },
  };
  return { deps, asked };
}

describe('runSniMeasurement on a simulated line', () => {
  it('finds the name throttled against the control, with the shaped rate, and names both', async () => {
    const { deps, asked } = sniNet({ mbps: 0.128, noise: 0.03 });
    const r = await runSniMeasurement(deps, OPTS);
    expect(r.verdict).toBe('sni-throttled');
    expect(r.sni?.name).toBe('twitter.com');
    expect(r.sni?.controlName).toMatch(/^[a-z]{3,}\.example\.com$/);
    expect(asked).toEqual(['twitter.com', r.sni!.controlName]);
    expect(r.sni?.rateMbps).toBeGreaterThan(0.128 * 0.8);
    expect(r.sni?.rateMbps).toBeLessThan(0.128 * 1.2);
    expect(r.ci95[0]).toBeGreaterThan(1.25);
    expect(r.legs.map((l) => l.id).sort()).toEqual(['http-80-down-random', 'https-443-down-random-sni-control', 'https-443-down-random-sni-name']);
    expect(r.comparisons.find((c) => c.id === 'sni')?.outcome).toBe('slower');
  });

  it('says no difference when neither the name nor TLS is slowed', async () => {
    const r = await runSniMeasurement(sniNet({ mbps: 50, noise: 0.05 }).deps, OPTS);
    expect(r.verdict).toBe('no-difference');
    expect(r.sni?.rateMbps).toBeUndefined();
    expect(r.comparisons.find((c) => c.id === 'sni')?.outcome).toBe('same');
  });

  it('says TLS throttled, not the name, when TLS is slowed whatever the name', async () => {
    const r = await runSniMeasurement(sniNet({ mbps: 10, noise: 0.05 }, { mbps: 10, noise: 0.05 }).deps, OPTS);
    expect(r.verdict).toBe('tls-throttled');
    expect(r.comparisons.find((c) => c.id === 'sni')?.outcome).toBe('same');
  });

  it('says interfered, with what was seen, when connections naming the name are reset', async () => {
    const r = await runSniMeasurement(sniNet('reset').deps, OPTS);
    expect(r.verdict).toBe('interfered');
    expect(r.error?.code).toBe('interfered');
    expect(r.error?.detail).toMatch(/connections naming twitter\.com failed .*ECONNRESET.* control name [a-z]+\.example\.com/);
    expect(r.sni?.name).toBe('twitter.com');
  });

  it('fails, not interfered, when the control name fails too: the server, not the name', async () => {
    const { deps } = sniNet({ mbps: 50 });
    const reset: FetchLike = async () => {
      throw new TypeError('fetch failed: read ECONNRESET');
    };
    const r = await runSniMeasurement({ ...deps, fetchForName: () => reset }, OPTS);
    expect(r.verdict).toBe('failed');
  });
});
