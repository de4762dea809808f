// The accuracy table's scoring (score.ts): the rate column, where a shaper's rate is a target
// the estimate is held to within 10% and a policer's is a ceiling TCP's goodput runs under
// (wan-scenarios.ts, `policed`); the goals reported apart; the 1.5x goal by the line each run
// had; and the screening column, which replays the runner's rule.
import { describe, expect, it } from 'vitest';
import { compareRounds } from '../../src/core/interval-rule.js';
import { compareRepeated } from '../../src/core/repeated-rule.js';
import type { Result } from '../../src/core/types.js';
import type { RunRecord } from './run-scenario.js';
import type { Scenario } from './scenarios.js';
import { effectiveFactor, formatTable, goals, screeningAnswer, screeningCost, scoreScenario } from './score.js';

function scenario(id: string, rateIsCeiling: boolean): Scenario {
  return {
    id,
    title: id,
    lineMbps: 50,
    diagnose: false,
    truth: { verdict: 'tls-throttled', rateMbps: 25, factor: 2, ...(rateIsCeiling ? { rateIsCeiling } : {}) },
    fronts: {},
  };
}

/** A finding whose shaping estimate is `mbps` (the fields the scorer reads). */
function found(id: string, mbps: number): RunRecord {
  const result = {
    verdict: 'tls-throttled',
    ratio: 50 / mbps,
    shaping: { leg: 'https-443-down-random', rateMbps: mbps, burstBytes: 0 },
    comparisons: [],
    legs: [],
    durationMs: 20_000,
    bytesUsed: 60e6,
  } as unknown as Result;
  return { scenario: id, run: 0, client: 'cli', result, wallMs: 21_000 };
}

describe('rates in the accuracy table', () => {
  const shaper = scenario('shaper', false);
  const policer = scenario('policer', true);
  const all = new Map([
    ['shaper', [found('shaper', 24), found('shaper', 21)]],
    ['policer', [found('policer', 21)]],
  ]);

  it('holds a shaper estimate to 10% of its rate', () => {
    const row = scoreScenario(shaper, all.get('shaper')!);
    expect(row.rateWithin10).toBe(1);
    expect(row.rateEstimates).toBe(2);
    expect(formatTable([row])).toContain('| 22.50 / 25 | 1/2 |');
  });

  it("shows a policer's rate as a ceiling and leaves it out of the 10% goal", () => {
    const row = scoreScenario(policer, all.get('policer')!);
    expect(row.rateIsCeiling).toBe(true);
    expect(formatTable([row])).toContain('| 21.00 / 25 (policed) | - |');
    const rate = goals([shaper, policer], all).find((g) => g.goal.startsWith('shaped-rate'))!;
    expect(rate.measured).toMatch(/^1\/2 estimates/);
    // Both still count as findings at 2x.
    const detect = goals([shaper, policer], all).find((g) => g.goal.startsWith('TLS throttled 2x'))!;
    expect(detect.measured).toMatch(/^3\/3/);
  });
});

describe('throttling reported apart from the 2x goal', () => {
  it('scores delayed (c-) and intermittent (k-) scenarios apart, and names intermittent only when the set has it', () => {
    const plain = scenario('a-cap', false);
    const delayed = scenario('c-late', false);
    const windows = scenario('k-windows', false);
    const same = { ...found('k-windows', 25), result: { ...found('k-windows', 25).result!, verdict: 'no-difference' } } as RunRecord;
    const all = new Map([
      ['a-cap', [found('a-cap', 25)]],
      ['c-late', [found('c-late', 25)]],
      ['k-windows', [found('k-windows', 25), same]],
    ]);
    const g = goals([plain, delayed, windows], all);
    expect(g.find((x) => x.goal.startsWith('TLS throttled 2x'))!.measured).toMatch(/^1\/1/);
    expect(g.find((x) => x.goal.startsWith('delayed throttling (c)'))!.measured).toBe('1/1 (100.0%); wrongly no-difference in 0');
    expect(g.find((x) => x.goal.startsWith('intermittent throttling (k)'))!.measured).toBe('1/2 (50.0%); wrongly no-difference in 1');
    const without = goals([plain, delayed], all);
    expect(without.some((x) => x.goal.startsWith('intermittent'))).toBe(false);
    expect(without.some((x) => x.goal.startsWith('delayed'))).toBe(true);
  });
});

describe('TLS-only token buckets read apart within the 2x goal', () => {
  it('keeps buckets in the 2x goal and shows it without them beside it', () => {
    const cap = scenario('a-cap', false);
    const bucket: Scenario = { ...scenario('d-bucket', false), truth: { verdict: 'tls-throttled', rateMbps: 10, burstBytes: 2_000_000, factor: 5 } };
    const same = { ...found('d-bucket', 25), result: { ...found('d-bucket', 25).result!, verdict: 'no-difference' } } as RunRecord;
    const all = new Map([
      ['a-cap', [found('a-cap', 25), found('a-cap', 25)]],
      ['d-bucket', [found('d-bucket', 10), same]],
    ]);
    const g = goals([cap, bucket], all);
    const detect = g.find((x) => x.goal.startsWith('TLS throttled 2x'))!;
    expect([detect.measured, detect.met]).toEqual(['3/4 (75.0%)', false]);
    const apart = g.find((x) => x.goal.startsWith('TLS-only token buckets'))!;
    expect([apart.measured, apart.met]).toEqual(['1/2 (50.0%); the 2x line without them 2/2 (100.0%)', undefined]);
    expect(goals([cap], all).some((x) => x.goal.startsWith('TLS-only token buckets'))).toBe(false);
  });
});


