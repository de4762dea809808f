// Byte ranges of a public mirror's file. Each transfer asks for a range no earlier transfer of
// the run asked for (RFC 9110 sec. 14: Range / 206 / Content-Range), so a cache on the path
// cannot answer the same bytes twice, the file's size does not cap the run, and sizes follow
// the sizer (src/core/sizer.ts) as they do against an endpoint of ours.
import { MeasureError } from '../errors.js';
import type { ResponseLike } from '../io.js';

export interface ByteRange {
  /** First byte, counted from 0. */
  start: number;
  /** One past the last byte. */
  end: number;
}

export function rangeBytes(r: ByteRange): number {
  return r.end - r.start;
}

/** RFC 9110 sec. 14.1.2: `bytes=first-last`, last inclusive. */
export function rangeHeader(r: ByteRange): string {
  return `bytes=${r.start}-${r.end - 1}`;
}

export interface ContentRange {
  start: number;
  end: number;
  /** The complete length, when the server states it (RFC 9110 sec. 14.4 allows `*`). */
  totalBytes?: number;
}

/** Parses `bytes 0-1023/146515` into an end-exclusive range; undefined when it is not one. */
export function parseContentRange(value: string | null): ContentRange | undefined {
  const m = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(value ?? '');
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]) + 1;
  if (end <= start) return undefined;
  return m[3] === '*' ? { start, end } : { start, end, totalBytes: Number(m[3]) };
}

/**
 * Blocks are the unit in which a plaintext range is compared with the same bytes over TLS
 * (verify.ts); ranges start on block boundaries and span whole blocks, so two transfers that
 * overlap share whole blocks.
 */
export const BLOCK_BYTES = 16 * 1024;

/**
 * After the cursor reaches the file's end it starts again from an offset no earlier pass
 * started from (one more block in each pass), so a range-keyed cache still meets new ranges.
 */
export class RangeCursor {
  private offset: number;
  private pass = 0;
  private readonly firstOffset: number;

  constructor(
    readonly fileBytes: number,
    startOffset = 0,
  ) {
    if (!(fileBytes > 0)) throw new MeasureError('not-usable', `the file has no usable length (${fileBytes} bytes)`);
    this.firstOffset = alignDown(Math.max(0, Math.min(startOffset, fileBytes - 1)));
    this.offset = this.firstOffset;
  }

  /** The next range of about `bytes` (rounded up to whole blocks, at most the whole file). */
  next(bytes: number): ByteRange {
    const wanted = Math.min(this.fileBytes, Math.max(BLOCK_BYTES, Math.ceil(bytes / BLOCK_BYTES) * BLOCK_BYTES));
    if (this.offset + wanted > this.fileBytes) {
      this.pass++;
      const room = Math.max(0, this.fileBytes - wanted);
      this.offset = alignDown(room === 0 ? 0 : (this.firstOffset + this.pass * BLOCK_BYTES) % (room + 1));
    }
    const range = { start: this.offset, end: Math.min(this.fileBytes, this.offset + wanted) };
    this.offset = range.end;
    return range;
  }

  private round = -1;
  private roundStart = 0;
  private roundEnd = 0;
  private roundSchemes = new Set<string>();

  /**
   * The range for one leg of a round: both schemes of a round start at the same offset, so the
   * shorter transfer's bytes are verified by the longer one's (verify.ts) with no extra
   * fetch; the next round starts past the longer one. A scheme's second transfer in a round,
   * and every ramp transfer (round < 0), gets a fresh range.
   */
  forRound(round: number, scheme: string, bytes: number): ByteRange {
    if (round < 0) return this.next(bytes);
    if (round !== this.round || this.roundSchemes.has(scheme)) {
      if (this.round >= 0) this.offset = Math.max(this.offset, this.roundEnd);
      const first = this.next(bytes);
      this.round = round;
      this.roundSchemes = new Set([scheme]);
      this.roundStart = first.start;
      this.roundEnd = first.end;
      return first;
    }
    this.roundSchemes.add(scheme);
    const wanted = Math.min(this.fileBytes - this.roundStart, Math.max(BLOCK_BYTES, Math.ceil(bytes / BLOCK_BYTES) * BLOCK_BYTES));
    const range = { start: this.roundStart, end: this.roundStart + wanted };
    if (wanted < Math.min(bytes, this.fileBytes)) {
      // The round's offset lies too near the end for this leg: a fresh range of its own.
      const fresh = this.next(bytes);
      this.roundEnd = Math.max(this.roundEnd, fresh.end);
      return fresh;
    }
    this.roundEnd = Math.max(this.roundEnd, range.end);
    this.offset = Math.max(this.offset, range.end);
    return range;
  }

  /** How many times the cursor has wrapped: after the first, ranges overlap earlier ones. */
  get wraps(): number {
    return this.pass;
  }
}

function alignDown(n: number): number {
  return Math.floor(n / BLOCK_BYTES) * BLOCK_BYTES;
}

/**
 * Refuses a 206 whose Content-Range is not the range asked for, or whose complete length is
 * not the file's: the bytes would not be the ones the other scheme gets.
 */
export function checkContentRange(res: ResponseLike, asked: ByteRange, fileBytes: number, url: string): void {
  const got = parseContentRange(res.headers.get('content-range'));
  if (!got) {
    throw new MeasureError('not-usable', `${url} answered 206 without a usable Content-Range (${res.headers.get('content-range') ?? 'none'})`);
  }
  if (got.start !== asked.start || got.end !== asked.end) {
    throw new MeasureError(
      'not-usable',
      `${url} answered bytes ${got.start}-${got.end - 1} to a request for ${asked.start}-${asked.end - 1}`,
    );
  }
  if (got.totalBytes !== undefined && got.totalBytes !== fileBytes) {
    throw new MeasureError('not-usable', `${url} now holds ${got.totalBytes} bytes, not the ${fileBytes} checked before the run`);
  }
}
