// Anonymous reporting's stored state: the user's consent and where reports go, under
// the storage key `reporting`; the outgoing queue itself is the core's QueueState under
// `reportQueue` (src/core/report-queue.ts reads it defensively). Off unless the user opted in:
// anything unreadable reads as "no consent", never as a yes.
import * as v from 'valibot';

export const REPORTING_KEY = 'reporting';
export const REPORT_QUEUE_KEY = 'reportQueue';
/** The alarm that wakes the background for the queue's next try. */
export const REPORT_ALARM = 'report-queue';

export const reportingSchema = v.object({
  consent: v.fallback(v.boolean(), false),
  /** When the user last said yes or no (epoch ms); null before they ever did. */
  decidedAt: v.fallback(v.nullable(v.number()), null),
  /** A collector the user chose instead of the build's; null for the build's. */
  collectorUrl: v.fallback(v.nullable(v.string()), null),
});
export type ReportingState = v.InferOutput<typeof reportingSchema>;

export const DEFAULT_REPORTING: ReportingState = { consent: false, decidedAt: null, collectorUrl: null };

export function readReporting(raw: unknown): ReportingState {
  const r = v.safeParse(reportingSchema, raw ?? {});
  return r.success ? r.output : DEFAULT_REPORTING;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/**
 * Normalises a collector URL typed by the user; throws with the reason when it cannot be one.
 * A bare origin gets the collector's path. Plain http is refused except on loopback: a report
 * says which network the user is on, and that should not cross the network in the clear.
 */
export function collectorUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new Error(`"${input.trim()}" is not a URL`);
  }
  if (url.username || url.password) throw new Error('a collector URL must not carry a user name or password');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.test(url.hostname))) {
    throw new Error(`reports go over https:// only (http:// only to this machine), not ${url.protocol}//`);
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/reports';
  url.search = '';
  url.hash = '';
  return url.toString();
}

/** Where reports go: the user's collector, else the build's; "" when there is neither. */
export function effectiveCollectorUrl(state: ReportingState, buildDefault: string): string {
  return state.collectorUrl ?? buildDefault;
}
