// The endpoint's payload bytes, streamed in 64 KiB chunks without ever holding a whole body.
// 'random' is an AES-128-CTR keystream keyed by the seed: incompressible and several GB/s.
// 'text' repeats a seeded 1 MiB block of word-like text (src/core/payload.ts).
import { createCipheriv, createHash, type Cipher } from 'node:crypto';
import { textBytes } from '../core/payload.js';
import type { PayloadKind } from '../core/types.js';

export const CHUNK_BYTES = 64 * 1024;
const TEXT_BLOCK_BYTES = 1024 * 1024;
const ZEROS = Buffer.alloc(CHUNK_BYTES);

const textBlocks = new Map<number, Buffer>();

function textBlock(seed: number): Buffer {
  let b = textBlocks.get(seed);
  if (!b) {
    b = Buffer.from(textBytes(seed, TEXT_BLOCK_BYTES));
    if (textBlocks.size > 32) textBlocks.clear();
    textBlocks.set(seed, b);
  }
  return b;
}

export function* payloadChunks(kind: PayloadKind, seed: number, bytes: number): Generator<Buffer> {
  if (kind === 'text') {
    const block = textBlock(seed);
    let off = 0;
    while (off < bytes) {
      const start = off % TEXT_BLOCK_BYTES;
      const n = Math.min(CHUNK_BYTES, bytes - off, TEXT_BLOCK_BYTES - start);
      yield block.subarray(start, start + n);
      off += n;
    }
    return;
  }
  yield* keystreams.chunks(seed, bytes);
}

/** AES-128-CTR positioned at a byte offset (a multiple of 16): the counter block is offset/16. */
function keystreamAt(seed: number, offset: number): Cipher {
  const key = createHash('sha256').update(`tls-throttle-payload:${seed}`).digest().subarray(0, 16);
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(offset / 16), 8);
  return createCipheriv('aes-128-ctr', key, iv);
}

/**
 * A run asks for one seed's bytes over and over, every transfer a prefix of the same keystream
 * (src/core/runner.ts: one seed per run).
 * Generating it for each transfer cost the endpoint about as much CPU as TLS itself (bench,
 * nginx-compare.ts: 0.2-0.5 CPU s/GB for AES-CTR and the buffers), so the prefixes of the few
 * most recent seeds are kept and served as slices, without a copy or an allocation. The
 * buffer is filled as the first transfer streams; its untouched pages are never resident.
 */
export class KeystreamCache {
  private readonly entries = new Map<number, { buf: Buffer; filled: number; cipher: Cipher }>();

  constructor(
    private readonly capBytes: number,
    private readonly seeds: number,
  ) {
    if (capBytes % CHUNK_BYTES !== 0) throw new Error(`the cache must hold whole ${CHUNK_BYTES}-byte chunks`);
  }

