// M-Lab's locate API v2 (m-lab/locate, USAGE.md and api/v2/api.go): GET
// /v2/nearest/ndt/ndt7 answers {results: [{machine, location, urls}]} with up to four nearby
// servers. Each URL carries an access token the server checks; the ws:// and wss:// URLs of one
// result are the same machine, which is what makes it a TLS-or-not pair.
// Out of capacity is HTTP 200 with no results (ndt7 spec, "Server discovery") or an error
// status (503) with an RFC 7807 `error` object; both say: back off, do not hammer.
import type { FetchLike } from '../io.js';
import { safeText } from '../safe-text.js';
import { NDT7_DOWNLOAD_PATH, NDT7_UPLOAD_PATH } from './protocol.js';

export const DEFAULT_LOCATE_URL = 'https://locate.measurementlab.net/v2/nearest/ndt/ndt7';

/** The four resource keys of a v2 result: static, so a client can look them up. */
export const URL_KEYS = {
  wsDownload: `ws://${NDT7_DOWNLOAD_PATH}`,
  wsUpload: `ws://${NDT7_UPLOAD_PATH}`,
  wssDownload: `wss://${NDT7_DOWNLOAD_PATH}`,
  wssUpload: `wss://${NDT7_UPLOAD_PATH}`,
} as const;

export interface MlabTarget {
  machine: string;
  city?: string;
  country?: string;
  wsDownload: string;
  wssDownload: string;
  /** Absent when the result offers no upload URLs: the target then serves downloads only. */
  wsUpload?: string;
  wssUpload?: string;
}

export interface NextRequest {
  /** Not before this wall-clock time (ms since the epoch) should the client ask again. */
  notBeforeMs: number;
  url?: string;
}

export type LocateOutcome =
  | { kind: 'ok'; targets: MlabTarget[]; rejected: string[]; nextRequest?: NextRequest }
  | { kind: 'no-capacity'; detail: string; nextRequest?: NextRequest }
  | { kind: 'error'; detail: string };

function checkUrl(value: unknown, key: string, scheme: 'ws:' | 'wss:', path: string): URL | string {
  if (typeof value !== 'string') return `no ${key} URL`;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return `${key} is not a URL (${safeText(value, 80)})`;
  }
  if (u.protocol !== scheme) return `${key} points to ${u.protocol}// instead of ${scheme}//`;
  if (u.pathname !== path) return `${key} points to ${u.pathname} instead of ${path}`;
  return u;
}

/** One result as a target, or why it cannot serve as a same-server ws/wss pair. */
export function parseTarget(raw: unknown): MlabTarget | string {
  if (typeof raw !== 'object' || raw === null) return 'a result is not an object';
  const r = raw as { machine?: unknown; location?: { city?: unknown; country?: unknown }; urls?: Record<string, unknown> };
  // Names and places are the locate service's words, shown to the user and kept in history.
  const machine = typeof r.machine === 'string' ? safeText(r.machine, 100) : '';
  if (!machine) return 'a result has no machine name';
  const urls = r.urls ?? {};
  const wsDown = checkUrl(urls[URL_KEYS.wsDownload], URL_KEYS.wsDownload, 'ws:', NDT7_DOWNLOAD_PATH);
  const wssDown = checkUrl(urls[URL_KEYS.wssDownload], URL_KEYS.wssDownload, 'wss:', NDT7_DOWNLOAD_PATH);
  if (typeof wsDown === 'string') return `${machine}: ${wsDown}`;
  if (typeof wssDown === 'string') return `${machine}: ${wssDown}`;
  // The comparison is only fair on one machine: both schemes must name the same host.
  if (wsDown.hostname !== wssDown.hostname) {
    return `${machine}: ws and wss go to different hosts (${safeText(wsDown.hostname, 100)}, ${safeText(wssDown.hostname, 100)})`;
  }
  const target: MlabTarget = { machine, wsDownload: wsDown.href, wssDownload: wssDown.href };
  if (typeof r.location?.city === 'string') target.city = safeText(r.location.city, 80);
  if (typeof r.location?.country === 'string') target.country = safeText(r.location.country, 80);
  const wsUp = checkUrl(urls[URL_KEYS.wsUpload], URL_KEYS.wsUpload, 'ws:', NDT7_UPLOAD_PATH);
  const wssUp = checkUrl(urls[URL_KEYS.wssUpload], URL_KEYS.wssUpload, 'wss:', NDT7_UPLOAD_PATH);
  if (typeof wsUp !== 'string' && typeof wssUp !== 'string' && wsUp.hostname === wsDown.hostname && wssUp.hostname === wsDown.hostname) {
    target.wsUpload = wsUp.href;
    target.wssUpload = wssUp.href;
  }
  return target;
}

