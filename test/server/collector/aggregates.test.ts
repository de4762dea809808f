import { describe, expect, it } from 'vitest';
import { aggregate, spanStart, windowStart } from '../../../src/server/collector/aggregates.js';
import type { DayCount } from '../../../src/server/collector/store.js';

const net = { asn: 64501, network: 'Example Net A', country: 'CA' };
const day = (d: string, verdict: DayCount['verdict'], count: number, n = net): DayCount => ({ day: d, ...n, verdict, count });

describe('windows', () => {
  it('starts a week on Monday (ISO 8601), for a Sunday too', () => {
    expect([windowStart('2026-11-23', 'week', ''), windowStart('2026-11-29', 'week', ''), windowStart('2026-11-30', 'week', '')]).toEqual(['2026-11-23', '2026-11-23', '2026-11-30']);
  });

  it('starts a week across a year boundary in the old year', () => {
    expect(windowStart('2027-01-01', 'week', '')).toBe('2026-12-28');
  });

  it('starts a month on its first day', () => {
    expect(windowStart('2026-02-28', 'month', '')).toBe('2026-02-01');
  });

  it('widens the span to whole windows', () => {
    const now = Date.parse('2026-11-26T12:00:00Z'); // a Thursday
    expect([spanStart(now, 'day', 3), spanStart(now, 'week', 3), spanStart(now, 'month', 3), spanStart(now, 'all', 3)]).toEqual(['2026-11-24', '2026-11-23', '2026-11-01', '2026-11-24']);
  });
});

describe('aggregate', () => {
  it('publishes a group of exactly 5 reports and leaves out one of 4', () => {
    const other = { asn: 64502, network: 'B', country: 'DE' };
    const groups = aggregate([day('2026-11-24', 'no-difference', 5), day('2026-11-24', 'tls-throttled', 4, other)], 'day', '2026-11-01');
    expect(groups.map((g) => [g.asn, g.reports])).toEqual([[64501, 5]]);
  });

  it('adds the days of a week together before applying the threshold', () => {
    const groups = aggregate([day('2026-11-23', 'tls-throttled', 2), day('2026-11-25', 'tls-throttled', 1), day('2026-11-29', 'no-difference', 3)], 'week', '2026-11-01');
    expect(groups).toHaveLength(1);
    expect(groups[0]!.verdicts['tls-throttled']).toEqual({ count: 3, share: 0.5 });
  });

  it('keeps the same network in two countries apart', () => {
    const groups = aggregate([day('2026-11-24', 'no-difference', 5), day('2026-11-24', 'no-difference', 6, { ...net, country: 'US' })], 'all', '2026-11-01');
    expect(groups.map((g) => g.country)).toEqual(['US', 'CA']);
  });

  it('rounds shares to three decimals', () => {
    const groups = aggregate([day('2026-11-24', 'tls-throttled', 1), day('2026-11-24', 'no-difference', 5)], 'all', '2026-11-01');
    expect(groups[0]!.verdicts['tls-throttled'].share).toBe(0.167);
  });

  it('ignores days before the span', () => {
    expect(aggregate([day('2026-10-31', 'no-difference', 50)], 'all', '2026-11-01')).toEqual([]);
  });

  it('lists the newest window first, the busiest network first within it', () => {
    const other = { asn: 64502, network: 'B', country: 'DE' };
    const groups = aggregate([day('2026-11-16', 'no-difference', 9), day('2026-11-23', 'no-difference', 5), day('2026-11-23', 'no-difference', 7, other)], 'week', '2026-11-01');
    expect(groups.map((g) => [g.windowStart, g.asn])).toEqual([['2026-11-23', 64502], ['2026-11-23', 64501], ['2026-11-16', 64501]]);
  });
});
