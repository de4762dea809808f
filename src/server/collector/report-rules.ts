// Rules a report must meet beyond its schema (core/report.ts), checked at ingest: its hour is a
// real hour inside the window the collector accepts, and its verdict is the one its own ratio
// and interval give under the method's margin (core/margin.ts; rule 3 of core/decision.ts), so a
// hand-made report cannot file "tls-throttled" against a network with figures that say otherwise.
import { MARGIN_RATIO } from '../../core/margin.js';
import type { Report } from '../../core/report.js';

/** Reports about runs older than this are refused: a queue that kept them so long is broken. */
export const MAX_REPORT_AGE_MS = 30 * 86_400_000;
/** Clocks drift; a report from up to an hour ahead is accepted. */
export const MAX_CLOCK_AHEAD_MS = 3600_000;

export type RuleCheck = { ok: true } | { ok: false; message: string };

/**
 * The schema's pattern admits "0000-00-00T00:00:00Z" and "2026-02-30T25:00:00Z"; Date.parse
 * gives NaN for some and rolls others over to another day, so an hour is real only when it
 * reads the same after the round trip through a Date.
 */
export function checkReportHour(hour: string, nowMs: number): RuleCheck {
  const ms = Date.parse(hour);
  if (!Number.isFinite(ms) || new Date(ms).toISOString() !== hour.replace('Z', '.000Z')) {
    return { ok: false, message: `the report's hour ${hour} is not a real hour` };
  }
  if (ms > nowMs + MAX_CLOCK_AHEAD_MS) return { ok: false, message: `the report's hour ${hour} is in the future` };
  if (nowMs - ms > MAX_REPORT_AGE_MS) return { ok: false, message: `the report's hour ${hour} is more than 30 days old` };
  return { ok: true };
}

/**
 * buildReport keeps 3 significant digits (core/report.ts), so an interval bound that cleared
 * the margin by less than the rounding may arrive equal to it: equality is accepted.
 */
const HIGH = MARGIN_RATIO;
const LOW = Number((1 / MARGIN_RATIO).toPrecision(3));

/**
 * A throttling verdict needs its interval wholly past the margin, `no-difference` wholly
 * inside it, and each needs a ratio inside its interval. `inconclusive` (also what a processor
 * at capacity turns a finding into, core/cpu-bound.ts), `interfered` and `failed` may carry
 * any figures or none.
 */
export function checkVerdictFigures(r: Pick<Report, 'verdict' | 'ratio' | 'ci95'> & { sni?: Report['sni'] }): RuleCheck {
  // A finding by server name compares the name with a control name (core/sni/sni-decision.ts):
  // the same rule as a TLS finding, and it must say that it was a run by name.
  if (r.verdict === 'sni-throttled' && !r.sni) return { ok: false, message: 'an sni-throttled report needs its sni field' };
  const throttled = r.verdict === 'tls-throttled' || r.verdict === 'sni-throttled';
  if (!throttled && r.verdict !== 'plaintext-throttled' && r.verdict !== 'no-difference') return { ok: true };
  if (r.ratio === null || r.ci95 === null) return { ok: false, message: `a ${r.verdict} report needs a ratio and an interval` };
  const [lo, hi] = r.ci95;
  const figures = `ratio ${r.ratio}, interval ${lo}-${hi}`;
  if (!(lo <= r.ratio && r.ratio <= hi)) return { ok: false, message: `the ratio lies outside its interval (${figures})` };
  const fits =
    throttled ? lo >= HIGH : r.verdict === 'plaintext-throttled' ? hi <= LOW : lo >= LOW && hi <= HIGH;
  if (fits) return { ok: true };
  const rule =
    throttled
      ? `an interval wholly above ${HIGH}`
      : r.verdict === 'plaintext-throttled'
        ? `an interval wholly below ${LOW}`
        : `an interval wholly within ${LOW}-${HIGH}`;
  return { ok: false, message: `the verdict ${r.verdict} needs ${rule}, and the report's figures are ${figures}` };
}
