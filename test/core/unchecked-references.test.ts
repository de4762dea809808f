import { describe, expect, it } from 'vitest';
import { MIN_ROUNDS } from '../../src/core/interval-rule.js';
import { xoshiro128 } from '../../src/core/payload.js';
import { runMeasurement, type RunOptions } from '../../src/core/runner.js';
import { simNetwork, sumHasher } from '../support/sim-network.js';

// A run whose time runs short on a long path: screening settles, and the references (the
// low-entropy body, uploads) are left with too few rounds for any interval (engine.ts
// withinReach, decision-notes.ts uncheckedReferences).
describe('references the time or the budget leaves unchecked', () => {
  async function run(seed: number, maxSeconds: number, rttMs: number) {
    const leg = { mbps: 5, noise: 0.1 };
    const net = simNetwork({ seed, rttMs, legs: { 'https-443': leg, 'http-80': leg, 'https-80': leg, 'http-443': leg } });
    const rnd = xoshiro128(seed);
    const transfers: { leg: string; round: number }[] = [];
    const looks: { round: number; verdict: string }[] = [];
    const opts: RunOptions = { url: 'https://endpoint.test/', diagnose: 'auto', budgetBytes: 60e6, maxDurationMs: maxSeconds * 1000, capDurationMs: maxSeconds * 1000, seed };
    const result = await runMeasurement(
      {
        fetch: net.fetch,
        clock: net.clock,
        hasher: sumHasher,
        random: () => rnd() / 2 ** 32,
        onProgress: (p) => void (p.phase === 'rounds' && p.transferDone && p.leg && transfers.push({ leg: p.leg, round: p.round })),
        onLook: (l) => void looks.push(l),
      },
      opts,
    );
    return { result, transfers, looks };
  }

  it('says which went unchecked beside "no difference", and starts no round a reference cannot use', async () => {
    // 200 ms, 45 s: without withinReach the references ran a third round after screening
    // had its answer, still 3 short of an interval.
    const { result, transfers, looks } = await run(2, 45, 200);
    expect(result.verdict).toBe('no-difference');
    const settledAt = looks.find((l) => l.verdict === 'no-difference')!.round;
    for (const id of ['tls-vs-low-entropy', 'upload'] as const) {
      const c = result.comparisons.find((x) => x.id === id)!;
      expect(c.rounds).toBeLessThan(MIN_ROUNDS);
      expect(result.warnings).toContainEqual({ code: 'reference-unchecked', pair: id, rounds: c.rounds, minRounds: MIN_ROUNDS });
    }
    const uploadsAfter = transfers.filter((t) => t.leg.includes('-up-') && t.round > settledAt);
    expect(uploadsAfter).toEqual([]);
  });

  it('names references that never ran', async () => {
    const { result } = await run(1, 45, 300);
    expect(result.verdict).toBe('no-difference');
    expect(result.warnings.filter((w) => w.code === 'reference-unchecked')).toEqual([
      { code: 'reference-unchecked', pair: 'tls-vs-low-entropy', rounds: 0, minRounds: MIN_ROUNDS },
      { code: 'reference-unchecked', pair: 'upload', rounds: 0, minRounds: MIN_ROUNDS },
    ]);
  });

  it('adds nothing when the references had their rounds', async () => {
    const { result } = await run(1, 60, 20);
    expect(result.verdict).toBe('no-difference');
    expect(result.warnings.map((w) => w.code)).not.toContain('reference-unchecked');
  });
});
