// The collector's HTTP surface (docs/architecture.md, "Contracts": /v1/reports, /v1/aggregates, /v1/export).
// The client's address is used twice at ingest, for the rate limit's keyed hash and for the
// network look-up, and then dropped: it is never stored, logged or put in an error message.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_REPORT_BYTES, validateReport, type Report } from '../../core/report.js';
import { COMMON_HEADERS, sendError, sendJson, type RouteHandler } from '../http-util.js';
import { aggregate, DEFAULT_SPAN_DAYS, MAX_SPAN_DAYS, MIN_GROUP_REPORTS, spanStart, WINDOWS, type WindowKind } from './aggregates.js';
import type { Batcher } from './batcher.js';
import { csvHeader, csvLine, EXPORT_FORMATS, ndjsonLine, type ExportFormat } from './export-format.js';
import type { IpLookup } from './ip-geo.js';
import { PAGE_CSP, PAGE_HTML, PAGE_SCRIPT } from './page.js';
import type { RateLimiter } from './rate-limit.js';
import { readBody } from './read-body.js';
import type { ReportStore, StoredReport } from './store.js';

/** Reports about runs older than this are refused: a queue that kept them so long is broken. */
export const MAX_REPORT_AGE_MS = 30 * 86_400_000;
/** Clocks drift; a report from up to an hour ahead is accepted. */
export const MAX_CLOCK_AHEAD_MS = 3600_000;
const EXPORT_PAGE_ROWS = 1000;

export interface CollectorRouteDeps {
  store: ReportStore;
  batcher: Batcher<StoredReport, boolean>;
  lookup: IpLookup;
  rateLimiter: RateLimiter | null;
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
    const reportMs = Date.parse(report.hour);
    if (reportMs > now + MAX_CLOCK_AHEAD_MS) return sendError(res, 422, `the report's hour ${report.hour} is in the future`);
    if (now - reportMs > MAX_REPORT_AGE_MS) return sendError(res, 422, `the report's hour ${report.hour} is more than 30 days old`);
    const network = deps.lookup(remoteAddress);
    let isNew: boolean;
    try {
      isNew = await deps.batcher.add({ receivedHour: receivedHour(now), ...network, report });
    } catch (err) {
      // Logged without anything from the request: the message is the database's.
      if (storeFailures++ % 100 === 0) deps.log(`collector: storing a report failed (${storeFailures} so far): ${(err as Error).message}`);
      return sendError(res, 503, 'the report could not be stored; try again later', { 'retry-after': '60' });
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
    const groups = aggregate(await deps.store.countsByDay(since), window, since);
    sendJson(res, 200, { window, since, minReports: MIN_GROUP_REPORTS, groups });
  };

  const getExport = async (res: ServerResponse, url: URL): Promise<void> => {
    const format = (url.searchParams.get('format') ?? 'ndjson') as ExportFormat;
    if (!EXPORT_FORMATS.includes(format)) return sendError(res, 400, `format must be one of ${EXPORT_FORMATS.join(', ')}`);
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8; header=present' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `inline; filename="tls-throttle-reports.${format}"`,
    });
    // The threshold of the aggregates holds here too: a report from a network (and country)
    // with fewer than MIN_GROUP_REPORTS reports in all is exported without its network, since
    // the network of a small organisation could point at the few people in it.
    const totals = new Map<string, number>();
    for (const c of await deps.store.countsByDay('')) {
      const key = `${c.asn ?? ''}|${c.country ?? ''}`;
      totals.set(key, (totals.get(key) ?? 0) + c.count);
    }
    const publishable = (row: StoredReport): StoredReport =>
      (totals.get(`${row.asn ?? ''}|${row.country ?? ''}`) ?? 0) >= MIN_GROUP_REPORTS ? row : { ...row, asn: null, network: null, country: null };
    if (format === 'csv') res.write(csvHeader());
    // Paged by position, so a large export never sits in memory and a slow reader slows only itself.
    let after = 0;
    for (;;) {
      const rows = await deps.store.exportPage(after, EXPORT_PAGE_ROWS);
      if (!rows.length) break;
      const chunk = rows.map((r) => (format === 'csv' ? csvLine : ndjsonLine)(publishable(r))).join('');
      if (!res.write(chunk)) await new Promise<void>((r) => res.once('drain', () => r()));
      if (res.destroyed) return;
      after = rows[rows.length - 1]!.seq;
    }
    res.end();
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
    if (path === '/v1/aggregates') await getAggregates(res, ctx.url);
    else if (path === '/v1/export') await getExport(res, ctx.url);
    else if (path === '/v1/aggregates.js') sendStatic(res, 'text/javascript; charset=utf-8', PAGE_SCRIPT);
    else sendStatic(res, 'text/html; charset=utf-8', PAGE_HTML);
    return true;
  };
}
