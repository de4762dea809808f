// The outgoing report queue: reports wait here until the collector has them.
// Pure: storage, sending, the clock and randomness are passed in, so the same queue runs over
// storage.local and alarms in the extension, over a file in the CLI, and over fakes in tests.
//
// Retries: three quick tries (at once, after 2 s, after 10 s) for a blip in the network, then
// exponential backoff from 15 minutes, doubling up to a day, with +-10% jitter so that clients
// that all failed during one collector outage do not come back in one wave. A report older
// than a week is dropped: the collector refuses stale hours anyway, and a queue that only
// grows would be a record of the user's activity on their own machine.
//
// Wiring in the extension (a sketch; the adapters live in src/extension/platform):
//   const queue = createReportQueue({
//     load: async () => (await storage.local.get('reportQueue')).reportQueue,
//     save: (state) => storage.local.set({ reportQueue: state }),
//     send: async (report) => {
//       const res = await fetch(collectorUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(report) });
//       return outcomeForStatus(res.status, res.headers.get('retry-after'));
//     },
//     nowMs: Date.now, random: Math.random, hasConsent: async () => (await settings()).reportConsent,
//   });
//   after a run: await queue.add(buildReport(result, meta)); then flush() and set an alarm at
//   summary.nextWakeMs; on that alarm and on start-up, flush() again; on withdrawal, clear().
import { validateReport, type Report } from './report.js';
import { safeText } from './safe-text.js';

export const QUEUE_SCHEMA_VERSION = 1;
export const QUICK_RETRY_DELAYS_MS = [2_000, 10_000] as const;
export const FIRST_BACKOFF_MS = 15 * 60_000;
export const MAX_BACKOFF_MS = 24 * 3600_000;
export const MAX_QUEUE_AGE_MS = 7 * 24 * 3600_000;
export const MAX_PENDING = 50;
export const MAX_SENT_HISTORY = 20;
/** A failed try's reason as stored and shown: a collector's words never at any length. */
export const MAX_ERROR_CHARS = 300;
const JITTER = 0.1;

export interface PendingReport {
  report: Report;
  queuedMs: number;
  attempts: number;
  nextAttemptMs: number;
  /** Why the last try failed, with its numbers (shown in the popup; never sent). */
  lastError?: string;
}

export interface SentReport {
  report: Report;
  sentMs: number;
}

export interface QueueState {
  schemaVersion: typeof QUEUE_SCHEMA_VERSION;
  pending: PendingReport[];
  sent: SentReport[];
}

/** What one try to send gave. `rejected` (a 4xx other than 429) is final: retrying cannot help. */
export type SendOutcome =
  | { kind: 'sent' }
  | { kind: 'retry'; error: string; retryAfterMs?: number }
  | { kind: 'rejected'; error: string };

/**
 * What a collector's answer means for the queue: 2xx sent (200 for a report it already had);
 * 408, 429 and 5xx worth another try, after Retry-After when it gives seconds; any other 4xx
 * final (the report is malformed or too old, and will stay so).
 */
export function outcomeForStatus(status: number, retryAfter: string | null): SendOutcome {
  if (status >= 200 && status < 300) return { kind: 'sent' };
  const error = `the collector answered ${status}`;
  if (status === 408 || status === 429 || status >= 500 || status < 200) {
    const seconds = retryAfter !== null && /^\d{1,6}$/.test(retryAfter.trim()) ? Number(retryAfter) : undefined;
    return seconds === undefined ? { kind: 'retry', error } : { kind: 'retry', error, retryAfterMs: seconds * 1000 };
  }
  return { kind: 'rejected', error };
}

export function emptyQueue(): QueueState {
  return { schemaVersion: QUEUE_SCHEMA_VERSION, pending: [], sent: [] };
}

/**
 * Delay before the next try after `attempts` failed ones: tries 1-3 are quick, then 15 min,
 * 30 min, 1 h... capped at a day. `random` is in [0, 1).
 */
export function retryDelayMs(attempts: number, random: () => number): number {
  if (attempts <= QUICK_RETRY_DELAYS_MS.length) return QUICK_RETRY_DELAYS_MS[Math.max(0, attempts - 1)]!;
  const base = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (attempts - QUICK_RETRY_DELAYS_MS.length - 1));
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}

export function enqueue(state: QueueState, report: Report, nowMs: number): QueueState {
  if (state.pending.some((p) => p.report.reportId === report.reportId)) return state;
  const pending = [...state.pending, { report, queuedMs: nowMs, attempts: 0, nextAttemptMs: nowMs }];
  // Oldest first out when full: the newest reports say the most about the line today.
  return { ...state, pending: pending.slice(-MAX_PENDING) };
}

/** Drops reports past their age; returns the ones whose next try is due, oldest first. */
export function expire(state: QueueState, nowMs: number): QueueState {
  const pending = state.pending.filter((p) => nowMs - p.queuedMs <= MAX_QUEUE_AGE_MS);
  return pending.length === state.pending.length ? state : { ...state, pending };
}

export function dueReports(state: QueueState, nowMs: number): PendingReport[] {
  return state.pending.filter((p) => p.nextAttemptMs <= nowMs);
}

/** When the queue next has something to do (for an alarm), or null when it is empty. */
export function nextWakeMs(state: QueueState): number | null {
  if (!state.pending.length) return null;
  return Math.min(...state.pending.map((p) => p.nextAttemptMs));
}

