// What storage.local holds, validated on every read (docs/architecture.md, convention 4): a value that
// does not fit falls back to its default, and a history entry that does not fit is dropped
// alone, so one bad write never takes the rest of the history with it.
import * as v from 'valibot';
import { NOTE_CODES, type Note, type RunError } from '../../core/notes.js';
import { safeText, safeTextDeep } from '../../core/safe-text.js';
import { CAUSES, VERDICTS, type Result } from '../../core/types.js';
import { DEFAULT_LIMIT_MS } from '../../core/time-budget.js';
import type { EndpointRef } from './endpoints.js';
import type { Trigger } from './messages.js';

/**
 * 2: anonymous reporting's `reporting` and `reportQueue` (shared/reporting-state.ts).
 * 3: the M-Lab provider's consent and retry state under `mlab` (shared/mlab-state.ts).
 */
export const SCHEMA_VERSION = 3;
export const HISTORY_CAP = 500;
export const SCHEDULE_LOG_CAP = 50;
/**
 * A stored error or warning, and any other text in a stored result, at most this long: they
 * quote what endpoints and paths said (a Via header may be kilobytes), and 500 results of
 * unbounded text could fill storage.local's quota (10 MB in Chrome). Our own longest messages
 * (the M-Lab servers tried, one by one) fit.
 */
export const MAX_STORED_TEXT_CHARS = 500;
/** A run adds a handful of warnings; more is a runaway. */
export const MAX_STORED_WARNINGS = 20;

/** A result as history keeps it: every string in it safe and capped, warnings counted. */
export function storableResult(result: Result): Result {
  const capped = safeTextDeep(result, MAX_STORED_TEXT_CHARS);
  return { ...capped, warnings: capped.warnings.slice(0, MAX_STORED_WARNINGS) };
}

export const SCHEDULES = ['off', 'hourly', 'every-6-hours', 'daily'] as const;
export type Schedule = (typeof SCHEDULES)[number];

/**
 * A failed run's ratio is NaN. Firefox's storage keeps NaN (structured clone); Chrome's cannot
 * hold it: it comes back as null inside an array and as a missing key in an object. All three
 * read back as NaN.
 */
const num = v.pipe(
  // The default makes a missing key pass through the transform too.
  v.optional(v.union([v.number(), v.nan(), v.null_()]), null),
  v.transform((x) => x ?? NaN),
);

const endpointRef = v.object({
  id: v.string(),
  name: v.string(),
  url: v.string(),
  kind: v.optional(v.picklist(['http', 'mirror', 'mlab', 'auto'])),
  source: v.optional(v.string()),
});

const transfer = v.looseObject({ bytes: num, ms: num, mbps: num });
const leg = v.looseObject({
  id: v.string(),
  scheme: v.picklist(['http', 'https']),
  port: v.number(),
  direction: v.picklist(['down', 'up']),
  payload: v.picklist(['random', 'text']),
  transfers: v.array(transfer),
  medianMbps: num,
});
const comparison = v.looseObject({
  id: v.string(),
  suspectLeg: v.string(),
  referenceLeg: v.string(),
  ratio: num,
  ci95: v.tuple([num, num]),
  pValue: num,
  rounds: v.number(),
  outcome: v.picklist(['slower', 'faster', 'same', 'unclear']),
});

/**
 * A coded note (core/notes.ts). History written before notes had codes holds sentences: they
 * read back as `{ code: 'text', text }`, so old results still show what they said.
 */
const note = v.union([
  v.pipe(
    v.string(),
    v.transform((text): Note => ({ code: 'text', text: safeText(text, MAX_STORED_TEXT_CHARS) })),
  ),
  v.pipe(
    v.looseObject({ code: v.picklist(NOTE_CODES) }),
    v.transform((n) => safeTextDeep(n, MAX_STORED_TEXT_CHARS) as unknown as Note),
  ),
]);
const runError = v.union([
  v.pipe(
    v.string(),
    v.transform((detail): RunError => ({ code: 'text', detail: safeText(detail, MAX_STORED_TEXT_CHARS) })),
  ),
  v.pipe(
    v.looseObject({ code: v.string(), detail: v.string() }),
    v.transform((e) => ({ code: e.code, detail: safeText(e.detail, MAX_STORED_TEXT_CHARS) }) as RunError),
  ),
]);

