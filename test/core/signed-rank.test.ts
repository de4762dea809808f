import { describe, expect, it } from 'vitest';
import { hodgesLehmann, signedRankPValue } from '../../src/core/signed-rank.js';

// Reference values from R 4.3: wilcox.test(x, conf.int = TRUE).
describe('signed-rank test', () => {
  it('gives the exact two-sided p-value for six positive differences (R: 0.03125)', () => {
    expect(signedRankPValue([1, 2, 3, 4, 5, 6])).toBeCloseTo(0.03125, 10);
  });

  it('gives p = 1 for differences balanced around zero', () => {
    expect(signedRankPValue([-3, -1, 1, 3])).toBe(1);
  });

  it('drops zero differences, and with all zeros has no evidence (p = 1)', () => {
    expect(signedRankPValue([0, 0, 0])).toBe(1);
    expect(signedRankPValue([0, 1, 2, 3, 4, 5, 6])).toBeCloseTo(0.03125, 10);
  });

  it('falls back to the normal approximation with ties (R, exact = FALSE: 0.1411)', () => {
    // x = c(0.1, -0.2, 0.3, 0.05, 0.7, -0.1, 0.2, 0.4): |0.1| and |0.2| tie.
    expect(signedRankPValue([0.1, -0.2, 0.3, 0.05, 0.7, -0.1, 0.2, 0.4])).toBeCloseTo(0.1411, 3);
  });

  it('handles a single value without claiming significance', () => {
    expect(signedRankPValue([5])).toBe(1);
  });
});

describe('Hodges-Lehmann interval', () => {
  it('is the median of Walsh averages with the exact interval (R: 3.5, [1, 6] at 96.9%)', () => {
    const hl = hodgesLehmann([1, 2, 3, 4, 5, 6]);
    expect(hl.estimate).toBe(3.5);
    expect([hl.lo, hl.hi]).toEqual([1, 6]);
    expect(hl.achievedLevel).toBeCloseTo(0.96875, 10);
  });

  it('matches R for ten values (estimate 0.55, interval [0.3, 0.8])', () => {
    // R: wilcox.test(c(0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0), conf.int=TRUE)
    const hl = hodgesLehmann([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]);
    expect(hl.estimate).toBeCloseTo(0.55, 10);
    expect(hl.lo).toBeCloseTo(0.3, 10);
    expect(hl.hi).toBeCloseTo(0.8, 10);
  });

  it('gives no interval below six values, since none reaches 95%', () => {
    const hl = hodgesLehmann([1, 2, 3, 4, 5]);
    expect(hl.estimate).toBe(3);
    expect(Number.isNaN(hl.lo) && Number.isNaN(hl.hi)).toBe(true);
  });

  it('collapses to the value when all values are equal', () => {
    const hl = hodgesLehmann([0.7, 0.7, 0.7, 0.7, 0.7, 0.7]);
    expect([hl.estimate, hl.lo, hl.hi]).toEqual([0.7, 0.7, 0.7]);
  });

  it('is empty-safe', () => {
    expect(Number.isNaN(hodgesLehmann([]).estimate)).toBe(true);
  });
});