export function recordOutcome(
  state: QueueState,
  reportId: string,
  outcome: SendOutcome,
  nowMs: number,
  random: () => number,
): QueueState {
  const entry = state.pending.find((p) => p.report.reportId === reportId);
  // Gone meanwhile (consent withdrawn, expired): nothing to record.
  if (!entry) return state;
  const others = state.pending.filter((p) => p !== entry);
  if (outcome.kind === 'sent') {
    return { ...state, pending: others, sent: [...state.sent, { report: entry.report, sentMs: nowMs }].slice(-MAX_SENT_HISTORY) };
  }
  if (outcome.kind === 'rejected') return { ...state, pending: others };
  const attempts = entry.attempts + 1;
  const delayMs = Math.max(retryDelayMs(attempts, random), Math.min(outcome.retryAfterMs ?? 0, MAX_BACKOFF_MS));
  const updated: PendingReport = { ...entry, attempts, nextAttemptMs: nowMs + delayMs, lastError: safeText(outcome.error, MAX_ERROR_CHARS) };
  return { ...state, pending: state.pending.map((p) => (p === entry ? updated : p)) };
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isTime = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;

/**
 * Reads a stored queue defensively (docs/architecture.md, convention 4): anything unreadable is
 * dropped entry by entry, and a missing or foreign value gives an empty queue.
 */
export function parseQueueState(stored: unknown): QueueState {
  if (!isObject(stored) || stored.schemaVersion !== QUEUE_SCHEMA_VERSION) return emptyQueue();
  const pending: PendingReport[] = [];
  for (const p of Array.isArray(stored.pending) ? stored.pending : []) {
    if (!isObject(p) || !isTime(p.queuedMs) || !isTime(p.nextAttemptMs) || !Number.isInteger(p.attempts)) continue;
    const checked = validateReport(p.report);
    if (!checked.ok) continue;
    pending.push({
      report: checked.report,
      queuedMs: p.queuedMs,
      attempts: p.attempts as number,
      nextAttemptMs: p.nextAttemptMs,
      ...(typeof p.lastError === 'string' ? { lastError: safeText(p.lastError, MAX_ERROR_CHARS) } : {}),
    });
  }
  const sent: SentReport[] = [];
  for (const s of Array.isArray(stored.sent) ? stored.sent : []) {
    if (!isObject(s) || !isTime(s.sentMs)) continue;
    const checked = validateReport(s.report);
    if (checked.ok) sent.push({ report: checked.report, sentMs: s.sentMs });
  }
  return { schemaVersion: QUEUE_SCHEMA_VERSION, pending: pending.slice(-MAX_PENDING), sent: sent.slice(-MAX_SENT_HISTORY) };
}

export interface ReportQueueDeps {
  load(): Promise<unknown>;
  save(state: QueueState): Promise<void>;
  send(report: Report): Promise<SendOutcome>;
  nowMs(): number;
  random(): number;
  /** Asked before every send: a queue never sends once consent is gone, and then empties. */
  hasConsent(): Promise<boolean> | boolean;
}

export interface FlushSummary {
  sent: number;
  retrying: number;
  rejected: number;
  /** When the next try is due (for an alarm), or null when nothing is pending. */
  nextWakeMs: number | null;
}

export interface ReportQueue {
  /** Adds a report and returns at once; sending happens in flush(). */
  add(report: Report): Promise<void>;
  /** Sends every due report once; concurrent calls share one flush. */
  flush(): Promise<FlushSummary>;
  /** Consent withdrawn: forget every pending report (already sent ones cannot be recalled). */
  clear(): Promise<void>;
  snapshot(): Promise<QueueState>;
}

export function createReportQueue(deps: ReportQueueDeps): ReportQueue {
  // load-modify-save steps run one at a time, so an add during a flush is never lost.
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(step: (state: QueueState) => Promise<[QueueState, T]> | [QueueState, T]): Promise<T> => {
    const run = tail.then(async () => {
      const before = parseQueueState(await deps.load());
      const [after, value] = await step(before);
      if (after !== before) await deps.save(after);
      return value;
    });
    tail = run.catch(() => undefined);
    return run;
  };
  let flushing: Promise<FlushSummary> | null = null;

  const flushOnce = async (): Promise<FlushSummary> => {
    const summary: FlushSummary = { sent: 0, retrying: 0, rejected: 0, nextWakeMs: null };
    if (!(await deps.hasConsent())) {
      await exclusive((s) => [s.pending.length ? { ...s, pending: [] } : s, undefined]);
      return summary;
    }
    const due = await exclusive((s) => {
      const live = expire(s, deps.nowMs());
      return [live, dueReports(live, deps.nowMs())];
    });
    for (const entry of due) {
      if (!(await deps.hasConsent())) {
        await exclusive((s) => [{ ...s, pending: [] }, undefined]);
        return summary;
      }
      let outcome: SendOutcome;
      try {
        outcome = await deps.send(entry.report);
      } catch (err) {
        outcome = { kind: 'retry', error: err instanceof Error ? err.message : String(err) };
      }
      summary[outcome.kind === 'retry' ? 'retrying' : outcome.kind]++;
      await exclusive((s) => [recordOutcome(s, entry.report.reportId, outcome, deps.nowMs(), deps.random), undefined]);
    }
    summary.nextWakeMs = await exclusive((s) => [s, nextWakeMs(s)]);
    return summary;
  };

  return {
    add: (report) => exclusive((s) => [enqueue(s, report, deps.nowMs()), undefined]),
    flush: () => {
      flushing ??= flushOnce().finally(() => {
        flushing = null;
      });
      return flushing;
    },
    clear: () => exclusive((s) => [{ ...s, pending: [] }, undefined]),
    snapshot: () => exclusive((s) => [s, s]),
  };
}
