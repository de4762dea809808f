// The line's rate over a run (line-timeline.ts): what a drifting line averaged while a run measured.
import { describe, expect, it } from 'vitest';
import { LineTimeline } from './line-timeline.js';

describe('LineTimeline', () => {
  it('weighs each rate by how long it held within the span', () => {
    const t = new LineTimeline(50, 1_000);
    t.set(3_000, 40);
    t.set(5_000, 45);
    // 1000-3000 at 50, 3000-5000 at 40, 5000-7000 at 45.
    expect(t.over(1_000, 7_000)).toEqual({ nominalMbps: 50, meanMbps: 45, lowMbps: 40, highMbps: 50 });
    // Only what falls inside: 2000-3000 at 50, 3000-4000 at 40.
    expect(t.over(2_000, 4_000)).toEqual({ nominalMbps: 50, meanMbps: 45, lowMbps: 40, highMbps: 50 });
    // Wholly after the last step: that step's rate.
    expect(t.over(6_000, 9_000)).toEqual({ nominalMbps: 50, meanMbps: 45, lowMbps: 45, highMbps: 45 });
  });

  it('reads a line that never drifted as its nominal rate, and the nominal rate before the first step', () => {
    expect(new LineTimeline(63, 0).over(10, 20)).toEqual({ nominalMbps: 63, meanMbps: 63, lowMbps: 63, highMbps: 63 });
    const t = new LineTimeline(20, 1_000);
    t.set(1_500, 16);
    expect(t.over(500, 2_500).meanMbps).toBeCloseTo((20 * 1_000 + 16 * 1_000) / 2_000, 10);
  });

  it('refuses steps out of order, rates that are no rate, and empty spans', () => {
    const t = new LineTimeline(50, 1_000);
    t.set(2_000, 45);
    expect(() => t.set(1_500, 40)).toThrow(/before the last one/);
    expect(() => t.set(3_000, 0)).toThrow(/bad step/);
    expect(() => t.set(3_000, Number.NaN)).toThrow(/bad step/);
    expect(() => t.over(2_000, 2_000)).toThrow(/empty span/);
  });
});
