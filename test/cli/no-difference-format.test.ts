// What a person reads after a "no difference": the same speed only where the estimate is near
// 1; one that leaned a tenth or more says which way (core/margin.ts). The figures are the
// throttle lab's fresh draw (bench/accuracy-2026-12-04-0625-fresh-draw-31337.txt, fd-11).
import { describe, expect, it } from 'vitest';
import { headline } from '../../src/cli/format.js';
import type { Result } from '../../src/core/types.js';

const noDifference = (ratio: number, ci95: [number, number]): Result => ({
  verdict: 'no-difference',
  ratio,
  ci95,
  pValue: 0.2,
  rounds: 25,
  bytesUsed: 58.9e6,
  durationMs: 20_600,
  endpoint: 'https://10.77.0.1',
  legs: [],
  comparisons: [],
  warnings: [],
});

describe('headline of a no-difference', () => {
  it('says the same speed where the estimate is near 1', () => {
    expect(headline(noDifference(1.02, [0.97, 1.06]))).toBe(
      'NO DIFFERENCE: encrypted and plain traffic ran at the same speed within 25% (ratio 1.02x, 95% CI 0.97x-1.06x)',
    );
  });

  it('says TLS was slower, within the margin, when it leaned a tenth or more that way', () => {
    expect(headline(noDifference(1.2134, [0.936, 1.238]))).toBe(
      'NO DIFFERENCE: encrypted traffic was 1.21x slower than plain traffic, within the 25% this test counts as the same speed (95% CI 0.94x-1.24x); a slight limit on encrypted traffic and a line\'s ups and downs look alike at that size',
    );
  });

  it('says TLS was faster, turned round, when it leaned a tenth or more the other way', () => {
    expect(headline(noDifference(0.87, [0.82, 0.95]))).toBe(
      'NO DIFFERENCE: encrypted traffic was 1.15x faster than plain traffic, within the 25% this test counts as the same speed (ratio 0.87x, 95% CI 0.82x-0.95x)',
    );
  });
});
