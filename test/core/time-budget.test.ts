import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMIT_MS, extendedDurationMs, PLANNED_DURATION_MS, runDurations } from '../../src/core/time-budget.js';

describe('the time a run plans for and may grow to', () => {
  it('plans a minute within the default two-minute limit, and the whole limit when it is shorter', () => {
    expect(runDurations(DEFAULT_LIMIT_MS)).toEqual({ maxDurationMs: PLANNED_DURATION_MS, capDurationMs: DEFAULT_LIMIT_MS });
    expect(runDurations(30_000)).toEqual({ maxDurationMs: 30_000, capDurationMs: 30_000 });
    expect(runDurations(300_000)).toEqual({ maxDurationMs: 60_000, capDurationMs: 300_000 });
  });

  it('grows by what the open rounds cost, and no further than the cap', () => {
    const base = { elapsedMs: 58_000, maxDurationMs: 60_000, capDurationMs: 120_000, roundMs: 3_000 };
    expect(extendedDurationMs({ ...base, rounds: 4 })).toBe(70_000);
    expect(extendedDurationMs({ ...base, rounds: 40 })).toBe(120_000);
    // Never below the time already planned.
    expect(extendedDurationMs({ ...base, elapsedMs: 10_000, rounds: 1 })).toBe(60_000);
  });

  it('does not grow without an estimate of the rounds', () => {
    const base = { elapsedMs: 58_000, maxDurationMs: 60_000, capDurationMs: 120_000, roundMs: 3_000 };
    expect(extendedDurationMs({ ...base, rounds: Infinity })).toBeUndefined();
    expect(extendedDurationMs({ ...base, rounds: 0 })).toBeUndefined();
    expect(extendedDurationMs({ ...base, roundMs: 0, rounds: 3 })).toBeUndefined();
  });
});
