// Per-network aggregates (GET /v1/aggregates): counts and shares of each verdict, per ASN and
// country, per time window. A group with fewer than MIN_GROUP_REPORTS reports is left out, so
// that no published figure rests on one or two people's tests (the same rule of thumb as
// small-cell suppression in official statistics). Stores count per day; windows are rolled up
// here, so both databases share one definition of a week.
import { VERDICTS, type Verdict } from '../../core/types.js';
import type { DayCount } from './store.js';

export const MIN_GROUP_REPORTS = 5;
export const WINDOWS = ['day', 'week', 'month', 'all'] as const;
export type WindowKind = (typeof WINDOWS)[number];
export const DEFAULT_SPAN_DAYS = 90;
export const MAX_SPAN_DAYS = 3660;

export interface VerdictShare {
  count: number;
  /** count / reports, rounded to 3 decimals. */
  share: number;
}

export interface AggregateGroup {
  /** First day of the window ("2026-11-23"; weeks start on Monday, ISO 8601). */
  windowStart: string;
  asn: number | null;
  network: string | null;
  country: string | null;
  reports: number;
  verdicts: Record<Verdict, VerdictShare>;
}

const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** First day of the window holding `day`; `spanStart` is the start of an "all" window. */
export function windowStart(day: string, kind: WindowKind, spanStart: string): string {
  if (kind === 'day') return day;
  if (kind === 'month') return `${day.slice(0, 7)}-01`;
  if (kind === 'all') return spanStart;
  const ms = Date.parse(`${day}T00:00:00Z`);
  const mondayOffset = (new Date(ms).getUTCDay() + 6) % 7;
  return dayOf(ms - mondayOffset * DAY_MS);
}

/** First day counted: the start of the window holding the day `spanDays` before now. */
export function spanStart(nowMs: number, kind: WindowKind, spanDays: number): string {
  const first = dayOf(nowMs - (spanDays - 1) * DAY_MS);
  return kind === 'all' ? first : windowStart(first, kind, first);
}

export function aggregate(counts: DayCount[], kind: WindowKind, since: string, minReports = MIN_GROUP_REPORTS): AggregateGroup[] {
  const groups = new Map<string, { windowStart: string; asn: number | null; network: string | null; country: string | null; byVerdict: Map<Verdict, number> }>();
  for (const c of counts) {
    if (c.day < since) continue;
    const start = windowStart(c.day, kind, since);
    const key = `${start}|${c.asn ?? ''}|${c.country ?? ''}`;
    let g = groups.get(key);
    if (!g) {
      g = { windowStart: start, asn: c.asn, network: c.network, country: c.country, byVerdict: new Map() };
      groups.set(key, g);
    }
    g.network ??= c.network;
    g.byVerdict.set(c.verdict, (g.byVerdict.get(c.verdict) ?? 0) + c.count);
  }
  const out: AggregateGroup[] = [];
  for (const g of groups.values()) {
    const reports = [...g.byVerdict.values()].reduce((a, b) => a + b, 0);
    if (reports < minReports) continue;
    const verdicts = Object.fromEntries(
      VERDICTS.map((v) => {
        const count = g.byVerdict.get(v) ?? 0;
        return [v, { count, share: Math.round((count / reports) * 1000) / 1000 }];
      }),
    ) as Record<Verdict, VerdictShare>;
    out.push({ windowStart: g.windowStart, asn: g.asn, network: g.network, country: g.country, reports, verdicts });
  }
  return out.sort((a, b) => (a.windowStart !== b.windowStart ? (a.windowStart < b.windowStart ? 1 : -1) : b.reports - a.reports));
}
