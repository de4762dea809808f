import { describe, expect, it } from 'vitest';
import { checkReportHour, checkVerdictFigures } from '../../../src/server/collector/report-rules.js';

const NOW = Date.parse('2026-11-24T10:30:00Z');
const figures = (verdict: Parameters<typeof checkVerdictFigures>[0]['verdict'], ratio: number | null, ci95: [number, number] | null) =>
  checkVerdictFigures({ verdict, ratio, ci95 });

describe('report hour', () => {
  it('accepts the current hour', () => {
    expect(checkReportHour('2026-11-24T10:00:00Z', NOW)).toEqual({ ok: true });
  });

  it('refuses an hour of zeros, which the schema pattern lets through', () => {
    expect(checkReportHour('0000-00-00T00:00:00Z', NOW)).toEqual({ ok: false, message: "the report's hour 0000-00-00T00:00:00Z is not a real hour" });
  });

  it('refuses a day that does not exist in its month and an hour past 23', () => {
    expect(checkReportHour('2026-02-30T10:00:00Z', NOW).ok).toBe(false);
    expect(checkReportHour('2026-11-24T24:00:00Z', NOW).ok).toBe(false);
  });

  it('accepts up to an hour ahead and refuses two', () => {
    expect(checkReportHour('2026-11-24T11:00:00Z', NOW).ok).toBe(true);
    expect(checkReportHour('2026-11-24T12:00:00Z', NOW)).toEqual({ ok: false, message: "the report's hour 2026-11-24T12:00:00Z is in the future" });
  });

  it('refuses an hour more than 30 days old', () => {
    expect(checkReportHour('2026-10-25T11:00:00Z', NOW).ok).toBe(true);
    expect(checkReportHour('2026-10-25T10:00:00Z', NOW).ok).toBe(false);
  });
});

describe('verdict against its own figures', () => {
  it('accepts tls-throttled with its interval above the 1.25 margin, a bound equal to it included (rounding)', () => {
    expect(figures('tls-throttled', 2.04, [1.81, 2.31]).ok).toBe(true);
    expect(figures('tls-throttled', 1.4, [1.25, 1.6]).ok).toBe(true);
  });

  it('refuses tls-throttled at ratio 1.02', () => {
    expect(figures('tls-throttled', 1.02, [0.95, 1.1])).toEqual({
      ok: false,
      message: 'the verdict tls-throttled needs an interval wholly above 1.25, and the report\'s figures are ratio 1.02, interval 0.95-1.1',
    });
  });

  it('refuses tls-throttled whose interval straddles the margin', () => {
    expect(figures('tls-throttled', 1.5, [1.2, 1.9]).ok).toBe(false);
  });

  it('accepts plaintext-throttled below 0.8 and refuses it above', () => {
    expect(figures('plaintext-throttled', 0.5, [0.4, 0.6]).ok).toBe(true);
    expect(figures('plaintext-throttled', 0.85, [0.7, 0.95]).ok).toBe(false);
  });

  it('accepts no-difference inside 0.8-1.25 and refuses it outside', () => {
    expect(figures('no-difference', 1.02, [0.94, 1.11]).ok).toBe(true);
    expect(figures('no-difference', 2.04, [1.81, 2.31]).ok).toBe(false);
  });

  it('refuses a ratio outside its own interval', () => {
    expect(figures('tls-throttled', 3, [1.5, 2]).ok).toBe(false);
  });

  it('refuses a finding without figures', () => {
    expect(figures('tls-throttled', null, null)).toEqual({ ok: false, message: 'a tls-throttled report needs a ratio and an interval' });
  });

  it('lets inconclusive, interfered and failed carry any figures or none', () => {
    expect([figures('inconclusive', 3, [2, 4]).ok, figures('interfered', 1, [0.9, 1.1]).ok, figures('failed', null, null).ok]).toEqual([true, true, true]);
  });
});
