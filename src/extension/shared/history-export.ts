// Export of the history: JSON (every Result in full, as stored) and CSV (one row a run, for a
// spreadsheet); and the two medians a run's answer rests on, which the CSV, the history table,
// the card and the transfers chart share.
import type { Comparison, Result } from '../../core/types.js';
import type { HistoryEntry } from './storage-schema.js';

export function historyJson(entries: readonly HistoryEntry[]): string {
  // NaN is not JSON: a failed run's ratio is written as null, as `tls-throttle run --json` does.
  return JSON.stringify(
    entries.map((e) => ({ ...e, startedAt: new Date(e.startedAt).toISOString(), finishedAt: new Date(e.finishedAt).toISOString() })),
    null,
    2,
  );
}

export const CSV_COLUMNS = [
  'finishedAt',
  'trigger',
  'endpoint',
  'verdict',
  'cause',
  'ratio',
  'ci95Low',
  'ci95High',
  'pValue',
  'rounds',
  'bytesUsed',
  'durationMs',
  'httpsMedianMbps',
  'httpMedianMbps',
  'error',
  // Appended, so that a sheet reading the columns by place still finds the first ones.
  'mediansOf',
] as const;

/**
 * RFC 4180 quoting; a text cell that a spreadsheet would run as a formula (=, +, -, @) gets a
 * leading apostrophe (OWASP, "CSV Injection").
 */
export function csvCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function screenMedian(e: HistoryEntry, scheme: 'http' | 'https'): number | undefined {
  const comparison = e.result.comparisons.find((c) => c.id === 'screen');
  const legId = comparison ? (scheme === 'https' ? comparison.suspectLeg : comparison.referenceLeg) : undefined;
  const leg = e.result.legs.find((l) => (legId ? l.id === legId : l.scheme === scheme && l.direction === 'down'));
  return leg?.medianMbps;
}

/** The upload pair, where the finding is in uploads alone (core/decision.ts, note upload-only). */
export function uploadOnlyPair(r: Result): Comparison | undefined {
  return r.warnings.some((w) => w.code === 'upload-only') ? r.comparisons.find((c) => c.id === 'upload') : undefined;
}

/** The two medians a run's answer rests on, and whose transfers they are. */
export interface AnswerMedians {
  httpsMbps: number | undefined;
  httpMbps: number | undefined;
  /** Uploads where the finding is in uploads alone (core/decision.ts, note upload-only). */
  uploads: boolean;
}

/**
 * Screening's download medians, or the upload pair's where the finding is in uploads alone:
 * beside "2.9 times slower", two equal download speeds read as a contradiction (the lab's
 * upload cap at a third, docs/screenshots/notes-upload-finding-en.png). The card, the history
 * table and the CSV all take their figures from here, so they agree.
 */
export function answerMedians(e: HistoryEntry): AnswerMedians {
  const r = e.result;
  const upload = uploadOnlyPair(r);
  if (upload) {
    const median = (id: string) => r.legs.find((l) => l.id === id)?.medianMbps;
    const https = median(upload.suspectLeg);
    const http = median(upload.referenceLeg);
    if (https !== undefined && http !== undefined && Number.isFinite(https) && Number.isFinite(http)) return { httpsMbps: https, httpMbps: http, uploads: true };
  }
  return { httpsMbps: screenMedian(e, 'https'), httpMbps: screenMedian(e, 'http'), uploads: false };
}

export function historyCsv(entries: readonly HistoryEntry[]): string {
  const rows = entries.map((e) => {
    const r = e.result;
    const medians = answerMedians(e);
    const cells: (string | number | undefined)[] = [
      new Date(e.finishedAt).toISOString(),
      e.trigger,
      e.endpoint.url,
      r.verdict,
      r.cause,
      r.ratio,
      r.ci95[0],
      r.ci95[1],
      r.pValue,
      r.rounds,
      r.bytesUsed,
      r.durationMs,
      medians.httpsMbps,
      medians.httpMbps,
      r.error?.detail,
      medians.uploads ? 'uploads' : 'downloads',
    ];
    return cells.map(csvCell).join(',');
  });
  return [CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}

