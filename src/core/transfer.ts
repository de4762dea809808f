// One timed transfer. Goodput is timed from the first body byte to the last, so connection
// set-up and time-to-first-byte never count as throughput (docs/method.md, "Rounds").
import { MeasureError, kB } from './errors.js';
import type { Clock, FetchLike, HasherFactory, ResponseInspector, ResponseLike } from './io.js';
import { parseReprDigest } from './digest.js';
import { safeText } from './safe-text.js';

export interface TransferLimits {
  /** Abort when no byte arrives for this long. */
  stallMs: number;
  /** Abort when the whole transfer takes longer than this. */
  maxMs: number;
  /** Width of the bytes-over-time bins kept for the shaping signature. */
  binMs: number;
}

// 50 ms bins give a 200 ms transfer four points, and a bucket-shaped one (sized past its burst)
// more, for the shaping signature.
export const DEFAULT_LIMITS: TransferLimits = { stallMs: 10_000, maxMs: 30_000, binMs: 50 };

export interface TransferSample {
  bytes: number;
  /** First byte to last byte. */
  durationMs: number;
  mbps: number;
  ttfbMs: number;
  /** Bytes received in each binMs-wide bin after the first byte. */
  bins: number[];
  binMs: number;
  /** Base64 SHA-256 of the body as received (downloads only). */
  digest?: string;
  /** The digest the server announced in Repr-Digest, if any. */
  announcedDigest?: string;
  /** Headers that betray a middlebox (Via, X-Cache, ...), as seen. */
  middleboxHeaders: string[];
}

export interface DownloadRequest {
  url: string;
  expectBytes: number;
  scheme: 'http' | 'https';
  signal?: AbortSignal;
  onBytes?: (bytes: number, elapsedMs: number) => void;
  /** Request headers, e.g. `Range` for a byte range of a mirror's file (src/core/mirror/range.ts). */
  headers?: Record<string, string>;
  /** 206 for a Range request; anything else is refused before the body is read. Default 200. */
  expectStatus?: 200 | 206;
  /** Sees the response before its body is read; throwing refuses it (a wrong Content-Range). */
  onResponse?: (res: ResponseLike) => void;
  /** Gets the whole body after the timed window, for checks that need more than its digest. */
  onBody?: (body: Uint8Array) => void;
  /** The flow that carries it (io.ts RequestOptions.flow). */
  flow?: string;
  /** The flow's connection ends after this transfer (io.ts RequestOptions.closeConnection). */
  closeConnection?: boolean;
}

export interface TransferDeps {
  fetch: FetchLike;
  clock: Clock;
  hasher: HasherFactory;
  inspect?: ResponseInspector;
  limits?: Partial<TransferLimits>;
  /** fetch honours RequestOptions.closeConnection (the CLI's undici pools; no browser can). */
  endsConnections?: boolean;
}

const MIDDLEBOX_HEADERS = ['via', 'x-cache', 'x-squid-error', 'x-bluecoat-via', 'x-proxy-id'];

export function mbpsOf(bytes: number, durationMs: number): number {
  return durationMs > 0 ? (bytes * 8) / (durationMs * 1000) : 0;
}

function middleboxHeaders(res: ResponseLike): string[] {
  const seen: string[] = [];
  for (const name of MIDDLEBOX_HEADERS) {
    const v = res.headers.get(name);
    // Header values are the path's words (a Via may be kilobytes): quoted only made safe.
    if (v) seen.push(`${name}: ${safeText(v)}`);
  }
  return seen;
}

/** Fails loudly on anything but a direct 200 over the scheme we asked for. */
async function checkResponse(
  res: ResponseLike,
  req: { url: string; scheme: 'http' | 'https'; expectStatus?: 200 | 206 },
  inspect: ResponseInspector | undefined,
): Promise<void> {
  if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400) || res.redirected) {
    const to = res.headers.get('location') ?? (res.redirected ? res.url : 'an undisclosed location');
    throw new MeasureError('redirect', `${req.url} redirected (HTTP ${res.status}) to ${safeText(to)}`);
  }
  // A server that is busy or limiting us says so (RFC 6585 sec. 4, RFC 9110 sec. 15.6.4); that
  // is no finding about the path, and its Retry-After is for whoever picks the next server.
  if (res.status === 429 || res.status === 503) {
    const retryAfter = res.headers.get('retry-after') ?? undefined;
    throw new MeasureError(
      'busy',
      `${req.url} answered HTTP ${res.status}${retryAfter ? ` (Retry-After: ${retryAfter})` : ''}`,
      retryAfter,
    );
  }
  const expected = req.expectStatus ?? 200;
  if (expected === 206 && res.status === 200) {
    throw new MeasureError('range-ignored', `${req.url} answered HTTP 200 (the whole file) to a Range request`);
  }
  if (res.status !== expected) {
    throw new MeasureError('http-status', `${req.url} answered HTTP ${res.status}`);
  }
  if (res.url && !res.url.startsWith(`${req.scheme}:`)) {
    throw new MeasureError('not-plaintext', `${req.url} was fetched as ${res.url}: the browser changed the scheme`);
  }
  const problem = await inspect?.(res, req.scheme);
  if (problem) throw new MeasureError('not-plaintext', problem);
}

