// The collector's HTTP surface (docs/architecture.md, "Contracts": /v1/reports, /v1/aggregates, /v1/export).
// The client's address is used twice at ingest, for the rate limit's keyed hash and for the
// network look-up, and then dropped: it is never stored, logged or put in an error message.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_REPORT_BYTES, validateReport, type Report } from '../../core/report.js';
import { COMMON_HEADERS, drainOrStall, sendError, sendJson, type RouteHandler } from '../http-util.js';
import { openNoFollow } from '../private-files.js';
import { aggregate, DEFAULT_SPAN_DAYS, MAX_SPAN_DAYS, MIN_GROUP_REPORTS, spanStart, WINDOWS, type WindowKind } from './aggregates.js';
import type { Batcher } from './batcher.js';
import { EXPORT_FORMATS, type ExportFormat } from './export-format.js';
import type { ExportSnapshot } from './export-snapshot.js';
import type { IpLookup } from './ip-geo.js';
import { PAGE_CSP, PAGE_HTML, PAGE_SCRIPT } from './page.js';
import type { RateLimiter } from './rate-limit.js';
import { readBody } from './read-body.js';
import { checkReportHour, checkVerdictFigures } from './report-rules.js';
import type { SnapshotCache } from './snapshot-cache.js';
import type { DayCount, ReportStore, StoredReport } from './store.js';

const EXPORT_CHUNK_BYTES = 64 * 1024;

export { MAX_CLOCK_AHEAD_MS, MAX_REPORT_AGE_MS } from './report-rules.js';

export interface CollectorRouteDeps {
  store: ReportStore;
  batcher: Batcher<StoredReport, boolean>;
  lookup: IpLookup;
  rateLimiter: RateLimiter | null;
  /**
   * Reports one client may add about one network (scoped buckets of a second limiter): fewer
   * than MIN_GROUP_REPORTS at once, so that one address alone cannot publish a network's row.
   */
  networkCeiling: RateLimiter | null;
  /** Requests to the read routes per client. */
  readLimiter: RateLimiter | null;
  /** Report counts per day of the whole table, rebuilt in the background (snapshot-cache.ts). */
  counts: SnapshotCache<DayCount[]>;
  /** The export files, rebuilt in the background (export-snapshot.ts). */
  exports: SnapshotCache<ExportSnapshot>;
  nowMs: () => number;
  log: (line: string) => void;
}

function receivedHour(ms: number): string {
  return `${new Date(Math.floor(ms / 3600_000) * 3600_000).toISOString().slice(0, 13)}:00:00Z`;
}

function methodNotAllowed(res: ServerResponse, allow: string): true {
  sendError(res, 405, `use ${allow}`, { allow });
  return true;
}

