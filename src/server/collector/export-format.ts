// Open data (GET /v1/export): every stored report with its network, as NDJSON (one JSON object
// a line, all fields) or CSV (one row a report, the fields most analyses need). The reportId
// is left out: it exists only to store a retried upload once.
import type { StoredReport } from './store.js';

export const EXPORT_FORMATS = ['ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function ndjsonLine(row: StoredReport): string {
  const { reportId: _omit, ...report } = row.report;
  return `${JSON.stringify({ receivedHour: row.receivedHour, asn: row.asn, network: row.network, country: row.country, ...report })}\n`;
}

export const CSV_COLUMNS = [
  'received_hour',
  'report_hour',
  'asn',
  'network',
  'country',
  'verdict',
  'cause',
  'ratio',
  'ci95_lo',
  'ci95_hi',
  'p_value',
  'rounds',
  'duration_ms',
  'bytes_used',
  'trigger',
  'client_kind',
  'client_version',
  'browser_family',
  'browser_major',
  'os',
  'endpoint',
  'https_median_mbps',
  'http_median_mbps',
  'shaping_rate_mbps',
  'shaping_burst_bytes',
  'sni_name',
  'sni_rate_mbps',
] as const;

/**
 * RFC 4180 quoting; a text cell that a spreadsheet would run as a formula (=, +, -, @, tab,
 * CR first: OWASP "CSV Injection") gets a leading apostrophe. Network names come from the
 * IP database, not from reporters, but the export must be safe to open whatever they say.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function csvLine(row: StoredReport): string {
  const r = row.report;
  // The screening legs: HTTPS and HTTP downloads of random payload (docs/method.md, "Legs and pairs").
  const screen = (scheme: 'http' | 'https') =>
    r.legs.find((l) => l.scheme === scheme && l.direction === 'down' && l.payload === 'random' && l.sni !== 'name')?.medianMbps ?? null;
  const cells: Record<(typeof CSV_COLUMNS)[number], string | number | null> = {
    received_hour: row.receivedHour,
    report_hour: r.hour,
    asn: row.asn,
    network: row.network,
    country: row.country,
    verdict: r.verdict,
    cause: r.cause,
    ratio: r.ratio,
    ci95_lo: r.ci95?.[0] ?? null,
    ci95_hi: r.ci95?.[1] ?? null,
    p_value: r.pValue,
    rounds: r.rounds,
    duration_ms: r.durationMs,
    bytes_used: r.bytesUsed,
    trigger: r.trigger,
    client_kind: r.client.kind,
    client_version: r.client.version,
    browser_family: r.client.browser?.family ?? null,
    browser_major: r.client.browser?.major ?? null,
    os: r.client.os,
    endpoint: r.endpoint,
    https_median_mbps: screen('https'),
    http_median_mbps: screen('http'),
    shaping_rate_mbps: r.shaping?.rateMbps ?? null,
    shaping_burst_bytes: r.shaping?.burstBytes ?? null,
    // A run by server name: the name only when it is on the built-in list (core/sni/names.ts).
    sni_name: r.sni?.name ?? null,
    sni_rate_mbps: r.sni?.rateMbps ?? null,
  };
  return `${CSV_COLUMNS.map((c) => csvCell(cells[c])).join(',')}\r\n`;
}
