import { describe, expect, it } from 'vitest';
import { compareRounds, MIN_ROUNDS } from '../../src/core/compare.js';

const rounds = (pairs: Array<[number, number]>) => pairs.map(([suspectMbps, referenceMbps]) => ({ suspectMbps, referenceMbps }));
const repeat = (n: number, s: number, r: number) => rounds(Array.from({ length: n }, () => [s, r]));

describe('compareRounds', () => {
  it('calls equal speeds the same', () => {
    const c = compareRounds('screen', 'a', 'b', rounds([[50, 51], [49, 50], [52, 50], [50, 49], [51, 52], [50, 50]]));
    expect(c.outcome).toBe('same');
    expect(c.ratio).toBeCloseTo(1, 1);
  });

  it('calls a steady 2x slowdown slower, with the interval above the margin', () => {
    const c = compareRounds('screen', 'a', 'b', rounds([[25, 50], [24, 50], [26, 51], [25, 49], [25, 50], [24, 52], [25, 50]]));
    expect(c.outcome).toBe('slower');
    expect(c.ratio).toBeCloseTo(2, 1);
    expect(c.ci95[0]).toBeGreaterThan(1.25);
  });

  it('calls the suspect faster when it is the reference that is slowed', () => {
    expect(compareRounds('screen', 'a', 'b', repeat(7, 50, 10)).outcome).toBe('faster');
  });

  it('leaves a 1.3x difference with noise unclear: the interval straddles the margin', () => {
    const c = compareRounds('screen', 'a', 'b', rounds([[40, 50], [30, 52], [45, 49], [35, 55], [42, 47], [33, 50]]));
    expect(c.outcome).toBe('unclear');
    expect(c.ci95[0]).toBeLessThan(1.25);
    expect(c.ci95[1]).toBeGreaterThan(1.25);
  });

  it('does not decide on fewer than MIN_ROUNDS rounds, however clear', () => {
    const c = compareRounds('screen', 'a', 'b', repeat(MIN_ROUNDS - 1, 10, 50));
    expect(c.outcome).toBe('unclear');
    expect(c.ratio).toBeCloseTo(5, 5);
  });

  it('treats a single round as no evidence', () => {
    const c = compareRounds('screen', 'a', 'b', repeat(1, 10, 50));
    expect(c.outcome).toBe('unclear');
    expect(c.pValue).toBe(1);
  });

  it('ignores rounds with a zero on either side rather than dividing by it', () => {
    const c = compareRounds('screen', 'a', 'b', [...repeat(7, 25, 50), ...rounds([[0, 50], [25, 0]])]);
    expect(c.rounds).toBe(7);
    expect(c.outcome).toBe('slower');
  });

  it('calls identical speeds the same (all log ratios equal to zero)', () => {
    const c = compareRounds('screen', 'a', 'b', repeat(6, 50, 50));
    expect(c.outcome).toBe('same');
    expect(c.ci95).toEqual([1, 1]);
  });

  it('honours a custom margin', () => {
    const r = rounds([[44, 50], [45, 50], [44, 51], [43, 50], [44, 49], [44, 50], [45, 51]]);
    expect(compareRounds('screen', 'a', 'b', r).outcome).toBe('same');
    expect(compareRounds('screen', 'a', 'b', r, { marginRatio: 1.1 }).outcome).toBe('slower');
  });

  it('finds a difference only when it holds at two looks in a row', () => {
    const first = compareRounds('screen', 'a', 'b', repeat(MIN_ROUNDS, 10, 50));
    expect(first.outcome).toBe('unclear');
    expect(first.pendingRound).toBe(true);
    expect(first.ci95[0]).toBeGreaterThan(1.25);
    expect(compareRounds('screen', 'a', 'b', repeat(MIN_ROUNDS + 1, 10, 50)).outcome).toBe('slower');
    // A run of equal rounds that one lopsided round tips over the margin is not yet a finding.
    const tipped = compareRounds('screen', 'a', 'b', [...repeat(3, 20, 50), ...repeat(3, 50, 50), ...rounds([[20, 50]])]);
    expect(tipped.outcome).not.toBe('slower');
  });
});

