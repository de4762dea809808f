import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../src/core/retry-after.js';

const now = Date.parse('2026-12-01T12:00:00Z');

describe('Retry-After', () => {
  it('reads delay-seconds', () => expect(retryAfterMs('120', now)).toBe(120_000));
  it('reads an HTTP-date', () => expect(retryAfterMs('Tue, 01 Dec 2026 12:00:30 GMT', now)).toBe(30_000));
  it('treats a date in the past as no wait', () => expect(retryAfterMs('Tue, 01 Dec 2026 11:00:00 GMT', now)).toBe(0));
  it('ignores what it cannot read', () => {
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('', now)).toBeUndefined();
  });
});
