// Glasnost's rule as the WAN lab applies it (glasnost-rule.ts): the medians' ratio against the
// 25% margin, and a noisy test reported as inconclusive. No network: rates in, verdict out.
import { describe, expect, it } from 'vitest';
import { glasnostVerdict } from './glasnost-rule.js';

describe("Glasnost's rule", () => {
  it('finds TLS throttled when median HTTP is more than 1.25x median HTTPS', () => {
    const g = glasnostVerdict([47.2, 47.3, 47.3], [15.9, 15.8, 15.9]);
    expect(g.verdict).toBe('tls-throttled');
    expect(g.ratio).toBeCloseTo(47.3 / 15.9, 6);
  });

  it('finds plaintext throttled when median HTTP is under 0.8x median HTTPS', () => {
    expect(glasnostVerdict([10, 10, 10], [20, 20, 20]).verdict).toBe('plaintext-throttled');
  });

  it('says no difference inside the margin, at its edge too (1.25x is not above 1.25x)', () => {
    expect(glasnostVerdict([44, 44.1, 44], [46.3, 44.4, 45.5]).verdict).toBe('no-difference');
    expect(glasnostVerdict([12.5, 12.5, 12.5], [10, 10, 10]).verdict).toBe('no-difference');
  });

  it("is inconclusive when a scheme's fastest flow is more than 25% above its median", () => {
    const g = glasnostVerdict([246.5, 238, 323.3], [182.4, 181.3, 175.2]);
    expect(g.noisy).toBe(true);
    expect(g.verdict).toBe('inconclusive');
  });

  it('fails when a scheme carried nothing (no ratio to read)', () => {
    expect(glasnostVerdict([10, 10, 10], [0, 0, 0]).verdict).toBe('failed');
  });
});