  private entry(seed: number) {
    let e = this.entries.get(seed);
    if (e) {
      this.entries.delete(seed);
    } else {
      e = { buf: Buffer.allocUnsafe(this.capBytes), filled: 0, cipher: keystreamAt(seed, 0) };
      if (this.entries.size >= this.seeds) this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(seed, e);
    return e;
  }

  *chunks(seed: number, bytes: number): Generator<Buffer> {
    const e = this.entry(seed);
    let off = 0;
    while (off < bytes) {
      const n = Math.min(CHUNK_BYTES, bytes - off);
      // A stream whose seed was evicted lets go of the buffer at once, so the memory held is
      // at most `seeds` buffers (plus the slices queued on sockets), however many seeds come.
      if (this.entries.get(seed) !== e) break;
      // `filled` only grows, in whole chunks, and only by the stream standing at its edge,
      // so every stream's offset is at most `filled` and a filled slice never changes.
      if (off >= e.filled) {
        if (off > e.filled || off + CHUNK_BYTES > this.capBytes) break;
        e.cipher.update(ZEROS).copy(e.buf, off);
        e.filled += CHUNK_BYTES;
      }
      yield e.buf.subarray(off, off + n);
      off += n;
    }
    if (off >= bytes) return;
    // Past the cache: generate from this offset on, as before the cache existed.
    const cipher = keystreamAt(seed, off);
    for (; off < bytes; off += CHUNK_BYTES) {
      const n = Math.min(CHUNK_BYTES, bytes - off);
      yield cipher.update(n === CHUNK_BYTES ? ZEROS : ZEROS.subarray(0, n));
    }
  }
}

/**
 * 32 MiB for each of the 4 most recent seeds, at most 128 MiB resident: a run's transfers last
 * about 200 ms (src/core/sizer.ts), so 32 MiB covers lines up to about 1.3 Gbit/s; the rest of a
 * longer transfer is generated as it goes.
 */
const keystreams = new KeystreamCache(32 * 1024 * 1024, 4);

const digests = new Map<string, string>();
const pending = new Map<string, Promise<string>>();
const DIGEST_CACHE_ENTRIES = 512;
/**
 * Bytes hashed between two turns of the event loop: a few milliseconds of work, so other
 * requests (/info, the next chunk of a transfer) wait at most that long per digest in progress,
 * where a 256 MiB digest in one piece held the only thread for 0.26 s.
 */
const DIGEST_SLICE_BYTES = 1024 * 1024;
/**
 * Digests computed at once; the others wait their turn (in their transfer slots). Running more
 * side by side finishes none sooner on one thread, and every one adds a slice to each turn of
 * the event loop: 16 at once held /info at 4.4 s on a busy 2-core machine. Turns go round the
 * clients that wait, so one client's queue of 256 MiB digests delays another's by at most a
 * digest each, and a digest of one slice or less needs no turn at all.
 */
const DIGESTS_AT_ONCE = 2;
let digestsRunning = 0;
const waitingByClient = new Map<string, Array<() => void>>();

/** Hands a finished digest's place to the next waiting client; false when none waits. */
function handOver(): boolean {
  // Map order is insertion order: the client first in line goes, then moves to the back.
  const entry = waitingByClient.entries().next();
  if (entry.done) return false;
  const [client, queue] = entry.value;
  const go = queue.shift()!;
  waitingByClient.delete(client);
  if (queue.length) waitingByClient.set(client, queue);
  go();
  return true;
}

async function digestTurn<T>(client: string, work: () => Promise<T>): Promise<T> {
  if (digestsRunning < DIGESTS_AT_ONCE) digestsRunning++;
  else {
    // Woken by handOver with the place already counted as running.
    await new Promise<void>((r) => {
      const queue = waitingByClient.get(client) ?? [];
      queue.push(r);
      waitingByClient.set(client, queue);
    });
  }
  try {
    return await work();
  } finally {
    if (!handOver()) digestsRunning--;
  }
}

/**
 * Base64 SHA-256 of a payload, cached (a run asks for few distinct sizes, core/sizer.ts) and
 * computed in slices that yield to the event loop; two requests for the same payload share
 * one computation. The caller bounds how many run at once (endpoint-routes.ts).
 */
export async function payloadDigest(kind: PayloadKind, seed: number, bytes: number, client = ''): Promise<string> {
  const key = `${kind}/${seed}/${bytes}`;
  const cached = digests.get(key);
  if (cached) return cached;
  const running = pending.get(key);
  if (running) return running;
  const compute = async () => {
    const h = createHash('sha256');
    let sliceBytes = 0;
    for (const chunk of payloadChunks(kind, seed, bytes)) {
      h.update(chunk);
      sliceBytes += chunk.length;
      if (sliceBytes >= DIGEST_SLICE_BYTES) {
        sliceBytes = 0;
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    const d = h.digest('base64');
    if (digests.size >= DIGEST_CACHE_ENTRIES) digests.delete(digests.keys().next().value!);
    digests.set(key, d);
    return d;
  };
  const work = bytes <= DIGEST_SLICE_BYTES ? compute() : digestTurn(client, compute);
  pending.set(key, work);
  try {
    return await work;
  } finally {
    pending.delete(key);
  }
}
