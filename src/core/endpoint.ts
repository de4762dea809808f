// Finding out what an endpoint offers, and building the URLs of each leg.
import { MeasureError } from './errors.js';
import { safeText } from './safe-text.js';
import type { FetchLike } from './io.js';
import type { LegSpec, PayloadKind } from './types.js';

/** What `GET /info` answers (src/server/info.ts writes it). */
export interface EndpointInfo {
  service: 'tls-throttle-endpoint';
  version: string;
  /** Every listed port answers both TLS and plain HTTP. */
  ports: number[];
  arrivedScheme: 'http' | 'https';
  arrivedPort: number;
  limits: { maxBytes: number; maxConcurrent: number; requestsPerMinute: number };
  /** TLS goodput the server itself can produce, measured at start-up (0 if unknown). */
  tlsCapacityMbps: number;
  /**
   * A zone whose every subdomain reaches this endpoint under a wildcard certificate
   * (`serve --sni-zone`): a browser, which sends the URL's name as SNI, can then send a name
   * of its choice as a subdomain (src/core/sni/zone-names.ts).
   */
  sniZone?: string;
}

export type Target =
  | { mode: 'endpoint'; host: string; tlsPort: number; plainPort: number; info: EndpointInfo }
  | { mode: 'file'; host: string; tlsPort: number; plainPort: number; path: string }
  | MirrorTarget;

/**
 * A public mirror's file, measured in byte ranges (src/core/mirror/): what checkMirror found
 * before the run, so every range can be checked against it.
 */
export interface MirrorTarget {
  mode: 'mirror';
  host: string;
  tlsPort: number;
  plainPort: number;
  /** Path and query of the file, the same on both schemes. */
  path: string;
  fileBytes: number;
  etag?: string;
  lastModified?: string;
  /** The checks made before use, in words, for the Result (which ones a platform can make varies). */
  checks: string[];
}

/** The file's URL over one scheme and port. */
export function mirrorUrl(target: MirrorTarget, scheme: 'http' | 'https', port = scheme === 'https' ? target.tlsPort : target.plainPort): string {
  return `${origin(scheme, target.host, port)}${target.path}`;
}

export function isEndpointInfo(v: unknown): v is EndpointInfo {
  const i = v as Partial<EndpointInfo> | null;
  return (
    !!i &&
    i.service === 'tls-throttle-endpoint' &&
    Array.isArray(i.ports) &&
    i.ports.every((p) => Number.isInteger(p) && p > 0 && p < 65536) &&
    typeof i.limits === 'object' &&
    i.limits !== null &&
    typeof i.limits.maxBytes === 'number'
  );
}

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

/** Picks the plain port: a port other than the TLS one, the conventional ones first. */
export function pickPlainPort(ports: number[], tlsPort: number): number {
  const others = ports.filter((p) => p !== tlsPort);
  for (const preferred of [80, 8080]) if (others.includes(preferred)) return preferred;
  return others[0] ?? tlsPort;
}

export function pickTlsPort(ports: number[], url: URL): number {
  if (url.protocol === 'https:') return Number(url.port || 443);
  for (const preferred of [443, 8443]) if (ports.includes(preferred)) return preferred;
  return ports[0] ?? 443;
}

export interface ResolveOptions {
  httpPort?: number;
  httpsPort?: number;
  signal?: AbortSignal;
}

/**
 * A URL with no path is an endpoint of ours: its /info lists the ports. Any other URL is a
 * file that some server (nginx, a mirror) serves over both schemes.
 */
export async function resolveTarget(fetch: FetchLike, rawUrl: string, opts: ResolveOptions): Promise<Target> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new MeasureError('bad-endpoint', `not a URL: ${rawUrl}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MeasureError('bad-endpoint', `${rawUrl}: only http:// and https:// URLs can be measured`);
  }
  const host = url.host.replace(/:\d+$/, '');
  if (url.pathname !== '/' || url.search) {
    const tlsPort = opts.httpsPort ?? (url.protocol === 'https:' ? Number(url.port || 443) : 443);
    const plainPort = opts.httpPort ?? (url.protocol === 'http:' ? Number(url.port || 80) : 80);
    return { mode: 'file', host, tlsPort, plainPort, path: url.pathname + url.search };
  }
  const infoUrl = `${url.protocol}//${url.host}/info`;
  let body: string;
  try {
    const res = await fetch(infoUrl, { method: 'GET', redirect: 'manual', cache: 'no-store', signal: opts.signal });
    body = await res.text();
    if (res.status !== 200) throw new MeasureError('bad-endpoint', `${infoUrl} answered HTTP ${res.status}`);
  } catch (err) {
    if (err instanceof MeasureError) throw err;
    const detail = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    throw new MeasureError('unreachable', `cannot reach ${infoUrl}: ${safeText(detail)}`);
  }
  let info: unknown;
  try {
    info = JSON.parse(body);
  } catch {
    throw new MeasureError('bad-endpoint', `${infoUrl} is not a TLS Throttle Detector endpoint (its answer is not JSON)`);
  }
  if (!isEndpointInfo(info)) {
    throw new MeasureError('bad-endpoint', `${infoUrl} is not a TLS Throttle Detector endpoint`);
  }
  // The version is shown to the user (options page) and is the endpoint's own words.
  info.version = safeText(typeof info.version === 'string' ? info.version : '', 80);
  const ports = info.ports.length ? info.ports : [Number(url.port || defaultPort(url.protocol))];
  const tlsPort = opts.httpsPort ?? pickTlsPort(ports, url);
  const plainPort = opts.httpPort ?? pickPlainPort(ports, tlsPort);
  return { mode: 'endpoint', host, tlsPort, plainPort, info };
}

function origin(scheme: string, host: string, port: number): string {
  const defaultForScheme = scheme === 'https' ? 443 : 80;
  return `${scheme}://${host}${port === defaultForScheme ? '' : `:${port}`}`;
}

export function payloadUrl(
  target: Target,
  leg: LegSpec,
  bytes: number,
  seed: number,
  nonce: number,
  /** The transfer is the last on its connection (our endpoint only: src/server/endpoint-routes.ts). */
  closeConnection = false,
): string {
  const base = origin(leg.scheme, target.host, leg.port);
  const close = closeConnection ? '&close=1' : '';
  // The nonce defeats caches keyed by URL: a cached plaintext body would pose as a fast line.
  if (target.mode === 'file') {
    const sep = target.path.includes('?') ? '&' : '?';
    return `${base}${target.path}${sep}ttd=${nonce}`;
  }
  if (leg.direction === 'up') return `${base}/upload?n=${nonce}${close}`;
  return `${base}/payload?bytes=${bytes}&seed=${seed}&kind=${leg.payload}&n=${nonce}${close}`;
}

/** The URL whose TLS answer vouches for a payload's digest (HEAD, no nonce needed over TLS). */
export function digestUrl(target: Target, kind: PayloadKind, bytes: number, seed: number): string {
  const base = origin('https', target.host, target.tlsPort);
  if (target.mode === 'file') return `${base}${target.path}`;
  return `${base}/payload?bytes=${bytes}&seed=${seed}&kind=${kind}`;
}
