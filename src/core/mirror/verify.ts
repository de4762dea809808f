// Same bytes, verified: every plaintext range of a mirror's file is compared, block by block,
// with the same bytes fetched over TLS, which no middlebox can alter unseen. Only a mirror
// whose two schemes serve one file from one server is a fair comparison (docs/method.md,
// "Same bytes, verified"); what falls short is either "not usable for this test" (the
// mirror's own doing: a redirect, an error page, two different files) or `interfered` (what
// a middlebox on the plaintext path does: altered bytes, a cache only plaintext passes).
import { MeasureError } from '../errors.js';
import type { HasherFactory, ResponseLike } from '../io.js';
import { BLOCK_BYTES, type ByteRange } from './range.js';

export type MirrorOutcome =
  | { kind: 'ok' }
  | { kind: 'not-usable'; reason: string }
  | { kind: 'interfered'; reason: string };

/** Digest of each block of a body that holds `range` of the file, keyed by file offset. */
export function blockDigests(body: Uint8Array, range: ByteRange, hasher: HasherFactory): Map<number, string> {
  const out = new Map<number, string>();
  for (let at = range.start; at < range.end; at += BLOCK_BYTES) {
    const h = hasher();
    h.update(body.subarray(at - range.start, Math.min(range.end, at + BLOCK_BYTES) - range.start));
    out.set(at, h.digestBase64());
  }
  return out;
}

/** Adjacent block offsets as ranges, for messages and for the TLS fetches that fill gaps. */
export function coalesce(offsets: number[], fileBytes: number): ByteRange[] {
  const sorted = [...offsets].sort((a, b) => a - b);
  const out: ByteRange[] = [];
  for (const at of sorted) {
    const end = Math.min(fileBytes, at + BLOCK_BYTES);
    const last = out[out.length - 1];
    if (last && last.end === at) last.end = end;
    else out.push({ start: at, end });
  }
  return out;
}

function describeRanges(ranges: ByteRange[]): string {
  const shown = ranges.slice(0, 3).map((r) => `${r.start}-${r.end - 1}`);
  return `bytes ${shown.join(', ')}${ranges.length > 3 ? ` and ${ranges.length - 3} more ranges` : ''}`;
}

/**
 * Keeps the TLS digest of every block seen over TLS and the plaintext digests still waiting
 * for theirs. A round's two legs start at the same offset (range.ts, forRound), so whichever
 * comes first, the TLS leg's blocks settle the plaintext leg's at no cost; only the blocks the
 * plaintext leg read beyond the TLS leg need a TLS fetch of their own, at the round's end.
 */
export class RangeVerifier {
  private readonly tls = new Map<number, string>();
  private readonly pending = new Map<number, string>();
  /** Plaintext blocks compared with their TLS twins so far. */
  verifiedBlocks = 0;

  constructor(
    private readonly fileBytes: number,
    private readonly hasher: HasherFactory,
  ) {}

  /** Records a TLS body; answers the pending plaintext blocks it contradicts. */
  addTls(range: ByteRange, body: Uint8Array): ByteRange[] {
    const differing: number[] = [];
    for (const [at, digest] of blockDigests(body, range, this.hasher)) {
      this.tls.set(at, digest);
      const plain = this.pending.get(at);
      if (plain === undefined) continue;
      this.pending.delete(at);
      this.verifiedBlocks++;
      if (plain !== digest) differing.push(at);
    }
    return coalesce(differing, this.fileBytes);
  }

  /** Compares a plaintext body with what TLS carried; the blocks TLS has not carried wait. */
  addPlain(range: ByteRange, body: Uint8Array): { differing: ByteRange[]; uncovered: ByteRange[] } {
    const differing: number[] = [];
    const uncovered: number[] = [];
    for (const [at, digest] of blockDigests(body, range, this.hasher)) {
      const tls = this.tls.get(at);
      if (tls === undefined) {
        this.pending.set(at, digest);
        uncovered.push(at);
      } else {
        this.verifiedBlocks++;
        if (tls !== digest) differing.push(at);
      }
    }
    return { differing: coalesce(differing, this.fileBytes), uncovered: coalesce(uncovered, this.fileBytes) };
  }

  /** Plaintext blocks still waiting for their TLS twins, as ranges to fetch over TLS. */
  pendingRanges(): ByteRange[] {
    return coalesce([...this.pending.keys()], this.fileBytes);
  }

