// The cached keystream must give exactly the bytes of one AES-128-CTR stream per seed, whatever
// the order, size and interleaving of the transfers that fill and read it.
import { createCipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, KeystreamCache, payloadChunks } from '../../src/server/payload-stream.js';

/** The payload as the endpoint generated it before the cache: one cipher from offset 0. */
function reference(seed: number, bytes: number): Buffer {
  const key = createHash('sha256').update(`tls-throttle-payload:${seed}`).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(bytes));
}

const all = (it: Iterable<Buffer>) => Buffer.concat([...it]);
const CAP = 4 * CHUNK_BYTES;

describe('KeystreamCache', () => {
  it.each([1, 1000, CHUNK_BYTES, CHUNK_BYTES + 1, CAP - 7, CAP, CAP + 1, 3 * CAP + 12345])('gives the reference bytes for %i bytes, cold and warm', (bytes) => {
    const cache = new KeystreamCache(CAP, 2);
    expect(all(cache.chunks(9, bytes)).equals(reference(9, bytes))).toBe(true);
    expect(all(cache.chunks(9, bytes)).equals(reference(9, bytes))).toBe(true);
  });

  it('serves a longer transfer after a shorter one filled part of the cache', () => {
    const cache = new KeystreamCache(CAP, 2);
    all(cache.chunks(3, CHUNK_BYTES + 5));
    expect(all(cache.chunks(3, 2 * CAP)).equals(reference(3, 2 * CAP))).toBe(true);
  });

  it('gives each of two interleaved transfers of one seed the right bytes', () => {
    const cache = new KeystreamCache(CAP, 2);
    const a = cache.chunks(5, 2 * CAP)[Symbol.iterator]();
    const b = cache.chunks(5, CAP + 100)[Symbol.iterator]();
    const got: [Buffer[], Buffer[]] = [[], []];
    for (let done = [false, false]; !done[0] || !done[1]; ) {
      for (const [i, g] of [a, b].entries()) {
        if (done[i]) continue;
        const r = g.next();
        if (r.done) done[i] = true;
        else got[i]!.push(Buffer.from(r.value));
      }
    }
    expect(Buffer.concat(got[0]).equals(reference(5, 2 * CAP))).toBe(true);
    expect(Buffer.concat(got[1]).equals(reference(5, CAP + 100))).toBe(true);
  });

  it('keeps slices already handed out unchanged when the seed is evicted and refilled', () => {
    const cache = new KeystreamCache(CAP, 1);
    const first = [...cache.chunks(1, CAP)];
    all(cache.chunks(2, CAP));
    all(cache.chunks(1, CAP));
    expect(Buffer.concat(first).equals(reference(1, CAP))).toBe(true);
  });

  it('a transfer whose seed is evicted mid-way still gets the reference bytes', () => {
    const cache = new KeystreamCache(CAP, 1);
    const a = cache.chunks(1, 2 * CAP)[Symbol.iterator]();
    const got = [Buffer.from(a.next().value as Buffer)];
    all(cache.chunks(2, CAP));
    for (let r = a.next(); !r.done; r = a.next()) got.push(Buffer.from(r.value));
    expect(Buffer.concat(got).equals(reference(1, 2 * CAP))).toBe(true);
  });

  it('keeps seeds apart', () => {
    const cache = new KeystreamCache(CAP, 4);
    expect(all(cache.chunks(1, 1000)).equals(all(cache.chunks(2, 1000)))).toBe(false);
  });
});

describe('payloadChunks', () => {
  it('gives the reference bytes for random payloads through the endpoint cache', () => {
    for (const bytes of [17, 5 * 1024 * 1024 + 3]) expect(all(payloadChunks('random', 77, bytes)).equals(reference(77, bytes))).toBe(true);
  });
});
