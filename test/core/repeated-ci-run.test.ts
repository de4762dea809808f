import { describe, expect, it } from 'vitest';
import type { Look } from '../../src/core/engine/engine.js';
import { xoshiro128 } from '../../src/core/payload.js';
import { runMeasurement, type RunOptions } from '../../src/core/runner.js';
import { simNetwork, sumHasher, type SimOptions } from '../support/sim-network.js';

// Whole runs under the repeated-interval rule (decision.ts rule 2r; engine.ts endedComparisons).
const OPTS: RunOptions = {
  url: 'https://endpoint.test/',
  diagnose: 'auto',
  budgetBytes: 200e6,
  maxDurationMs: 120_000,
  seed: 42,
  stoppingRule: 'repeated-ci',
};

async function run(sim: SimOptions, opts: Partial<RunOptions> = {}) {
  const net = simNetwork(sim);
  const rnd = xoshiro128(7);
  const looks: Look[] = [];
  const result = await runMeasurement(
    { fetch: net.fetch, clock: net.clock, hasher: sumHasher, random: () => rnd() / 2 ** 32, onLook: (l) => looks.push(l) },
    { ...OPTS, ...opts },
  );
  return { result, looks };
}

describe('runs under the repeated-interval rule', () => {
  it('finds a clear throttle, reporting the 95% interval', async () => {
    const { result } = await run({ legs: { 'https-443': { mbps: 10, noise: 0.05 }, 'http-80': { mbps: 50, noise: 0.05 } } });
    expect(result.verdict).toBe('tls-throttled');
    expect(result.ci95[0]).toBeGreaterThan(1.25);
  });

  it('finds no difference on an unshaped line', async () => {
    const { result } = await run({ legs: { 'https-443': { mbps: 50, noise: 0.05 }, 'http-80': { mbps: 50, noise: 0.05 } } });
    expect(result.verdict).toBe('no-difference');
    expect(result.ci95[0]).toBeGreaterThan(0.8);
    expect(result.ci95[1]).toBeLessThan(1.25);
  });

  it('ends a run its budget stops with the final look, as the last look said it would', async () => {
    // 1.43x with 30% noise per transfer and a 40 MB budget: the interval of the run going on
    // still reaches the margin when the budget ends; the final look spends what the looks
    // before left. A draw where that happens (about one in fourteen of this line's seeds).
    const { result, looks } = await run(
      { legs: { 'https-443': { mbps: 14, noise: 0.3 }, 'http-80': { mbps: 20, noise: 0.3 } }, seed: 38 },
      { budgetBytes: 40e6, capBytes: 40e6, seed: 38 },
    );
    const last = looks[looks.length - 1]!;
    expect(result.warnings.map((w) => w.code)).toContain('budget-spent');
    expect(last.verdict).toBe('inconclusive');
    expect(last.verdictIfEnded).toBe('tls-throttled');
    expect(result.verdict).toBe('tls-throttled');
    expect(result.ci95[0]).toBeGreaterThan(1.25);
    // Every look before it, and every stop before it, said no finding or this one.
    for (const l of looks) expect(['inconclusive', 'tls-throttled']).toContain(l.verdictIfEnded ?? l.verdict);
  });

  it('says why a run it ended is open, with the repeated interval beside the 95% one', async () => {
    const { result } = await run(
      { legs: { 'https-443': { mbps: 16, noise: 0.3 }, 'http-80': { mbps: 20, noise: 0.3 } }, seed: 2 },
      { budgetBytes: 40e6, capBytes: 40e6, seed: 2 },
    );
    expect(result.verdict).toBe('inconclusive');
    const note = result.warnings.find((w) => w.code === 'repeated-straddles');
    expect(note).toBeDefined();
    if (note?.code !== 'repeated-straddles') return;
    expect(note.interval[0]).toBeLessThan(1.25);
    expect(note.interval[1]).toBeGreaterThan(1.25);
    expect(note.interval[0]).toBeLessThanOrEqual(note.ci95[0]);
    expect(note.levelPercent).toBeGreaterThanOrEqual(95);
  });
});