  /** Plaintext bytes not yet compared with TLS: none may remain when a verdict is given. */
  get pendingBytes(): number {
    let bytes = 0;
    for (const at of this.pending.keys()) bytes += Math.min(BLOCK_BYTES, this.fileBytes - at);
    return bytes;
  }
}

/** What a comparison found wrong, in words naming the bytes. */
export function differenceOutcome(differing: ByteRange[]): MirrorOutcome {
  if (!differing.length) return { kind: 'ok' };
  return {
    kind: 'interfered',
    reason: `the plaintext copy of ${describeRanges(differing)} differs from the same bytes fetched over TLS`,
  };
}

/**
 * Response headers that a cache or proxy adds (RFC 9110 sec. 7.6.3 Via; RFC 9211
 * Cache-Status; RFC 9111 sec. 5.1 Age; Squid's and others' X-Cache). Only those that the
 * plaintext response carries and the TLS one does not point at a middlebox on the plaintext
 * path: a CDN in front of the mirror adds them to both.
 */
const CACHE_HEADERS = ['via', 'x-cache', 'x-cache-lookup', 'cache-status', 'age', 'x-squid-error', 'x-proxy-id', 'x-bluecoat-via'];

/** What a response says about the file and the path, captured by the transfer's onResponse. */
export interface ResponseTraits {
  status: number;
  etag?: string;
  lastModified?: string;
  contentType?: string;
  location?: string;
  retryAfter?: string;
  cacheHeaders: Record<string, string>;
}

export function traitsOf(res: ResponseLike): ResponseTraits {
  const get = (n: string) => res.headers.get(n) ?? undefined;
  const cacheHeaders: Record<string, string> = {};
  for (const n of CACHE_HEADERS) {
    const v = get(n);
    if (v !== undefined) cacheHeaders[n] = v;
  }
  return {
    status: res.status,
    etag: get('etag'),
    lastModified: get('last-modified'),
    contentType: get('content-type'),
    location: get('location'),
    retryAfter: get('retry-after'),
    cacheHeaders,
  };
}

/** A weak and a strong ETag for the same representation differ only by `W/` (RFC 9110 8.8.3). */
function sameEtag(a: string, b: string): boolean {
  return a.replace(/^W\//, '') === b.replace(/^W\//, '');
}

/**
 * Compares what both schemes answered for the same range: cache headers only plaintext carries
 * are interference; differing validators or types mean two different files (not usable).
 */
export function compareTraits(plain: ResponseTraits, tls: ResponseTraits): MirrorOutcome {
  const onlyPlain = Object.entries(plain.cacheHeaders)
    .filter(([n]) => tls.cacheHeaders[n] === undefined)
    .map(([n, v]) => `${n}: ${v}`);
  if (onlyPlain.length) {
    return { kind: 'interfered', reason: `a cache or proxy handled the plaintext leg only (${onlyPlain.join('; ')})` };
  }
  if (plain.etag && tls.etag && !sameEtag(plain.etag, tls.etag)) {
    return { kind: 'not-usable', reason: `the schemes serve different files: ETag ${plain.etag} over http, ${tls.etag} over https` };
  }
  if (plain.lastModified && tls.lastModified && plain.lastModified !== tls.lastModified) {
    return {
      kind: 'not-usable',
      reason: `the schemes serve different files: Last-Modified ${plain.lastModified} over http, ${tls.lastModified} over https`,
    };
  }
  if (plain.contentType && tls.contentType && plain.contentType !== tls.contentType) {
    return {
      kind: 'interfered',
      reason: `the plaintext leg got ${plain.contentType} where TLS got ${tls.contentType} (an injected page?)`,
    };
  }
  return { kind: 'ok' };
}

/**
 * What a failed plaintext transfer means once the mirror passed its checks (check.ts): a
 * redirect or a Range the TLS leg honours but plaintext does not is something on the path;
 * an error status is the mirror's own trouble; 429/503 asks us to wait.
 */
export function classifyPlainFailure(err: unknown): MirrorOutcome | { kind: 'busy'; reason: string } | undefined {
  if (!(err instanceof MeasureError)) return undefined;
  if (err.kind === 'busy') return { kind: 'busy', reason: err.message };
  if (err.kind === 'redirect') return { kind: 'interfered', reason: `the plaintext leg was redirected mid-run: ${err.message}` };
  if (err.kind === 'range-ignored') {
    return { kind: 'interfered', reason: `the plaintext leg lost its Range request on the way (TLS honours it): ${err.message}` };
  }
  if (err.kind === 'http-status' || err.kind === 'not-usable') return { kind: 'not-usable', reason: err.message };
  return undefined;
}