describe('the 1.5x goal by the line each run had', () => {
  /** A 1.5x cap of a 60 Mbit/s line; `up`: on the upstream, which the drift leaves alone. */
  const cap = (id: string, up = false): Scenario => ({
    id,
    title: id,
    lineMbps: 60,
    diagnose: false,
    truth: { verdict: 'tls-throttled', rateMbps: 40, factor: 1.5 },
    fronts: {},
    ...(up ? { glasnostDirection: 'up' as const } : {}),
  });
  const run = (id: string, meanMbps: number, verdict: string): RunRecord => {
    const r = found(id, 40);
    return { ...r, result: { ...r.result!, verdict } as Result, line: { nominalMbps: 60, meanMbps, lowMbps: 48, highMbps: 60 } };
  };

  it("scales a download cap's factor by the line's mean over its nominal, and leaves upload caps and lines not recorded alone", () => {
    expect(effectiveFactor(cap('d'), run('d', 54, 'tls-throttled'))).toBeCloseTo(1.35, 10);
    expect(effectiveFactor(cap('u', true), run('u', 54, 'tls-throttled'))).toBe(1.5);
    expect(effectiveFactor(cap('d'), found('d', 40))).toBe(1.5);
    expect(effectiveFactor(scenario('no-factor', false), found('x', 25))).toBe(2);
    expect(effectiveFactor({ ...cap('n'), truth: { verdict: 'no-difference' } }, run('n', 54, 'no-difference'))).toBeUndefined();
  });

  it('keeps the goal on the scenarios\' factors and reads the same runs apart by band', () => {
    const s = cap('mild');
    // Effective 1.25x and 1.30x (missed, found), 1.40x (found), 1.50x (found).
    const all = new Map([['mild', [run('mild', 50, 'inconclusive'), run('mild', 52, 'tls-throttled'), run('mild', 56, 'tls-throttled'), run('mild', 60, 'tls-throttled')]]]);
    const g = goals([s], all);
    const goal = g.find((x) => x.goal.startsWith('TLS throttled 1.5x to 2x:'))!;
    expect(goal.measured).toBe('3/4 (75.0%)');
    expect(goal.met).toBe(false);
    const apart = g.find((x) => x.goal.startsWith('TLS throttled 1.5x to 2x, by the factor'))!;
    expect(apart.met).toBeUndefined();
    expect(apart.measured).toBe('under 1.35x 1/2; 1.35-1.45x 1/1; 1.45x or more 1/1 (effective factors 1.25-1.50x)');
  });
});

describe("the screening column reads the runner's rule", () => {
  /** A run whose screening pair read `ratios` round by round (HTTP at 40 Mbit/s, 1 MB transfers). */
  const run = (ratios: number[]): Result => {
    const transfer = (mbps: number) => ({ bytes: 1e6, ms: 8000 / mbps, mbps });
    return {
      verdict: 'tls-throttled',
      ratio: 1.5,
      comparisons: [{ id: 'screen', suspectLeg: 'tls', referenceLeg: 'plain' }],
      legs: [
        { id: 'tls', transfers: ratios.map((q) => transfer(40 / q)) },
        { id: 'plain', transfers: ratios.map(() => transfer(40)) },
      ],
      durationMs: 20_000,
      bytesUsed: 2e6 * ratios.length + 4e6,
    } as unknown as Result;
  };

  it('answers where repeated-rule.ts compareRepeated first answers, later than a single 95% interval would', () => {
    // A cap 1.5x below the line, read within a few percent each round but the third, which
    // cross traffic took from plain HTTP (1.0x).
    const ratios = Array.from({ length: 24 }, (_, i) => (i === 2 ? 1 : 1.5 * (1 + 0.03 * Math.sin(i * 2.1))));
    const rounds = run(ratios);
    const answer = screeningAnswer(rounds)!;
    expect([answer.comparison.outcome, answer.rounds, answer.of]).toEqual(['slower', 17, 24]);
    const pairs = ratios.map((q) => ({ suspectMbps: 40 / q, referenceMbps: 40 }));
    expect(compareRepeated('screen', 'tls', 'plain', pairs.slice(0, 16)).outcome).toBe('unclear');
    // The single 95% interval that the column once replayed (interval-rule.ts compareRounds)
    // clears the margin four rounds sooner.
    const firstAt = (k: number): boolean => compareRounds('screen', 'tls', 'plain', pairs.slice(0, k)).outcome !== 'unclear';
    expect([firstAt(12), firstAt(13)]).toEqual([false, true]);
    const cost = screeningCost(rounds)!;
    expect(cost.rounds).toBe(17);
    // Ramps (4 MB) and the two legs' first 17 rounds of 1 MB each.
    expect(cost.mb).toBeCloseTo(4 + 2 * 17, 6);
  });

  it('has no answer while the rounds straddle the margin', () => {
    const ratios = Array.from({ length: 12 }, (_, i) => (i % 2 ? 1.6 : 1.0));
    expect(screeningAnswer(run(ratios))).toBeUndefined();
    expect(screeningCost(run(ratios))).toBeUndefined();
  });
});
