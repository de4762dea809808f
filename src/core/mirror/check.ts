// Checks a public mirror before a run uses it: both schemes must serve one file from one
// server, honour Range, and not redirect. Each check made is named in words, for the Result:
// a browser cannot see which address a socket reached, the CLI can.
import { MeasureError, describeError } from '../errors.js';
import type { Clock, FetchLike, HasherFactory, ResponseLike } from '../io.js';
import type { MirrorTarget } from '../endpoint.js';
import { BLOCK_BYTES, parseContentRange, rangeHeader } from './range.js';
import { compareTraits, traitsOf, type ResponseTraits } from './verify.js';

/**
 * Files smaller than this measure latency more than goodput (the runner warns below the same
 * size, src/core/runner.ts). Larger ones are better: a run of 60 MB reads a smaller file
 * several times over, at offsets no earlier pass started from (range.ts).
 */
export const MIN_MIRROR_FILE_BYTES = 1_000_000;

export interface MirrorCheckDeps {
  fetch: FetchLike;
  hasher: HasherFactory;
  clock: Clock;
  /** Extra request headers (the CLI's User-Agent, src/core/user-agent.ts). */
  headers?: Record<string, string>;
  /**
   * The remote address the last request to this origin reached, where the platform shows it
   * (the CLI's sockets); undefined in a browser.
   */
  remoteAddressOf?: (origin: string) => string | undefined;
  signal?: AbortSignal;
}

export interface MirrorCheckOptions {
  httpPort?: number;
  httpsPort?: number;
}

export type MirrorCheck =
  | { outcome: 'usable'; target: MirrorTarget; checks: string[]; connectMs: number }
  | {
      outcome: 'not-usable' | 'interfered' | 'unreachable';
      reason: string;
      checks: string[];
      /** Not usable because the browser reached it over HTTP/3 (errors.ts 'not-tcp'). */
      overQuic?: true;
    }
  | { outcome: 'busy'; reason: string; retryAfter?: string; checks: string[] };

interface Probe {
  url: string;
  origin: string;
  traits: ResponseTraits;
  totalBytes: number;
  acceptRanges?: string;
  digest: string;
  headersMs: number;
}

class Refusal extends Error {
  constructor(
    readonly outcome: 'not-usable' | 'interfered' | 'unreachable' | 'busy',
    message: string,
    readonly retryAfter?: string,
  ) {
    super(message);
  }
}

async function readAll(res: ResponseLike, limitBytes: number): Promise<Uint8Array> {
  const reader = res.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!value) continue;
    parts.push(value);
    n += value.length;
    if (n > limitBytes) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One small Range request: the first block of the file, which also shows the total length. */
async function probe(deps: MirrorCheckDeps, url: string, scheme: 'http' | 'https'): Promise<Probe> {
  const u = new URL(url);
  const origin = `${u.protocol}//${u.host}`;
  const startedAt = deps.clock.now();
  let res: ResponseLike;
  try {
    res = await deps.fetch(url, {
      method: 'GET',
      headers: { ...deps.headers, range: rangeHeader({ start: 0, end: BLOCK_BYTES }) },
      redirect: 'manual',
      cache: 'no-store',
      signal: deps.signal,
    });
  } catch (err) {
    throw new Refusal('unreachable', `cannot reach ${url}: ${describeError(err instanceof Error && err.cause instanceof Error ? err.cause : err)}`);
  }
  const headersMs = deps.clock.now() - startedAt;
  const traits = traitsOf(res);
  if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400) || res.redirected) {
    const to = traits.location ?? (res.redirected ? res.url : 'an undisclosed location');
    throw new Refusal('not-usable', `${url} redirects (HTTP ${res.status}) to ${to}: its ${scheme} URL does not serve the file itself`);
  }
  if (res.status === 429 || res.status === 503) {
    throw new Refusal('busy', `${url} answered HTTP ${res.status}: the server asks us to come back later`, traits.retryAfter);
  }
  if (res.status === 200) {
    await res.body?.getReader().cancel().catch(() => undefined);
    const length = res.headers.get('content-length');
    throw new Refusal(
      'not-usable',
      `${url} ignores Range (HTTP 200 with the whole file${length ? `, ${length} bytes` : ''}): every transfer would be the whole file`,
    );
  }
  if (res.status !== 206) {
    await res.body?.getReader().cancel().catch(() => undefined);
    throw new Refusal('not-usable', `${url} answered HTTP ${res.status}`);
  }
  const range = parseContentRange(res.headers.get('content-range'));
  if (!range || range.totalBytes === undefined || range.start !== 0) {
    throw new Refusal('not-usable', `${url} answered 206 without a usable Content-Range (${res.headers.get('content-range') ?? 'none'})`);
  }
  const body = await readAll(res, BLOCK_BYTES);
  if (body.length !== range.end - range.start) {
    throw new Refusal('not-usable', `${url} sent ${body.length} bytes for a range of ${range.end - range.start}`);
  }
  const h = deps.hasher();
  h.update(body);
  return {
    url,
    origin,
    traits,
    totalBytes: range.totalBytes,
    acceptRanges: res.headers.get('accept-ranges') ?? undefined,
    digest: h.digestBase64(),
    headersMs,
  };
}

