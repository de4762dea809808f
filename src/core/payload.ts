// Deterministic payloads from a seed: the endpoint and the client agree on the bytes without
// sending them twice. 'random' is incompressible (looks like TLS to an entropy classifier);
// 'text' is low-entropy, word-like, the way plain web pages look on the wire.
import type { PayloadKind } from './types.js';

/** xoshiro128** (Blackman & Vigna, 2018): fast, 32-bit, and good enough for filler bytes. */
export function xoshiro128(seed: number): () => number {
  // splitmix32 spreads a small seed over the four state words.
  let z = seed >>> 0;
  const next = () => {
    z = (z + 0x9e3779b9) >>> 0;
    let t = z;
    t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
    t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
  let a = next();
  let b = next();
  let c = next();
  let d = next();
  return () => {
    const r = Math.imul(Math.imul(b, 5) << 7 | Math.imul(b, 5) >>> 25, 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
    return r;
  };
}

export function randomBytes(seed: number, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  const words = new Uint32Array(out.buffer, 0, bytes >>> 2);
  const rnd = xoshiro128(seed);
  for (let i = 0; i < words.length; i++) words[i] = rnd();
  for (let i = words.length * 4; i < bytes; i++) out[i] = rnd() & 0xff;
  return out;
}

const SYLLABLES = [
  'the', 'and', 'ing', 'ion', 'ent', 'for', 'tha', 'ter', 'con', 'ver', 'all', 'pro', 'ate', 'com',
  'ere', 'men', 'res', 'est', 'his', 'per', 'int', 'ive', 'ine', 'our', 'ble', 'day', 'net', 'web',
];

/** Word-like lowercase text with spaces and full stops: about 2 bits of entropy a byte. */
export function textBytes(seed: number, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  const rnd = xoshiro128(seed ^ 0x5bd1e995);
  const enc = SYLLABLES.map((s) => [...s].map((ch) => ch.charCodeAt(0)));
  let i = 0;
  while (i < bytes) {
    const r = rnd();
    const syllables = 1 + (r & 3);
    for (let k = 0; k < syllables && i < bytes; k++) {
      const s = enc[(r >>> (2 + 5 * k)) % enc.length]!;
      for (let j = 0; j < s.length && i < bytes; j++) out[i++] = s[j]!;
    }
    if (i < bytes) out[i++] = (r >>> 28) === 0 ? 0x2e : 0x20;
  }
  return out;
}

export function makePayload(kind: PayloadKind, seed: number, bytes: number): Uint8Array {
  return kind === 'text' ? textBytes(seed, bytes) : randomBytes(seed, bytes);
}
