import { describe, expect, it } from 'vitest';
import { clientKey, createRateLimiter } from '../../../src/server/collector/rate-limit.js';

function clocked(opts: { burst: number; perHour: number; maxClients?: number }) {
  let now = 0;
  const limiter = createRateLimiter({ ...opts, nowMs: () => now });
  return { limiter, advance: (ms: number) => (now += ms) };
}

describe('rate limiter', () => {
  it('allows a burst, then refuses with the seconds until the next token', () => {
    const { limiter } = clocked({ burst: 2, perHour: 60 });
    expect([limiter.take('a').allowed, limiter.take('a').allowed]).toEqual([true, true]);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 60 });
  });

  it('refills at the hourly rate', () => {
    const { limiter, advance } = clocked({ burst: 1, perHour: 60 });
    limiter.take('a');
    advance(59_000);
    expect(limiter.take('a').allowed).toBe(false);
    advance(1_000);
    expect(limiter.take('a').allowed).toBe(true);
  });

  it('counts clients apart', () => {
    const { limiter } = clocked({ burst: 1, perHour: 1 });
    limiter.take('a');
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('counts a whole IPv6 /64 as one client, and an IPv4 address the same however it is written', () => {
    expect(clientKey('2001:db8:1:2::1')).toBe(clientKey('2001:db8:1:2:ffff::9'));
    expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'));
    expect(clientKey('::ffff:192.0.2.1')).toBe(clientKey('192.0.2.1'));
    const { limiter } = clocked({ burst: 1, perHour: 1 });
    limiter.take('2001:db8:1:2::1');
    expect(limiter.take('2001:db8:1:2::2').allowed).toBe(false);
  });

  it('forgets every client when the daily key is replaced', () => {
    const { limiter, advance } = clocked({ burst: 1, perHour: 1 });
    limiter.take('a');
    advance(24 * 3600_000);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.size()).toBe(1);
  });

  it('keeps at most maxClients entries', () => {
    const { limiter } = clocked({ burst: 1, perHour: 1, maxClients: 3 });
    for (const a of ['a', 'b', 'c', 'd', 'e']) limiter.take(a);
    expect(limiter.size()).toBe(3);
  });
});

describe('rate limiter scopes', () => {
  it('keeps a bucket per client and scope, so one scope used up leaves the others full', () => {
    const { limiter } = clocked({ burst: 1, perHour: 1 });
    expect(limiter.take('192.0.2.1', '64501|CA').allowed).toBe(true);
    expect(limiter.take('192.0.2.1', '64501|CA').allowed).toBe(false);
    expect(limiter.take('192.0.2.1', '64502|DE').allowed).toBe(true);
    expect(limiter.take('192.0.2.2', '64501|CA').allowed).toBe(true);
  });
});