/** Runs `work` with a stall watchdog and an overall cap; aborts the fetch on either. */
function watchdog(limits: TransferLimits, clock: Clock, outer?: AbortSignal) {
  const controller = new AbortController();
  let lastProgressAt = clock.now();
  const startedAt = lastProgressAt;
  let reason: 'stalled' | 'timeout' | 'aborted' | undefined;
  const onOuterAbort = () => {
    reason = 'aborted';
    controller.abort(outer?.reason);
  };
  if (outer?.aborted) onOuterAbort();
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const tick = Math.max(50, Math.min(500, limits.stallMs / 4));
  let timer: unknown;
  const check = () => {
    const t = clock.now();
    if (t - lastProgressAt >= limits.stallMs) {
      reason = 'stalled';
      controller.abort(new Error('stalled'));
    } else if (t - startedAt >= limits.maxMs) {
      reason = 'timeout';
      controller.abort(new Error('timeout'));
    } else {
      timer = setTimeout(check, tick);
    }
  };
  timer = setTimeout(check, tick);
  return {
    signal: controller.signal,
    progress() {
      lastProgressAt = clock.now();
    },
    get reason() {
      return reason;
    },
    dispose() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    },
  };
}

function abortError(
  reason: 'stalled' | 'timeout' | 'aborted' | undefined,
  what: string,
  elapsedMs: number,
  bytes: number,
  limits: TransferLimits,
  cause: unknown,
  bodyStarted = false,
): Error {
  const ms = Math.round(elapsedMs);
  if (reason === 'stalled')
    return new MeasureError('stalled', `${what} stalled: no byte for ${limits.stallMs} ms, after ${ms} ms at ${kB(bytes)}`);
  if (reason === 'timeout')
    return new MeasureError('timeout', `${what} took longer than ${limits.maxMs} ms (at ${kB(bytes)})`);
  if (reason === 'aborted') return new MeasureError('aborted', `${what} was cancelled after ${ms} ms at ${kB(bytes)}`);
  if (cause instanceof MeasureError) return cause;
  const detail = cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause);
  if (bodyStarted) return new MeasureError('dropped', `${what} was cut off after ${ms} ms at ${kB(bytes)}: ${detail}`);
  return new MeasureError('unreachable', `${what} failed after ${ms} ms: ${detail}`);
}

export async function timedDownload(deps: TransferDeps, req: DownloadRequest): Promise<TransferSample> {
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const { clock } = deps;
  const what = `download of ${req.expectBytes} bytes from ${req.url}`;
  // Bodies are hashed after the last byte, outside the timed window: hashing while reading
  // halves goodput on fast paths (SHA-256 runs at about 2 GB/s native, 0.2 GB/s in JS).
  // The body is copied into one buffer whose pages are touched before the request, so the
  // timed window pays neither the hash nor the page faults of fresh memory. Transfers are
  // capped by the budget share (runner.ts), so holding one costs little.
  const body = new Uint8Array(req.expectBytes);
  body.fill(1);
  const dog = watchdog(limits, clock, req.signal);
  const requestedAt = clock.now();
  let bytes = 0;
  let bodyStarted = false;
  let reader: ReturnType<NonNullable<ResponseLike['body']>['getReader']> | undefined;
  let res: ResponseLike | undefined;
  try {
    res = await deps.fetch(req.url, {
      method: 'GET',
      signal: dog.signal,
      redirect: 'manual',
      cache: 'no-store',
      ...(req.headers ? { headers: req.headers } : {}),
      ...(req.flow ? { flow: req.flow } : {}),
      ...(req.closeConnection ? { closeConnection: true } : {}),
    });
    await checkResponse(res, req, deps.inspect);
    req.onResponse?.(res);
    if (!res.body) throw new MeasureError('short-body', `${what}: the response had no body`);
    reader = res.body.getReader();
    bodyStarted = true;
    const bins: number[] = [];
    let firstAt = -1;
    let firstChunkBytes = 0;
    let lastAt = -1;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!value || value.length === 0) continue;
      const t = clock.now();
      dog.progress();
      if (firstAt < 0) {
        firstAt = t;
        firstChunkBytes = value.length;
      }
      lastAt = t;
      if (bytes + value.length <= body.length) body.set(value, bytes);
      bytes += value.length;
      const bin = Math.floor((t - firstAt) / limits.binMs);
      while (bins.length <= bin) bins.push(0);
      bins[bin]! += value.length;
      req.onBytes?.(bytes, t - firstAt);
      if (bytes > req.expectBytes) break;
    }
    if (bytes !== req.expectBytes) {
      throw new MeasureError('short-body', `${what}: received ${bytes} bytes instead of ${req.expectBytes}`);
    }
    // The first chunk arrived at t=0 of the timed window, so its bytes took no measured time:
    // leaving them out keeps small transfers from looking faster than large ones.
    const durationMs = Math.max(lastAt - firstAt, 0);
    const timedBytes = bytes - firstChunkBytes;
    const hasher = deps.hasher();
    hasher.update(body);
    req.onBody?.(body);
    return {
      bytes,
      durationMs,
      mbps: timedBytes > 0 ? mbpsOf(timedBytes, durationMs) : 0,
      ttfbMs: firstAt - requestedAt,
      bins,
      binMs: limits.binMs,
      digest: hasher.digestBase64(),
      announcedDigest: parseReprDigest(res.headers.get('repr-digest')),
      middleboxHeaders: middleboxHeaders(res),
    };
  } catch (err) {
    // A refused response's body is dropped too: left unread, a whole file answering a Range
    // request would hold the leg's one connection (src/cli/node-io.ts keeps one per origin).
    void (reader ?? res?.body?.getReader())?.cancel().catch(() => undefined);
    throw abortError(dog.reason, what, clock.now() - requestedAt, bytes, limits, err, bodyStarted);
  } finally {
    dog.dispose();
  }
}

