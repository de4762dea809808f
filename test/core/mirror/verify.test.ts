import { describe, expect, it } from 'vitest';
import { MeasureError } from '../../../src/core/errors.js';
import { BLOCK_BYTES } from '../../../src/core/mirror/range.js';
import {
  RangeVerifier,
  classifyPlainFailure,
  coalesce,
  compareTraits,
  differenceOutcome,
  type ResponseTraits,
} from '../../../src/core/mirror/verify.js';
import { nodeSha256 } from '../../support/fake-mirror.js';

const FILE = 64 * BLOCK_BYTES + 500;
const fileBytes = (start: number, end: number) => {
  const b = new Uint8Array(end - start);
  for (let i = start; i < end; i++) b[i - start] = (i * 7) & 0xff;
  return b;
};
const traits = (t: Partial<ResponseTraits> = {}): ResponseTraits => ({ status: 206, cacheHeaders: {}, ...t });

describe('plaintext ranges compared with TLS', () => {
  it('compares the overlap of a round at no cost and leaves only the blocks TLS has not carried pending', () => {
    const v = new RangeVerifier(FILE, nodeSha256);
    expect(v.addTls({ start: 0, end: 2 * BLOCK_BYTES }, fileBytes(0, 2 * BLOCK_BYTES))).toEqual([]);
    const plain = v.addPlain({ start: 0, end: 5 * BLOCK_BYTES }, fileBytes(0, 5 * BLOCK_BYTES));
    expect(plain).toEqual({ differing: [], uncovered: [{ start: 2 * BLOCK_BYTES, end: 5 * BLOCK_BYTES }] });
    expect(v.pendingRanges()).toEqual([{ start: 2 * BLOCK_BYTES, end: 5 * BLOCK_BYTES }]);
    expect(v.addTls({ start: 2 * BLOCK_BYTES, end: 5 * BLOCK_BYTES }, fileBytes(2 * BLOCK_BYTES, 5 * BLOCK_BYTES))).toEqual([]);
    expect(v.verifiedBlocks).toBe(5);
    expect(v.pendingBytes).toBe(0);
  });

  it('names the bytes that differ when the plaintext copy was altered', () => {
    const v = new RangeVerifier(FILE, nodeSha256);
    v.addTls({ start: 0, end: 4 * BLOCK_BYTES }, fileBytes(0, 4 * BLOCK_BYTES));
    const plain = fileBytes(0, 4 * BLOCK_BYTES);
    plain[BLOCK_BYTES + 3]! ^= 1;
    expect(differenceOutcome(v.addPlain({ start: 0, end: 4 * BLOCK_BYTES }, plain).differing)).toEqual({
      kind: 'interfered',
      reason: `the plaintext copy of bytes ${BLOCK_BYTES}-${2 * BLOCK_BYTES - 1} differs from the same bytes fetched over TLS`,
    });
  });

  it('finds nothing to say when nothing differs', () => {
    expect(differenceOutcome([])).toEqual({ kind: 'ok' });
  });

  it('catches a plaintext block that a later TLS transfer contradicts', () => {
    const v = new RangeVerifier(FILE, nodeSha256);
    const plain = fileBytes(0, BLOCK_BYTES);
    plain[0]! ^= 1;
    expect(v.addPlain({ start: 0, end: BLOCK_BYTES }, plain).uncovered).toEqual([{ start: 0, end: BLOCK_BYTES }]);
    expect(v.pendingBytes).toBe(BLOCK_BYTES);
    expect(v.addTls({ start: 0, end: 2 * BLOCK_BYTES }, fileBytes(0, 2 * BLOCK_BYTES))).toEqual([{ start: 0, end: BLOCK_BYTES }]);
  });

  it('compares the file\'s short last block like any other', () => {
    const v = new RangeVerifier(FILE, nodeSha256);
    const last = { start: 64 * BLOCK_BYTES, end: FILE };
    v.addTls(last, fileBytes(last.start, last.end));
    expect(v.addPlain(last, fileBytes(last.start, last.end))).toEqual({ differing: [], uncovered: [] });
    const altered = fileBytes(last.start, last.end);
    altered[499]! ^= 1;
    expect(v.addPlain(last, altered).differing).toEqual([last]);
  });

  it('joins adjacent blocks into ranges', () => {
    expect(coalesce([3 * BLOCK_BYTES, BLOCK_BYTES, 0], FILE)).toEqual([
      { start: 0, end: 2 * BLOCK_BYTES },
      { start: 3 * BLOCK_BYTES, end: 4 * BLOCK_BYTES },
    ]);
    expect(coalesce([], FILE)).toEqual([]);
  });
});

describe('what the two schemes answered', () => {
  it('calls a cache header that only plaintext carries interference', () => {
    expect(compareTraits(traits({ cacheHeaders: { via: '1.1 squid' } }), traits())).toEqual({
      kind: 'interfered',
      reason: 'a cache or proxy handled the plaintext leg only (via: 1.1 squid)',
    });
  });

  it('accepts cache headers that both schemes carry (a CDN in front of the mirror)', () => {
    const cdn = { 'x-cache': 'HIT', age: '30' };
    expect(compareTraits(traits({ cacheHeaders: cdn }), traits({ cacheHeaders: cdn }))).toEqual({ kind: 'ok' });
  });

  it('calls different validators two files: not usable', () => {
    expect(compareTraits(traits({ etag: '"a"' }), traits({ etag: '"b"' })).kind).toBe('not-usable');
    expect(compareTraits(traits({ lastModified: 'x' }), traits({ lastModified: 'y' })).kind).toBe('not-usable');
  });

  it('takes a weak and a strong ETag of the same value as the same file', () => {
    expect(compareTraits(traits({ etag: 'W/"a"' }), traits({ etag: '"a"' }))).toEqual({ kind: 'ok' });
  });

  it('calls an HTML page on the plaintext leg where TLS got the file interference', () => {
    expect(compareTraits(traits({ contentType: 'text/html' }), traits({ contentType: 'application/octet-stream' })).kind).toBe('interfered');
  });
});

describe('a plaintext transfer that failed', () => {
  it('is interference when redirected or stripped of its Range mid-run', () => {
    expect(classifyPlainFailure(new MeasureError('redirect', 'r'))?.kind).toBe('interfered');
    expect(classifyPlainFailure(new MeasureError('range-ignored', 'r'))?.kind).toBe('interfered');
  });

  it('is the mirror\'s trouble on an error status, and a wait on 429/503', () => {
    expect(classifyPlainFailure(new MeasureError('http-status', 'HTTP 404'))?.kind).toBe('not-usable');
    expect(classifyPlainFailure(new MeasureError('busy', 'HTTP 429'))?.kind).toBe('busy');
  });

  it('leaves other failures (a stall, a dropped connection) to the engine', () => {
    expect(classifyPlainFailure(new MeasureError('stalled', 's'))).toBeUndefined();
    expect(classifyPlainFailure(new Error('x'))).toBeUndefined();
  });
});
