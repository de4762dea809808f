// Export of the history: JSON (every Result in full, as stored) and CSV (one row a run, for a
// spreadsheet).
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

export function historyCsv(entries: readonly HistoryEntry[]): string {
  const rows = entries.map((e) => {
    const r = e.result;
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
      screenMedian(e, 'https'),
      screenMedian(e, 'http'),
      r.error?.detail,
    ];
    return cells.map(csvCell).join(',');
  });
  return [CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}

export { screenMedian };