export const resultSchema = v.looseObject({
  verdict: v.picklist(VERDICTS),
  cause: v.optional(v.picklist(CAUSES)),
  ratio: num,
  ci95: v.tuple([num, num]),
  pValue: num,
  rounds: v.number(),
  bytesUsed: v.number(),
  durationMs: v.number(),
  endpoint: v.string(),
  legs: v.array(leg),
  comparisons: v.array(comparison),
  shaping: v.optional(v.looseObject({ leg: v.string(), rateMbps: num, burstBytes: num })),
  sni: v.optional(v.looseObject({ name: v.string(), controlName: v.string(), rateMbps: v.optional(num) })),
  // Entries stored before the cap existed are capped as they are read.
  warnings: v.pipe(
    v.array(note),
    v.transform((w) => w.slice(0, MAX_STORED_WARNINGS)),
  ),
  error: v.optional(runError),
});

export const historyEntrySchema = v.object({
  id: v.string(),
  /** Epoch milliseconds. */
  startedAt: v.number(),
  finishedAt: v.number(),
  endpoint: endpointRef,
  trigger: v.picklist(['manual', 'scheduled']),
  result: resultSchema,
});

export interface HistoryEntry {
  id: string;
  startedAt: number;
  finishedAt: number;
  endpoint: EndpointRef;
  trigger: Trigger;
  result: Result;
}

export const settingsSchema = v.object({
  customEndpoints: v.fallback(v.array(endpointRef), []),
  selectedEndpointId: v.fallback(v.optional(v.string()), undefined),
  schedule: v.fallback(v.picklist(SCHEDULES), 'off'),
  /** Scheduled checks on a metered or Save-Data connection only when the user allows it. */
  allowMetered: v.fallback(v.boolean(), false),
  monthlyBudgetMb: v.fallback(v.pipe(v.number(), v.minValue(1)), 2000),
  runBudgetMb: v.fallback(v.pipe(v.number(), v.minValue(1)), 60),
  /**
   * The most a test the user starts may use on a line too fast for runBudgetMb (core/fast-line.ts),
   * said in the popup before the test; scheduled checks keep to runBudgetMb.
   */
  fastLineBudgetMb: v.fallback(v.pipe(v.number(), v.minValue(1)), 250),
  /** The longest a test may take (core/time-budget.ts: it plans for a minute within it). */
  maxRunSeconds: v.fallback(v.pipe(v.number(), v.minValue(5)), DEFAULT_LIMIT_MS / 1000),
});
export type Settings = v.InferOutput<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = v.parse(settingsSchema, {});

export const usageSchema = v.object({ month: v.string(), bytes: v.number() });
export type Usage = v.InferOutput<typeof usageSchema>;

export const scheduleLogSchema = v.object({
  at: v.number(),
  outcome: v.picklist(['started', 'skipped']),
  reason: v.optional(v.string()),
});
export type ScheduleLogEntry = v.InferOutput<typeof scheduleLogSchema>;

/** A run in progress, written when it starts and removed when it ends. */
export const activeRunSchema = v.object({
  runId: v.string(),
  startedAt: v.number(),
  endpoint: endpointRef,
  trigger: v.picklist(['manual', 'scheduled']),
  lastProgressAt: v.number(),
  bytesUsed: v.number(),
});
export type ActiveRun = v.InferOutput<typeof activeRunSchema>;

export function readSettings(raw: unknown): Settings {
  const r = v.safeParse(settingsSchema, raw ?? {});
  return r.success ? r.output : DEFAULT_SETTINGS;
}

export function readHistory(raw: unknown): HistoryEntry[] {
  if (!Array.isArray(raw)) return [];
  const out: HistoryEntry[] = [];
  for (const item of raw) {
    const r = v.safeParse(historyEntrySchema, item);
    if (r.success) out.push(r.output as HistoryEntry);
  }
  return out.slice(-HISTORY_CAP);
}

export function readUsage(raw: unknown, month: string): Usage {
  const r = v.safeParse(usageSchema, raw);
  return r.success && r.output.month === month ? r.output : { month, bytes: 0 };
}

export function readScheduleLog(raw: unknown): ScheduleLogEntry[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((item) => {
    const r = v.safeParse(scheduleLogSchema, item);
    return r.success ? [r.output] : [];
  });
}

export function readActiveRun(raw: unknown): ActiveRun | undefined {
  const r = v.safeParse(activeRunSchema, raw);
  return r.success ? r.output : undefined;
}

/** Calendar month in UTC, the unit of the data budget. */
export function monthOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 7);
}
