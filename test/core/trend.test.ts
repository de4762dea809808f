import { describe, expect, it } from 'vitest';
import { risingTrendPValue } from '../../src/core/trend.js';

// Kendall's trend test (src/core/trend.ts), against values worked by hand and by enumeration.
describe('risingTrendPValue', () => {
  it('gives a strictly rising series of n values 1/n!', () => {
    expect(risingTrendPValue([1, 2, 3])).toBeCloseTo(1 / 6, 12);
    expect(risingTrendPValue([8.1, 8.4, 10.2, 11.5, 15.8, 16.9])).toBeCloseTo(1 / 720, 12);
  });

  it('counts the orderings with no more inversions: one inversion among 4 values is 4 of 24', () => {
    // Mahonian numbers for n = 4: 1, 3, 5, 6, 5, 3, 1.
    expect(risingTrendPValue([1, 3, 2, 4])).toBeCloseTo(4 / 24, 12);
    expect(risingTrendPValue([4, 3, 2, 1])).toBeCloseTo(1, 12);
  });

  it('agrees with enumerating every ordering of 7 values', () => {
    const xs = [5, 1, 7, 3, 6, 2, 4];
    const inv = (a: number[]) => a.reduce((s, x, i) => s + a.slice(i + 1).filter((y) => x > y).length, 0);
    const observed = inv(xs);
    let atMost = 0;
    let all = 0;
    const permute = (rest: number[], acc: number[]): void => {
      if (!rest.length) {
        all++;
        if (inv(acc) <= observed) atMost++;
        return;
      }
      rest.forEach((x, i) => permute([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, x]));
    };
    permute(xs, []);
    expect(risingTrendPValue(xs)).toBeCloseTo(atMost / all, 12);
  });

  it('stays a probability for the longest runs, and gives noise no trend', () => {
    let seed = 1;
    const noise = Array.from({ length: 48 }, () => ((seed = (seed * 48271) % 2147483647) / 2147483647));
    const p = risingTrendPValue(noise);
    expect(p).toBeGreaterThan(0.05);
    expect(p).toBeLessThanOrEqual(1);
    expect(risingTrendPValue(noise.map((x, i) => x + i))).toBeLessThan(1e-6);
    expect(risingTrendPValue([2])).toBe(1);
  });
});