// Per round HTTPS / HTTP Mbit/s as the lab measured them: HTTPS capped at 24 of a 50 Mbit/s
// line, HTTP at 41-48 while the line was free and at 13-20 while cross traffic shared it.
const capUnderCrossTraffic = rounds([
  [24, 39], [24, 14], [24, 14], [24, 14], [24, 43], [24, 43], [24, 46], [24, 48], [24, 47], [24, 48],
  [24, 48], [24, 39], [24, 24], [24, 19], [24, 20], [24, 48],
]);

describe('compareRounds on a line that cross traffic fills at times', () => {
  it('finds a rate cap in the less busy rounds when all rounds together straddle the margin', () => {
    const c = compareRounds('screen', 'a', 'b', capUnderCrossTraffic);
    expect(c.outcome).toBe('slower');
    expect(c.busyRoundsLeftOut).toBe(8);
    expect(c.rounds).toBe(8);
    expect(c.ratio).toBeGreaterThan(1.8);
    expect(c.ratio).toBeLessThan(2.1);
    // The same rounds without the second look: the interval reaches below the margin.
    const allRounds = compareRounds('screen', 'a', 'b', capUnderCrossTraffic.slice(0, 8));
    expect(allRounds.busyRoundsLeftOut).toBeUndefined();
  });

  it('does not find one when which leg was faster in the quiet rounds is a coin toss', () => {
    // Unshaped: each leg in turn meets the cross traffic, so the quiet rounds lean both ways.
    const coin = rounds([
      [48, 20], [20, 48], [47, 46], [19, 47], [48, 18], [46, 48], [20, 19], [48, 21],
      [21, 48], [18, 20], [47, 48], [48, 19], [20, 47], [19, 18], [48, 47], [21, 46],
    ]);
    const c = compareRounds('screen', 'a', 'b', coin);
    expect(c.outcome).toBe('unclear');
    expect(c.busyRoundsLeftOut).toBeUndefined();
  });

  it('never lets the quiet rounds overturn the side the whole run leans to', () => {
    // Nine quiet rounds at 2x, but fifteen busy ones in which the suspect was the faster.
    const mixed = [...repeat(9, 24, 48), ...repeat(15, 24, 10)];
    const c = compareRounds('screen', 'a', 'b', mixed);
    expect(c.ratio).toBeLessThan(1);
    expect(c.outcome).not.toBe('slower');
    expect(c.busyRoundsLeftOut).toBeUndefined();
  });

  it('withholds "same" while the less busy rounds lean past the margin', () => {
    // The lab's run that said no-difference: HTTP free in only 7 of 17 rounds.
    const https = [23.9, 24, 24, 24, 24.2, 23.9, 23.9, 24, 23.9, 23.9, 23.9, 23.9, 24.3, 23.2, 23.9, 23.9, 23.9];
    const http = [11.3, 13.2, 13.1, 39.6, 39.8, 40.6, 18.8, 19.4, 19.3, 19.4, 19.3, 19.4, 21.9, 41.5, 41.4, 41.8, 41.7];
    const c = compareRounds('screen', 'a', 'b', https.map((suspectMbps, i) => ({ suspectMbps, referenceMbps: http[i]! })));
    expect(c.outcome).toBe('unclear');
    expect(c.ci95[0]).toBeGreaterThan(0.8);
    expect(c.ci95[1]).toBeLessThan(1.25);
    expect(c.lessBusyLean?.ratio).toBeGreaterThan(1.25);
  });

  it('still calls a small steady difference (TLS framing, say) the same', () => {
    const c = compareRounds('screen', 'a', 'b', Array.from({ length: 16 }, (_, i) => ({ suspectMbps: 45 + (i % 3), referenceMbps: 47 + (i % 4) })));
    expect(c.outcome).toBe('same');
    expect(c.lessBusyLean).toBeUndefined();
  });
});