export interface UploadRequest {
  url: string;
  body: Uint8Array;
  scheme: 'http' | 'https';
  signal?: AbortSignal;
  /** The flow that carries it (io.ts RequestOptions.flow). */
  flow?: string;
  /** The flow's connection ends after this transfer (io.ts RequestOptions.closeConnection). */
  closeConnection?: boolean;
}

/** What POST /upload answers: the server's own clock for the first and last body byte. */
interface UploadReceipt {
  /** Bytes in the first chunk the server read: they took no measured time. */
  firstChunkBytes?: number;
  bytes: number;
  firstByteMs: number;
  lastByteMs: number;
}

function parseReceipt(text: string, what: string): UploadReceipt {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    // A plaintext receipt can be rewritten on the path: its start is quoted only made safe.
    throw new MeasureError('bad-endpoint', `${what}: the endpoint's answer is not JSON (${safeText(text, 80)})`);
  }
  const r = v as Partial<UploadReceipt>;
  if (typeof r.bytes !== 'number' || typeof r.firstByteMs !== 'number' || typeof r.lastByteMs !== 'number') {
    throw new MeasureError('bad-endpoint', `${what}: the endpoint's receipt lacks bytes/firstByteMs/lastByteMs`);
  }
  return r as UploadReceipt;
}

/**
 * Uploads are timed by the server (its first and last body byte), since a client only knows
 * when its bytes left the socket buffer, not when they crossed the line.
 */
export async function timedUpload(deps: TransferDeps, req: UploadRequest): Promise<TransferSample> {
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const what = `upload of ${req.body.length} bytes to ${req.url}`;
  // A whole-body POST makes no progress events, so only the overall cap can fire.
  const dog = watchdog({ ...limits, stallMs: limits.maxMs }, deps.clock, req.signal);
  const startedAt = deps.clock.now();
  try {
    const res = await deps.fetch(req.url, {
      method: 'POST',
      body: req.body,
      headers: { 'content-type': 'application/octet-stream' },
      signal: dog.signal,
      redirect: 'manual',
      cache: 'no-store',
      ...(req.flow ? { flow: req.flow } : {}),
      ...(req.closeConnection ? { closeConnection: true } : {}),
    });
    await checkResponse(res, req, deps.inspect);
    const receipt = parseReceipt(await res.text(), what);
    if (receipt.bytes !== req.body.length) {
      throw new MeasureError('short-body', `${what}: the endpoint received ${receipt.bytes} bytes`);
    }
    const durationMs = Math.max(receipt.lastByteMs - receipt.firstByteMs, 0);
    const timedBytes = receipt.bytes - (receipt.firstChunkBytes ?? 0);
    const sample: TransferSample = {
      bytes: receipt.bytes,
      durationMs,
      mbps: timedBytes > 0 ? mbpsOf(timedBytes, durationMs) : 0,
      ttfbMs: 0,
      bins: [],
      binMs: limits.binMs,
      middleboxHeaders: middleboxHeaders(res),
    };
    return withWallClockIfUntimed(sample, deps.clock.now() - startedAt);
  } catch (err) {
    throw abortError(dog.reason, what, deps.clock.now() - startedAt, 0, limits, err);
  } finally {
    dog.dispose();
  }
}

/**
 * The server times an upload from its first to its last body chunk, leaving the first chunk
 * out. Over TLS a chunk is a whole record of up to 16 KiB (RFC 8446 sec. 5.1), so a small
 * upload (a few records: what the sizer asks for at 80 kbit/s) leaves the server almost no
 * timed bytes and its goodput is noise; the lab measured 16 kB uploads through an 80 kbit/s
 * class at 40-50 Mbit/s. When under half the body was timed, the client's wall time from
 * request to receipt (one round trip more than the transfer) is the honest measure.
 */
export function withWallClockIfUntimed(sample: TransferSample, wallMs: number): TransferSample {
  const timedBytes = (sample.mbps * sample.durationMs * 1000) / 8;
  if (timedBytes >= sample.bytes / 2 || !(wallMs > 0)) return sample;
  return { ...sample, durationMs: wallMs, mbps: (sample.bytes * 8) / (wallMs * 1000) };
}
