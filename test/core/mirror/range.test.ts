import { describe, expect, it } from 'vitest';
import { BLOCK_BYTES, RangeCursor, checkContentRange, parseContentRange, rangeHeader } from '../../../src/core/mirror/range.js';
import type { ResponseLike } from '../../../src/core/io.js';

const res = (contentRange: string | null): ResponseLike => ({
  status: 206,
  url: 'https://m.test/f',
  redirected: false,
  type: 'basic',
  headers: { get: (k) => (k === 'content-range' ? contentRange : null) },
  body: null,
  text: async () => '',
});

describe('byte ranges', () => {
  it('writes the Range header with an inclusive last byte', () => {
    expect(rangeHeader({ start: 0, end: 1024 })).toBe('bytes=0-1023');
  });

  it('parses Content-Range into an end-exclusive range with the complete length', () => {
    expect(parseContentRange('bytes 0-1023/146515')).toEqual({ start: 0, end: 1024, totalBytes: 146515 });
    expect(parseContentRange('bytes 5-9/*')).toEqual({ start: 5, end: 10 });
    expect(parseContentRange('bytes */146515')).toBeUndefined();
    expect(parseContentRange(null)).toBeUndefined();
  });

  it('gives ranges that never overlap until the file is used up', () => {
    const cursor = new RangeCursor(100 * BLOCK_BYTES, 0);
    const seen = new Set<number>();
    let total = 0;
    for (const bytes of [BLOCK_BYTES, 3 * BLOCK_BYTES, 5000, 10 * BLOCK_BYTES, 2 * BLOCK_BYTES]) {
      const r = cursor.next(bytes);
      expect(r.start % BLOCK_BYTES).toBe(0);
      expect(r.end - r.start).toBeGreaterThanOrEqual(bytes);
      for (let b = r.start; b < r.end; b += BLOCK_BYTES) {
        expect(seen.has(b)).toBe(false);
        seen.add(b);
      }
      total += r.end - r.start;
    }
    expect(total).toBe(17 * BLOCK_BYTES);
    expect(cursor.wraps).toBe(0);
  });

  it('wraps within the file and starts each pass at an offset no earlier pass started from', () => {
    const cursor = new RangeCursor(10 * BLOCK_BYTES, 0);
    const starts: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = cursor.next(4 * BLOCK_BYTES);
      expect(r.end).toBeLessThanOrEqual(10 * BLOCK_BYTES);
      expect(r.end - r.start).toBe(4 * BLOCK_BYTES);
      starts.push(r.start);
    }
    expect(cursor.wraps).toBeGreaterThan(2);
    const passStarts = starts.filter((_, i) => i > 0 && starts[i]! < starts[i - 1]!);
    expect(new Set(passStarts).size).toBe(passStarts.length);
  });

  it('never asks for more than the whole file', () => {
    const cursor = new RangeCursor(3 * BLOCK_BYTES + 100, 0);
    expect(cursor.next(50 * BLOCK_BYTES)).toEqual({ start: 0, end: 3 * BLOCK_BYTES + 100 });
  });

  it('gives both schemes of a round the same offset, and the next round starts past the longer', () => {
    const cursor = new RangeCursor(1000 * BLOCK_BYTES, 0);
    const a = cursor.forRound(0, 'http', 10 * BLOCK_BYTES);
    const b = cursor.forRound(0, 'https', 4 * BLOCK_BYTES);
    expect(b.start).toBe(a.start);
    const c = cursor.forRound(1, 'https', 4 * BLOCK_BYTES);
    expect(c.start).toBe(a.end);
    const d = cursor.forRound(1, 'http', 20 * BLOCK_BYTES);
    expect(d.start).toBe(c.start);
    expect(cursor.forRound(2, 'http', BLOCK_BYTES).start).toBe(d.end);
  });

  it('gives a scheme a fresh range for its second transfer in a round, and every ramp transfer', () => {
    const cursor = new RangeCursor(1000 * BLOCK_BYTES, 0);
    const a = cursor.forRound(0, 'http', 2 * BLOCK_BYTES);
    const b = cursor.forRound(0, 'http', 2 * BLOCK_BYTES);
    expect(b.start).toBeGreaterThanOrEqual(a.end);
    const r1 = cursor.forRound(-1, 'https', BLOCK_BYTES);
    const r2 = cursor.forRound(-1, 'https', BLOCK_BYTES);
    expect(r2.start).toBeGreaterThanOrEqual(r1.end);
  });

  it('starts at a block boundary near the offset asked for', () => {
    expect(new RangeCursor(100 * BLOCK_BYTES, 5 * BLOCK_BYTES + 77).next(1).start).toBe(5 * BLOCK_BYTES);
  });

  it('refuses a 206 for other bytes than asked, a missing Content-Range, or a changed length', () => {
    const asked = { start: 0, end: 1024 };
    expect(() => checkContentRange(res('bytes 0-1023/4096'), asked, 4096, 'u')).not.toThrow();
    expect(() => checkContentRange(res('bytes 1-1024/4096'), asked, 4096, 'u')).toThrow(/bytes 1-1024 to a request for 0-1023/);
    expect(() => checkContentRange(res(null), asked, 4096, 'u')).toThrow(/without a usable Content-Range/);
    expect(() => checkContentRange(res('bytes 0-1023/5000'), asked, 4096, 'u')).toThrow(/now holds 5000 bytes/);
  });
});
