// A stored run as the anonymous report it becomes. One function for both the options
// page's preview and the background's queue, so the preview is the exact JSON that is sent.
import { buildReport, CUSTOM_ENDPOINT, type Report, type ReportMeta } from '../../core/report.js';
import type { Result } from '../../core/types.js';
import type { EndpointRef } from './endpoints.js';
import type { HistoryEntry } from './storage-schema.js';

export interface ReportClient {
  version: string;
  browser: ReportMeta['client']['browser'];
  os: ReportMeta['client']['os'];
}

const LISTED_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

/**
 * The endpoint's id when the run measured one shipped in the build (same id and origin);
 * "custom" for one the user added, whose hostname may be private (a NAS, a home server).
 */
export function reportEndpointId(endpoint: EndpointRef, defaults: readonly EndpointRef[]): string {
  const listed = defaults.find((d) => d.id === endpoint.id);
  if (!listed || !LISTED_ID.test(listed.id)) return CUSTOM_ENDPOINT;
  try {
    return new URL(listed.url).origin === new URL(endpoint.url).origin ? listed.id : CUSTOM_ENDPOINT;
  } catch {
    return CUSTOM_ENDPOINT;
  }
}

/** 32 hex digits from the platform's cryptographic source, new for every report. */
export function newReportId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Throws when the run cannot be reported (buildReport's range checks). */
export function reportForEntry(entry: HistoryEntry, client: ReportClient, defaults: readonly EndpointRef[], reportId: string): Report {
  return buildReport(entry.result, {
    trigger: entry.trigger,
    client: { kind: 'extension', version: client.version, browser: client.browser, os: client.os },
    endpointId: reportEndpointId(entry.endpoint, defaults),
    endedAtMs: entry.finishedAt,
    reportId,
  });
}

/** The run the preview shows before the user has run a test of their own. */
export function exampleEntry(nowMs: number, endpoint: EndpointRef): HistoryEntry {
  const transfers = (mbps: number) => [2, 2, 2, 2].map(() => ({ bytes: 2_500_000, ms: 20_000 / mbps, mbps }));
  const result: Result = {
    verdict: 'tls-throttled',
    cause: 'protocol',
    ratio: 2.1,
    ci95: [1.8, 2.4],
    pValue: 0.004,
    rounds: 4,
    bytesUsed: 20_000_000,
    durationMs: 18_000,
    endpoint: endpoint.url,
    legs: [
      { id: 'https-443-down-random', scheme: 'https', port: 443, direction: 'down', payload: 'random', transfers: transfers(9.5), medianMbps: 9.5 },
      { id: 'http-80-down-random', scheme: 'http', port: 80, direction: 'down', payload: 'random', transfers: transfers(20), medianMbps: 20 },
    ],
    comparisons: [
      { id: 'screen', suspectLeg: 'https-443-down-random', referenceLeg: 'http-80-down-random', ratio: 2.1, ci95: [1.8, 2.4], pValue: 0.004, rounds: 4, outcome: 'slower' },
    ],
    warnings: [],
  };
  return { id: 'example', startedAt: nowMs - 18_000, finishedAt: nowMs, endpoint, trigger: 'manual', result };
}
