// Limits that keep one endpoint usable by many: bytes per request, transfers at once (in all
// and per client), and requests per client per minute. Clients are told with 413/429 and a
// JSON error. A client is an IPv4 address or an IPv6 /64 (collector/ip-address.ts clientKey).

export interface EndpointLimits {
  maxBytes: number;
  maxConcurrent: number;
  /**
   * Transfers at once from one client, so that no client can take every slot. A run uses one
   * at a time (its legs take turns, core/runner.ts); a few people behind one NAT share the rest.
   */
  maxConcurrentPerClient: number;
  requestsPerMinute: number;
}

export const DEFAULT_LIMITS: EndpointLimits = {
  maxBytes: 256 * 1024 * 1024,
  maxConcurrent: 32,
  maxConcurrentPerClient: 8,
  requestsPerMinute: 600,
};

/** The limits as applied: a client's share of the transfers always leaves one for others. */
export function effectiveLimits(limits: EndpointLimits): EndpointLimits {
  const perClient = Math.max(1, Math.min(limits.maxConcurrentPerClient, limits.maxConcurrent - 1));
  return { ...limits, maxConcurrentPerClient: perClient };
}

/**
 * A token bucket per client key, in memory only. The key is the caller's choice: the endpoint
 * uses the client key of the remote address, which it never writes anywhere.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  take(key: string): boolean {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: t };
    b.tokens = Math.min(this.perMinute, b.tokens + ((t - b.at) / 60_000) * this.perMinute);
    b.at = t;
    if (this.buckets.size > 10_000) this.sweep(t);
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return false;
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    return true;
  }

  /** Full buckets carry no information: drop them. */
  private sweep(t: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((t - b.at) / 60_000) * this.perMinute >= this.perMinute) this.buckets.delete(k);
    }
  }
}