function urlsOf(raw: string, opts: MirrorCheckOptions): { host: string; path: string; tlsPort: number; plainPort: number } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Refusal('not-usable', `not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Refusal('not-usable', `${raw}: only http:// and https:// files can be measured`);
  if (url.pathname === '/' && !url.search) throw new Refusal('not-usable', `${raw} names no file`);
  const tlsPort = opts.httpsPort ?? (url.protocol === 'https:' && url.port ? Number(url.port) : 443);
  const plainPort = opts.httpPort ?? (url.protocol === 'http:' && url.port ? Number(url.port) : 80);
  return { host: url.hostname.includes(':') ? `[${url.hostname}]` : url.hostname, path: url.pathname + url.search, tlsPort, plainPort };
}

function originOf(scheme: 'http' | 'https', host: string, port: number): string {
  return `${scheme}://${host}${port === (scheme === 'https' ? 443 : 80) ? '' : `:${port}`}`;
}

/** Checks the file at `rawUrl` over both schemes; never throws. */
export async function checkMirror(deps: MirrorCheckDeps, rawUrl: string, opts: MirrorCheckOptions = {}): Promise<MirrorCheck> {
  const checks: string[] = [];
  try {
    const { host, path, tlsPort, plainPort } = urlsOf(rawUrl, opts);
    const tlsUrl = `${originOf('https', host, tlsPort)}${path}`;
    const plainUrl = `${originOf('http', host, plainPort)}${path}`;
    // TLS first: what it says is what no middlebox could have altered.
    const tls = await probe(deps, tlsUrl, 'https');
    const plain = await probe(deps, plainUrl, 'http');
    checks.push('no redirect on either scheme', 'Range honoured on both schemes (206 with Content-Range)');
    // A 206 is the proof; Accept-Ranges (RFC 9110 sec. 14.3) is only what the server claims.
    if (tls.acceptRanges && plain.acceptRanges) checks.push(`Accept-Ranges: ${tls.acceptRanges} on both schemes`);
    if (plain.totalBytes !== tls.totalBytes) {
      throw new Refusal('not-usable', `the schemes serve different files: ${plain.totalBytes} bytes over http, ${tls.totalBytes} over https`);
    }
    checks.push(`same length on both schemes (${tls.totalBytes} bytes)`);
    const traits = compareTraits(plain.traits, tls.traits);
    if (traits.kind !== 'ok') throw new Refusal(traits.kind, traits.reason);
    if (tls.traits.etag && plain.traits.etag) checks.push(`same ETag on both schemes (${tls.traits.etag})`);
    if (tls.traits.lastModified && plain.traits.lastModified) checks.push(`same Last-Modified on both schemes (${tls.traits.lastModified})`);
    checks.push('no cache or proxy header on the plaintext leg only');
    if (plain.digest !== tls.digest) {
      throw new Refusal('interfered', `the first ${BLOCK_BYTES} bytes differ between http and https: something altered the plaintext copy`);
    }
    checks.push(`same first ${BLOCK_BYTES} bytes on both schemes`);
    if (deps.remoteAddressOf) {
      const a = deps.remoteAddressOf(plain.origin);
      const b = deps.remoteAddressOf(tls.origin);
      if (a && b && a !== b) {
        throw new Refusal('not-usable', `the schemes reach different servers: http ${a}, https ${b}: not the same server at the same moment`);
      }
      if (a && b) checks.push(`same server address on both schemes (${a})`);
      else checks.push('server address not seen for both schemes');
    } else {
      checks.push('server addresses not visible on this platform (not compared)');
    }
    if (tls.totalBytes < MIN_MIRROR_FILE_BYTES) {
      throw new Refusal('not-usable', `the file is only ${tls.totalBytes} bytes (at least ${MIN_MIRROR_FILE_BYTES} are needed)`);
    }
    const target: MirrorTarget = {
      mode: 'mirror',
      host,
      tlsPort,
      plainPort,
      path,
      fileBytes: tls.totalBytes,
      checks,
      ...(tls.traits.etag ? { etag: tls.traits.etag } : {}),
      ...(tls.traits.lastModified ? { lastModified: tls.traits.lastModified } : {}),
    };
    return { outcome: 'usable', target, checks, connectMs: Math.min(tls.headersMs, plain.headersMs) };
  } catch (err) {
    if (err instanceof Refusal) {
      if (err.outcome === 'busy') return { outcome: 'busy', reason: err.message, checks, ...(err.retryAfter ? { retryAfter: err.retryAfter } : {}) };
      return { outcome: err.outcome, reason: err.message, checks };
    }
    if (err instanceof MeasureError && err.kind === 'aborted') return { outcome: 'unreachable', reason: err.message, checks };
    // The browser already reaches it over HTTP/3 (src/extension/platform/extension-io.ts): it
    // answers, but not as the comparison needs.
    if (err instanceof MeasureError && err.kind === 'not-tcp') return { outcome: 'not-usable', reason: err.message, checks, overQuic: true };
    return { outcome: 'unreachable', reason: describeError(err), checks };
  }
}
