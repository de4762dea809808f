// Per-client rate limit that stores no IP address. A client is known only by
// HMAC-SHA256(key, address): the key is random, lives in this process's memory and is
// replaced every day, and the table goes with it, so yesterday's entries cannot be tested
// against a guessed address even by someone who reads the process's memory later. The limit
// itself is a token bucket: `burst` reports at once, refilled at `perHour`.
import { createHmac, randomBytes } from 'node:crypto';
import { clientKey } from './ip-address.js';

export interface RateLimitOptions {
  burst: number;
  perHour: number;
  /** How long a key lives (default one day). */
  keyLifetimeMs?: number;
  /** Most clients tracked at once; past it the oldest entries are dropped (memory bound). */
  maxClients?: number;
  nowMs?: () => number;
}

/** Generous for people (a scheduled test runs a few times a day) and for a shared CGNAT address. */
export const DEFAULT_RATE_LIMIT = { burst: 30, perHour: 60 };

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Takes a token from the client's bucket, or from its bucket for `scope` (a network, say). */
  take(address: string, scope?: string): RateDecision;
  /** How many clients are tracked now (for tests and the log). */
  size(): number;
  /** Tokens a full bucket holds (for messages). */
  readonly burst: number;
}

// Who counts as one client (an IPv4 address or an IPv6 /64) is defined once, in ip-address.ts,
// for this limiter and the endpoint's.
export { clientKey } from './ip-address.js';

export function createRateLimiter(opts: RateLimitOptions): RateLimiter {
  const now = opts.nowMs ?? Date.now;
  const lifetimeMs = opts.keyLifetimeMs ?? 24 * 3600_000;
  const maxClients = opts.maxClients ?? 100_000;
  const refillPerMs = opts.perHour / 3600_000;
  let key = randomBytes(32);
  let keyBornMs = now();
  let buckets = new Map<string, { tokens: number; atMs: number }>();

  return {
    take(address, scope = '') {
      const t = now();
      if (t - keyBornMs >= lifetimeMs) {
        key = randomBytes(32);
        keyBornMs = t;
        buckets = new Map();
      }
      const id = createHmac('sha256', key).update(`${clientKey(address)}\n${scope}`).digest('base64url').slice(0, 22);
      const bucket = buckets.get(id) ?? { tokens: opts.burst, atMs: t };
      bucket.tokens = Math.min(opts.burst, bucket.tokens + (t - bucket.atMs) * refillPerMs);
      bucket.atMs = t;
      // Re-inserting keeps the Map in least-recently-seen order for eviction.
      buckets.delete(id);
      buckets.set(id, bucket);
      if (buckets.size > maxClients) buckets.delete(buckets.keys().next().value!);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000)) };
    },
    size: () => buckets.size,
    burst: opts.burst,
  };
}
