import { sha256 } from '@noble/hashes/sha2.js';
import type { Hasher } from './io.js';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function base64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] ?? 0;
    const b = bytes[i + 1] ?? 0;
    const c = bytes[i + 2] ?? 0;
    const n = (a << 16) | (b << 8) | c;
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63]! : '=';
    out += i + 2 < bytes.length ? B64[n & 63]! : '=';
  }
  return out;
}

/** Pure-JS SHA-256 (about 200 MB/s): the default where no native hash is at hand. */
export function sha256Hasher(): Hasher {
  const h = sha256.create();
  return {
    update: (chunk) => h.update(chunk),
    digestBase64: () => base64(h.digest()),
  };
}

/** Parses `sha-256=:BASE64:` out of a Repr-Digest (RFC 9530) header. */
export function parseReprDigest(header: string | null): string | undefined {
  if (!header) return undefined;
  const m = /sha-256=:([A-Za-z0-9+/=]+):/.exec(header);
  return m?.[1];
}
