import { describe, expect, it } from 'vitest';
import { JITTER_SHARE, PERIOD_MS, nextCheckAt, skipReason, type SkipInputs } from '../../src/extension/background/schedule.js';
import { DEFAULT_SETTINGS } from '../../src/extension/shared/storage-schema.js';

const NOW = 1_790_000_000_000;

describe('nextCheckAt', () => {
  it('schedules nothing when checks are off', () => {
    expect(nextCheckAt('off', NOW, () => 0.5)).toBeUndefined();
  });

  it('adds a whole period with no jitter drawn', () => {
    expect(nextCheckAt('daily', NOW, () => 0)).toBe(NOW + PERIOD_MS.daily);
  });

  it(`adds at most ${JITTER_SHARE * 100}% of the period as jitter`, () => {
    expect(nextCheckAt('every-6-hours', NOW, () => 0.999999)! - NOW).toBeLessThanOrEqual(PERIOD_MS['every-6-hours'] * (1 + JITTER_SHARE));
    expect(nextCheckAt('every-6-hours', NOW, () => 0.5)).toBe(NOW + PERIOD_MS['every-6-hours'] * 1.05);
  });
});

describe('skipReason', () => {
  const base: SkipInputs = {
    settings: { ...DEFAULT_SETTINGS, schedule: 'daily', monthlyBudgetMb: 1000, runBudgetMb: 60 },
    network: { online: true, metered: false, saveData: false },
    usage: { month: '2026-11', bytes: 0 },
    running: false,
  };

  it('lets a check run on an unmetered connection within budget', () => {
    expect(skipReason(base)).toBeUndefined();
  });

  it('skips when the browser is offline', () => {
    expect(skipReason({ ...base, network: { ...base.network, online: false } })).toBe('the browser was offline');
  });

  it('skips on a metered connection unless the user allowed it', () => {
    const metered = { ...base, network: { ...base.network, metered: true } };
    expect(skipReason(metered)).toMatch(/metered or cellular/);
    expect(skipReason({ ...metered, settings: { ...metered.settings, allowMetered: true } })).toBeUndefined();
  });

  it('skips when the connection asks to save data', () => {
    expect(skipReason({ ...base, network: { ...base.network, saveData: true } })).toMatch(/Save-Data/);
  });

  it('skips when one more test could overrun the monthly budget, saying by how much', () => {
    const reason = skipReason({ ...base, usage: { month: '2026-11', bytes: 950e6 } });
    expect(reason).toBe('the monthly data budget is spent: 950 of 1000 MB used in 2026-11, and a test may use up to 60 MB');
  });

  it('runs when exactly one more test fits the budget', () => {
    expect(skipReason({ ...base, usage: { month: '2026-11', bytes: 940e6 } })).toBeUndefined();
  });

  it('skips while a test is already running', () => {
    expect(skipReason({ ...base, running: true })).toBe('a test was already running');
  });
});
