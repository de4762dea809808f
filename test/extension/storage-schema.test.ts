import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  HISTORY_CAP,
  MAX_STORED_TEXT_CHARS,
  monthOf,
  readActiveRun,
  readHistory,
  readSettings,
  readUsage,
} from '../../src/extension/shared/storage-schema.js';
import { chromeClone } from './fakes.js';
import { entry, failedResult } from './sample-result.js';

const viaChromeStorage = chromeClone;

describe('readSettings', () => {
  it('gives the defaults when nothing is stored', () => {
    expect(readSettings(undefined)).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS.schedule).toBe('off');
    expect(DEFAULT_SETTINGS.allowMetered).toBe(false);
  });

  it('replaces only the field that does not fit, keeping the others', () => {
    const s = readSettings({ schedule: 'every-minute', monthlyBudgetMb: 500, allowMetered: 'yes' });
    expect(s.schedule).toBe('off');
    expect(s.monthlyBudgetMb).toBe(500);
    expect(s.allowMetered).toBe(false);
  });

  it('refuses a budget below 1 MB', () => {
    expect(readSettings({ monthlyBudgetMb: 0 }).monthlyBudgetMb).toBe(DEFAULT_SETTINGS.monthlyBudgetMb);
  });
});

describe('readHistory', () => {
  it('drops an entry that does not fit and keeps the rest', () => {
    const good = entry(1);
    const bad = { ...entry(2), trigger: 'by-magic' };
    const history = readHistory(viaChromeStorage([good, bad, entry(3)]));
    expect(history.map((e) => e.id)).toEqual(['run-1', 'run-3']);
  });

  it('reads a failed run back after Chrome storage turned its NaNs into null and missing keys', () => {
    const stored = viaChromeStorage([entry(1, failedResult())]) as { result: Record<string, unknown> }[];
    expect(stored[0]!.result.ratio).toBeUndefined();
    expect(stored[0]!.result.ci95).toEqual([null, null]);
    const [e] = readHistory(stored);
    expect(e!.result.verdict).toBe('failed');
    expect(e!.result.ratio).toBeNaN();
    expect(e!.result.ci95[0]).toBeNaN();
  });

  it('reads a failed run back from Firefox storage, which keeps NaN as it is', () => {
    const [e] = readHistory(structuredClone([entry(1, failedResult())]));
    expect(e!.result.verdict).toBe('failed');
    expect(e!.result.pValue).toBeNaN();
  });

  it(`keeps only the newest ${HISTORY_CAP} entries`, () => {
    const history = readHistory(Array.from({ length: HISTORY_CAP + 3 }, (_, i) => entry(i)));
    expect(history).toHaveLength(HISTORY_CAP);
    expect(history[0]!.id).toBe('run-3');
  });

  it('caps, as it reads them, the error and warnings of entries stored before the cap', () => {
    const old = { ...entry(1), result: { ...failedResult(`e\x07${'y'.repeat(20_000)}`), warnings: [`\u202ew${'z'.repeat(20_000)}`] } };
    const [e] = readHistory(viaChromeStorage([old]));
    expect(e!.result.error?.detail).toHaveLength(MAX_STORED_TEXT_CHARS);
    expect(e!.result.error!.detail.startsWith('eyyy')).toBe(true);
    const w = e!.result.warnings[0] as { code: 'text'; text: string };
    expect(w.code).toBe('text');
    expect(w.text).toHaveLength(MAX_STORED_TEXT_CHARS);
    expect(w.text.startsWith('wzzz')).toBe(true);
  });

  it('reads anything but an array as an empty history', () => {
    expect(readHistory({ 0: entry(1) })).toEqual([]);
  });

  it('keeps fields a newer version added to a Result', () => {
    const e = entry(1);
    const [read] = readHistory(viaChromeStorage([{ ...e, result: { ...e.result, reportId: 'r-1' } }]));
    expect((read!.result as unknown as { reportId: string }).reportId).toBe('r-1');
  });
});

describe('readUsage', () => {
  it('starts a new month at zero', () => {
    expect(readUsage({ month: '2026-10', bytes: 5e8 }, '2026-11')).toEqual({ month: '2026-11', bytes: 0 });
  });

  it('keeps the count within the month', () => {
    expect(readUsage({ month: '2026-11', bytes: 5e8 }, '2026-11').bytes).toBe(5e8);
  });

  it('names months in UTC', () => {
    expect(monthOf(Date.UTC(2026, 10, 30, 23, 59))).toBe('2026-11');
  });
});

describe('readActiveRun', () => {
  it('reads nothing from a partial record', () => {
    expect(readActiveRun({ runId: 'x' })).toBeUndefined();
  });
});
