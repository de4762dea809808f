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
    const c = compareRounds('screen', 'a', 'b', rounds([[25, 50], [24, 50], [26, 51], [25, 49], [25, 50], [24, 52]]));
    expect(c.outcome).toBe('slower');
    expect(c.ratio).toBeCloseTo(2, 1);
    expect(c.ci95[0]).toBeGreaterThan(1.25);
  });

  it('calls the suspect faster when it is the reference that is slowed', () => {
    expect(compareRounds('screen', 'a', 'b', repeat(6, 50, 10)).outcome).toBe('faster');
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
    const c = compareRounds('screen', 'a', 'b', [...repeat(6, 25, 50), ...rounds([[0, 50], [25, 0]])]);
    expect(c.rounds).toBe(6);
    expect(c.outcome).toBe('slower');
  });

  it('calls identical speeds the same (all log ratios equal to zero)', () => {
    const c = compareRounds('screen', 'a', 'b', repeat(6, 50, 50));
    expect(c.outcome).toBe('same');
    expect(c.ci95).toEqual([1, 1]);
  });

  it('honours a custom margin', () => {
    const r = rounds([[44, 50], [45, 50], [44, 51], [43, 50], [44, 49], [44, 50]]);
    expect(compareRounds('screen', 'a', 'b', r).outcome).toBe('same');
    expect(compareRounds('screen', 'a', 'b', r, { marginRatio: 1.1 }).outcome).toBe('slower');
  });
});
