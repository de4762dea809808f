// A small index of the history, stored beside it under `historyIndex`: the newest entry in
// full (the card and its transfers chart) and, for every run, the few figures the ratio chart
// and the history table show. Reading the whole history (500 runs with every transfer, about
// 830 kB) took 90-350 ms in headless Chromium before anything could be drawn
// (bench/popup.ts); the index is a few tens of kB. It is derived data, written by
// Store.appendHistory in the same storage.set as the history, validated on read, and rebuilt
// from the history whenever it is missing or does not fit: it never holds anything the
// history does not. Whatever writes `history` must write the index in the same call (as
// Store.appendHistory does) or remove it, so that it is rebuilt.
import { VERDICTS, type Result } from '../../core/types.js';
import { answerMedians } from './history-export.js';
import { historyEntrySchema, type HistoryEntry } from './storage-schema.js';
import * as v from 'valibot';

export const HISTORY_INDEX_KEY = 'historyIndex';
// 2: the medians are those the answer rests on (history-export.ts answerMedians), with
// `uploads`; an index of version 1 is rebuilt from the history as any other that does not fit.
export const HISTORY_INDEX_VERSION = 2;

/** One run as the chart and the table show it. null where a figure is missing (Chrome keeps no NaN). */
export interface IndexPoint {
  id: string;
  finishedAt: number;
  verdict: Result['verdict'];
  trigger: HistoryEntry['trigger'];
  ratio: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  httpsMbps: number | null;
  httpMbps: number | null;
  /** The two medians are the uploads': the finding is in uploads alone. */
  uploads: boolean;
  errorCode: string | null;
  errorDetail: string | null;
}

export interface HistoryIndex {
  version: typeof HISTORY_INDEX_VERSION;
  latest: HistoryEntry | null;
  /** Oldest first, like the history. */
  points: IndexPoint[];
}

const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);

export function indexPoint(e: HistoryEntry): IndexPoint {
  const r = e.result;
  const medians = answerMedians(e);
  return {
    id: e.id,
    finishedAt: e.finishedAt,
    verdict: r.verdict,
    trigger: e.trigger,
    ratio: finite(r.ratio),
    ciLow: finite(r.ci95[0]),
    ciHigh: finite(r.ci95[1]),
    httpsMbps: finite(medians.httpsMbps),
    httpMbps: finite(medians.httpMbps),
    uploads: medians.uploads,
    errorCode: r.error?.code ?? null,
    errorDetail: r.error?.detail ?? null,
  };
}

/**
 * As stored: one array a field rather than one object a run. A third of the size, and read
 * and checked in a few passes over flat arrays instead of 500 objects (bench/popup.ts).
 */
interface StoredIndex {
  version: typeof HISTORY_INDEX_VERSION;
  latest: unknown;
  columns: { [K in keyof IndexPoint]: IndexPoint[K][] };
}

const COLUMNS = ['id', 'finishedAt', 'verdict', 'trigger', 'ratio', 'ciLow', 'ciHigh', 'httpsMbps', 'httpMbps', 'uploads', 'errorCode', 'errorDetail'] as const;

export function buildIndex(history: readonly HistoryEntry[]): StoredIndex {
  const points = history.map(indexPoint);
  const columns = Object.fromEntries(COLUMNS.map((c) => [c, points.map((p) => p[c])])) as StoredIndex['columns'];
  return { version: HISTORY_INDEX_VERSION, latest: history.at(-1) ?? null, columns };
}

const VERDICT_SET = new Set<string>(VERDICTS);
const isNumberOrNull = (x: unknown) => x === null || typeof x === 'number';
const isStringOrNull = (x: unknown) => x === null || typeof x === 'string';
const CHECKS: Record<(typeof COLUMNS)[number], (x: unknown) => boolean> = {
  id: (x) => typeof x === 'string',
  finishedAt: (x) => typeof x === 'number',
  verdict: (x) => typeof x === 'string' && VERDICT_SET.has(x),
  trigger: (x) => x === 'manual' || x === 'scheduled',
  ratio: isNumberOrNull,
  ciLow: isNumberOrNull,
  ciHigh: isNumberOrNull,
  httpsMbps: isNumberOrNull,
  httpMbps: isNumberOrNull,
  uploads: (x) => typeof x === 'boolean',
  errorCode: isStringOrNull,
  errorDetail: isStringOrNull,
};

/** The stored index, or undefined when it is missing, of another version or malformed. */
export function readIndex(raw: unknown): HistoryIndex | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const stored = raw as Partial<StoredIndex>;
  if (stored.version !== HISTORY_INDEX_VERSION || typeof stored.columns !== 'object' || stored.columns === null) return undefined;
  const cols = stored.columns as Record<string, unknown>;
  const length = Array.isArray(cols.id) ? cols.id.length : -1;
  for (const c of COLUMNS) {
    const col = cols[c];
    if (!Array.isArray(col) || col.length !== length || !col.every(CHECKS[c])) return undefined;
  }
  let latest: HistoryEntry | null = null;
  if (stored.latest !== null) {
    const parsed = v.safeParse(historyEntrySchema, stored.latest);
    if (!parsed.success) return undefined;
    latest = parsed.output as HistoryEntry;
  }
  const columns = stored.columns;
  const points: IndexPoint[] = [];
  for (let i = 0; i < length; i++) {
    points.push({
      id: columns.id[i]!,
      finishedAt: columns.finishedAt[i]!,
      verdict: columns.verdict[i]!,
      trigger: columns.trigger[i]!,
      ratio: columns.ratio[i]!,
      ciLow: columns.ciLow[i]!,
      ciHigh: columns.ciHigh[i]!,
      httpsMbps: columns.httpsMbps[i]!,
      httpMbps: columns.httpMbps[i]!,
      uploads: columns.uploads[i]!,
      errorCode: columns.errorCode[i]!,
      errorDetail: columns.errorDetail[i]!,
    });
  }
  // The newest point and the full newest entry must be the same run.
  if ((points.at(-1)?.id ?? null) !== (latest?.id ?? null)) return undefined;
  return { version: HISTORY_INDEX_VERSION, latest, points };
}