export function collectorRoutes(deps: CollectorRouteDeps): RouteHandler {
  let storeFailures = 0;

  const postReport = async (req: IncomingMessage, res: ServerResponse, remoteAddress: string): Promise<void> => {
    if (deps.rateLimiter) {
      const decision = deps.rateLimiter.take(remoteAddress);
      if (!decision.allowed) {
        req.resume();
        return sendError(res, 429, `too many reports from this address; try again in ${decision.retryAfterSeconds} s`, {
          'retry-after': String(decision.retryAfterSeconds),
          connection: 'close',
        });
      }
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      req.resume();
      return sendError(res, 415, `content-type must be application/json, not "${type.slice(0, 60)}"`, { connection: 'close' });
    }
    const body = await readBody(req, MAX_REPORT_BYTES);
    if (!body.ok) {
      // Answer, let the answer reach the client, then stop reading whatever else it sends.
      res.once('finish', () => setTimeout(() => req.destroy(), 2000).unref());
      return sendError(res, body.status, body.message, { connection: 'close' });
    }
    let text: string;
    try {
      // A byte order mark stays in, so JSON.parse refuses it (RFC 8259 section 8.1: a sender MUST NOT add one).
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body.body);
    } catch {
      return sendError(res, 400, 'body is not valid UTF-8');
    }
    let input: unknown;
    try {
      input = JSON.parse(text);
    } catch (err) {
      return sendError(res, 400, `body is not JSON: ${(err as Error).message.slice(0, 120)}`);
    }
    const checked = validateReport(input);
    if (!checked.ok) return sendJson(res, 422, { error: 'the report does not match schema version 1', issues: checked.issues });
    const report: Report = checked.report;
    const now = deps.nowMs();
    const hour = checkReportHour(report.hour, now);
    if (!hour.ok) return sendError(res, 422, hour.message);
    const figures = checkVerdictFigures(report);
    if (!figures.ok) return sendError(res, 422, figures.message);
    const network = deps.lookup(remoteAddress);
    // An address of no known network joins no network's row, so only known ones are capped.
    if (deps.networkCeiling && (network.asn !== null || network.country !== null)) {
      const decision = deps.networkCeiling.take(remoteAddress, `${network.asn ?? ''}|${network.country ?? ''}`);
      if (!decision.allowed) {
        return sendError(res, 429, `this address has sent the ${deps.networkCeiling.burst} reports about this network it may send at once; try again in ${decision.retryAfterSeconds} s`, {
          'retry-after': String(decision.retryAfterSeconds),
        });
      }
    }
    let isNew: boolean;
    try {
      isNew = await deps.batcher.add({ receivedHour: receivedHour(now), ...network, report });
    } catch (err) {
      // Logged without anything from the request: the message is the database's.
      if (storeFailures++ % 100 === 0) deps.log(`collector: storing a report failed (${storeFailures} so far): ${(err as Error).message}`);
      return sendError(res, 503, 'the report could not be stored; try again later', { 'retry-after': '60' });
    }
    if (isNew) {
      deps.counts.changed();
      deps.exports.changed();
    }
    sendJson(res, isNew ? 201 : 200, { stored: true, duplicate: !isNew });
  };

  const getAggregates = async (res: ServerResponse, url: URL): Promise<void> => {
    const window = (url.searchParams.get('window') ?? 'week') as WindowKind;
    if (!WINDOWS.includes(window)) return sendError(res, 400, `window must be one of ${WINDOWS.join(', ')}`);
    const daysText = url.searchParams.get('days') ?? String(DEFAULT_SPAN_DAYS);
    const days = Number(daysText);
    if (!/^\d+$/.test(daysText) || days < 1 || days > MAX_SPAN_DAYS) return sendError(res, 400, `days must be a whole number from 1 to ${MAX_SPAN_DAYS}`);
    const since = spanStart(deps.nowMs(), window, days);
    const groups = aggregate(await deps.counts.get(), window, since);
    sendJson(res, 200, { window, since, minReports: MIN_GROUP_REPORTS, groups });
  };

  const getExport = async (res: ServerResponse, url: URL, stallMs: number): Promise<void> => {
    const format = (url.searchParams.get('format') ?? 'ndjson') as ExportFormat;
    if (!EXPORT_FORMATS.includes(format)) return sendError(res, 400, `format must be one of ${EXPORT_FORMATS.join(', ')}`);
    const snapshot = await deps.exports.get();
    const file = await openNoFollow(snapshot.files[format]);
    try {
      const { size } = await file.stat();
      res.writeHead(200, {
        ...COMMON_HEADERS,
        'content-type': format === 'csv' ? 'text/csv; charset=utf-8; header=present' : 'application/x-ndjson; charset=utf-8',
        'content-disposition': `inline; filename="tls-throttle-reports.${format}"`,
        'content-length': String(size),
        'last-modified': new Date(snapshot.takenMs).toUTCString(),
      });
      // Read and sent a piece at a time: a slow reader slows only itself, and one that stops
      // reading loses its socket after stallMs (http-util.ts).
      const buffer = Buffer.alloc(EXPORT_CHUNK_BYTES);
      for (let offset = 0; offset < size; ) {
        const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
        if (bytesRead === 0 || res.destroyed) break;
        offset += bytesRead;
        if (!res.write(Buffer.from(buffer.subarray(0, bytesRead))) && (await drainOrStall(res, stallMs)) !== 'drained') return;
      }
      res.end();
    } finally {
      await file.close();
    }
  };

  const sendStatic = (res: ServerResponse, type: string, body: string): true => {
    res.writeHead(200, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      'content-security-policy': PAGE_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'public, max-age=300',
    });
    res.end(body);
    return true;
  };

  return async (req, res, ctx) => {
    const path = ctx.url.pathname;
    if (path === '/v1/reports') {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          ...COMMON_HEADERS,
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'content-type',
          'access-control-max-age': '86400',
        });
        res.end();
        return true;
      }
      if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
      await postReport(req, res, ctx.remoteAddress);
      return true;
    }
    const readOnly = ['/v1/aggregates', '/v1/export', '/v1/', '/v1', '/aggregates.html', '/v1/aggregates.js'];
    if (!readOnly.includes(path)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET');
    if ((path === '/v1/aggregates' || path === '/v1/export') && deps.readLimiter) {
      const decision = deps.readLimiter.take(ctx.remoteAddress);
      if (!decision.allowed) {
        sendError(res, 429, `too many requests from this address; try again in ${decision.retryAfterSeconds} s`, {
          'retry-after': String(decision.retryAfterSeconds),
        });
        return true;
      }
    }
    if (path === '/v1/aggregates') await getAggregates(res, ctx.url);
    else if (path === '/v1/export') await getExport(res, ctx.url, ctx.transferStallMs);
    else if (path === '/v1/aggregates.js') sendStatic(res, 'text/javascript; charset=utf-8', PAGE_SCRIPT);
    else sendStatic(res, 'text/html; charset=utf-8', PAGE_HTML);
    return true;
  };
}
