// A public mirror in memory, for the mirror mode's unit tests: one file served over http and
// https with Range (RFC 9110 sec. 14), and the ways real mirrors and middleboxes fall short
// (a redirect to https, Range ignored, a plaintext-only cache, altered bytes, 429/503).
import { createHash } from 'node:crypto';
import type { FetchLike, Hasher, RequestOptions, ResponseLike } from '../../src/core/io.js';

export interface FakeMirrorOptions {
  fileBytes: number;
  /** Faults of the plaintext side (what reaches the client over http). */
  plain?: {
    redirect?: boolean;
    ignoreRange?: boolean;
    via?: string;
    /** Flip one byte at this file offset in every plaintext body that holds it. */
    alterAt?: number;
    etag?: string;
    status?: number;
    contentType?: string;
  };
  /** Faults of the TLS side. */
  tls?: { ignoreRange?: boolean; status?: number; retryAfter?: string };
  /** Busy answers (429) for the first n requests of any scheme, with this Retry-After. */
  busyFirst?: { count: number; retryAfter?: string };
  /** Serves every range with this Content-Range instead of the right one. */
  wrongContentRange?: string;
}

export interface FakeMirror {
  fetch: FetchLike;
  /** Every request: method, URL and Range header. */
  requests: { url: string; range?: string; scheme: 'http' | 'https'; headers: Record<string, string>; flow?: string; closeConnection?: boolean }[];
  byteAt(i: number): number;
  opts: FakeMirrorOptions;
}

export const FILE_URL = 'https://mirror.test/pub/big.iso';

export function nodeSha256(): Hasher {
  const h = createHash('sha256');
  return { update: (c) => void h.update(c), digestBase64: () => h.digest('base64') };
}

export const testClock = (() => {
  let t = 0;
  return { now: () => (t += 1) };
})();

export function fakeMirror(opts: FakeMirrorOptions): FakeMirror {
  const byteAt = (i: number) => (i * 131 + (i >>> 9) * 7 + 3) & 0xff;
  const requests: FakeMirror['requests'] = [];
  let busyLeft = opts.busyFirst?.count ?? 0;

  const response = (url: string, status: number, h: Record<string, string>, body?: Uint8Array): ResponseLike => {
    const lower: Record<string, string> = {};
    for (const [k, v] of Object.entries(h)) lower[k.toLowerCase()] = v;
    let sent = 0;
    return {
      status,
      url,
      redirected: false,
      type: 'basic',
      headers: { get: (k) => lower[k.toLowerCase()] ?? null },
      body: body
        ? {
            getReader: () => ({
              async read() {
                if (sent >= body.length) return { done: true };
                const n = Math.min(64 * 1024, body.length - sent);
                const value = body.subarray(sent, sent + n);
                sent += n;
                return { done: false, value };
              },
              async cancel() {},
            }),
          }
        : null,
      text: async () => '',
    };
  };

  const fetch: FetchLike = async (url: string, init: RequestOptions) => {
    const u = new URL(url);
    const scheme = u.protocol === 'https:' ? 'https' : 'http';
    const headers = init.headers ?? {};
    const range = headers.range ?? headers.Range;
    requests.push({ url, scheme, headers, ...(range ? { range } : {}), ...(init.flow ? { flow: init.flow } : {}), ...(init.closeConnection ? { closeConnection: true } : {}) });
    const side = scheme === 'http' ? opts.plain ?? {} : opts.tls ?? {};
    if (busyLeft > 0) {
      busyLeft--;
      return response(url, 429, opts.busyFirst?.retryAfter ? { 'retry-after': opts.busyFirst.retryAfter } : {});
    }
    if (scheme === 'http' && opts.plain?.redirect) {
      return response(url, 301, { location: url.replace('http:', 'https:') });
    }
    if (side.status) {
      const h: Record<string, string> = { 'content-type': 'text/html' };
      if (scheme === 'https' && opts.tls?.retryAfter) h['retry-after'] = opts.tls.retryAfter;
      return response(url, side.status, h, new TextEncoder().encode('<html>error</html>'));
    }
    const common: Record<string, string> = {
      'accept-ranges': 'bytes',
      etag: scheme === 'http' && opts.plain?.etag ? opts.plain.etag : '"5f3a-6d2c0000"',
      'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT',
      'content-type': scheme === 'http' && opts.plain?.contentType ? opts.plain.contentType : 'application/octet-stream',
    };
    if (scheme === 'http' && opts.plain?.via) common.via = opts.plain.via;
    const m = /^bytes=(\d+)-(\d+)$/.exec(range ?? '');
    let start = 0;
    let end = opts.fileBytes;
    let status = 200;
    if (m && !side.ignoreRange) {
      start = Number(m[1]);
      end = Math.min(opts.fileBytes, Number(m[2]) + 1);
      status = 206;
      common['content-range'] = opts.wrongContentRange ?? `bytes ${start}-${end - 1}/${opts.fileBytes}`;
    }
    common['content-length'] = String(end - start);
    if (init.method === 'HEAD') return response(url, status, common);
    const body = new Uint8Array(end - start);
    for (let i = start; i < end; i++) body[i - start] = byteAt(i);
    const alterAt = scheme === 'http' ? opts.plain?.alterAt : undefined;
    if (alterAt !== undefined && alterAt >= start && alterAt < end) body[alterAt - start]! ^= 0xff;
    return response(url, status, common, body);
  };
  return { fetch, requests, byteAt, opts };
}