function parseNextRequest(raw: unknown): NextRequest | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const n = raw as { nbf?: unknown; url?: unknown };
  const t = typeof n.nbf === 'string' ? Date.parse(n.nbf) : NaN;
  if (!Number.isFinite(t)) return undefined;
  return typeof n.url === 'string' ? { notBeforeMs: t, url: n.url } : { notBeforeMs: t };
}

/** A locate response body (any status) as an outcome. */
export function parseLocateResponse(status: number, text: string): LocateOutcome {
  let body: unknown;
  try {
    body = text.trim() ? JSON.parse(text) : {};
  } catch {
    return { kind: 'error', detail: `the locate service answered HTTP ${status} with no JSON (${safeText(text, 80)})` };
  }
  const b = (typeof body === 'object' && body !== null ? body : {}) as {
    results?: unknown;
    error?: { title?: unknown; detail?: unknown; status?: unknown };
    next_request?: unknown;
  };
  const nextRequest = parseNextRequest(b.next_request);
  const withNext = <T extends object>(o: T) => (nextRequest ? { ...o, nextRequest } : o);
  const errorText = b.error
    ? safeText([b.error.title, b.error.detail].filter((x) => typeof x === 'string' && x).join(': '))
    : '';
  // 503 is M-Lab out of capacity; 429 is this client asking too often: both mean wait.
  if (status === 503 || status === 429) {
    return withNext({ kind: 'no-capacity' as const, detail: `the locate service answered HTTP ${status}${errorText ? ` (${errorText})` : ''}` });
  }
  if (status !== 200) {
    return { kind: 'error', detail: `the locate service answered HTTP ${status}${errorText ? ` (${errorText})` : ''}` };
  }
  const results = Array.isArray(b.results) ? b.results : [];
  if (results.length === 0) {
    return withNext({ kind: 'no-capacity' as const, detail: `the locate service returned no servers${errorText ? ` (${errorText})` : ''}` });
  }
  const targets: MlabTarget[] = [];
  const rejected: string[] = [];
  for (const raw of results) {
    const t = parseTarget(raw);
    if (typeof t === 'string') rejected.push(t);
    else targets.push(t);
  }
  if (targets.length === 0) {
    return { kind: 'error', detail: `none of the ${results.length} servers offered both ws and wss ndt7 URLs: ${rejected.join('; ')}` };
  }
  return withNext({ kind: 'ok' as const, targets, rejected });
}

export interface LocateRequest {
  locateUrl: string;
  clientName: string;
  clientVersion: string;
  signal?: AbortSignal;
}

/**
 * Adds the client's name and version to a URL: the ndt7 spec asks clients to identify
 * themselves and forbids duplicate keys, so a key the URL already has (a locate service may
 * pass them on into the server URLs) is left as it is.
 */
export function withClientMetadata(url: string, clientName: string, clientVersion: string): string {
  let out = url;
  for (const [key, value] of [['client_name', clientName], ['client_version', clientVersion]] as const) {
    if (new RegExp(`[?&]${key}=`).test(out)) continue;
    out += `${out.includes('?') ? '&' : '?'}${key}=${encodeURIComponent(value)}`;
  }
  return out;
}

/** Asks the locate service for servers. Redirects are followed (the spec requires it). */
export async function locateServers(fetch: FetchLike, req: LocateRequest): Promise<LocateOutcome> {
  const url = withClientMetadata(req.locateUrl, req.clientName, req.clientVersion);
  let status: number;
  let text: string;
  try {
    const res = await fetch(url, { method: 'GET', headers: { accept: 'application/json' }, cache: 'no-store', signal: req.signal });
    status = res.status;
    text = await res.text();
  } catch (err) {
    const detail = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    return { kind: 'error', detail: `cannot reach the locate service at ${req.locateUrl}: ${safeText(detail)}` };
  }
  return parseLocateResponse(status, text);
}
