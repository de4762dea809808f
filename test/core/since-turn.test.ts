// Rule 4t (src/core/since-turn.ts roundsSinceTurn): the rounds after a turn, tested apart.
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/core/decision.js';
import type { PairedRound } from '../../src/core/paired-rounds.js';
import { compareRepeated } from '../../src/core/repeated-rule.js';
import { roundsSinceTurn } from '../../src/core/since-turn.js';
import type { PairSpec } from '../../src/core/plan.js';

/** The throttle lab's tbf run: HTTPS at the line's rate while the references kept the bucket full, then held after a burst. */
function bucketRun(beforeRounds: number, afterRounds: number, burst = true): PairedRound[] {
  const wobble = (i: number) => 1 + 0.04 * Math.sin(i * 1.7);
  const before = Array.from({ length: beforeRounds }, (_, i) => ({ suspectMbps: 48 * wobble(i), referenceMbps: 47 * wobble(i + 3) }));
  // The plain leg shares the line with on/off cross traffic: 20-45 Mbit/s.
  const after = Array.from({ length: afterRounds }, (_, i) => ({
    suspectMbps: 9.5 * wobble(i),
    referenceMbps: i % 3 === 0 ? 21 : 43 * wobble(i + 1),
    ...(burst ? { suspectBurst: true } : {}),
  }));
  return [...before, ...after];
}

describe('rule 4t: the rounds since a turn', () => {
  it('finds a bucket that ran dry mid-run, where the interval over all rounds straddles the margin', () => {
    const rounds = bucketRun(13, 14);
    const c = compareRepeated('screen', 'https-443-down-random', 'http-80-down-random', rounds);
    expect(c.outcome).toBe('slower');
    // Tested on the 12 rounds after the two that made the turn, and reported so.
    expect(c.roundsBeforeTurn).toBe(15);
    expect(c.rounds).toBe(12);
    expect(c.ratio).toBeGreaterThan(2.5);
    expect(c.ci95[0]).toBeGreaterThan(1.25);
  });

  it('needs a burst: a level that merely changed is left to the interval over all rounds', () => {
    const rounds = bucketRun(13, 14, false);
    expect(roundsSinceTurn(rounds)).toBeUndefined();
    expect(compareRepeated('screen', 's', 'r', rounds).outcome).toBe('unclear');
  });

  it('tests only the rounds after the turn: two noisy rounds that turned and then ran alike find nothing', () => {
    const alike = Array.from({ length: 20 }, (_, i) => ({ suspectMbps: 30 + (i % 4), referenceMbps: 30 + ((i + 2) % 4) }));
    const rounds = [...alike.slice(0, 5), { suspectMbps: 10, referenceMbps: 30, suspectBurst: true }, { suspectMbps: 12, referenceMbps: 31 }, ...alike.slice(5)];
    expect(roundsSinceTurn(rounds)?.before).toBe(7);
    expect(compareRepeated('screen', 's', 'r', rounds).outcome).not.toBe('slower');
  });

  it('says in the verdict that the difference is that of the rounds after the turn', () => {
    const c = compareRepeated('screen', 'https-443-down-random', 'http-80-down-random', bucketRun(13, 14));
    const tls = { id: 'https-443-down-random', scheme: 'https', port: 443, direction: 'down', payload: 'random' } as const;
    const plain = { id: 'http-80-down-random', scheme: 'http', port: 80, direction: 'down', payload: 'random' } as const;
    const screening: PairSpec = { id: 'screen', suspect: tls, reference: plain };
    const d = decide({ comparisons: [c], screening, legs: new Map(), capacities: { clientTlsMbps: 0 } });
    expect(d.verdict).toBe('tls-throttled');
    expect(d.notes).toContainEqual({ code: 'since-turn', rounds: 12, roundsBefore: 15 });
  });
});
