// runMeasurement against a public mirror's file: the pre-use check, then byte ranges through the
// engine (engine/http-driver.ts with mirror/session.ts). The mirror is in memory
// (test/support/fake-mirror.ts); verdicts against real servers and real shaping are the mirror
// lab's (test/lab/mirror).
import { describe, expect, it } from 'vitest';
import { runMeasurement, type RunOptions } from '../../src/core/runner.js';
import { fakeMirror, FILE_URL, nodeSha256, type FakeMirrorOptions } from '../support/fake-mirror.js';

const OPTS: RunOptions = { url: FILE_URL, diagnose: 'auto', budgetBytes: 60e6, maxDurationMs: 60_000, seed: 1 };

async function run(mirror: FakeMirrorOptions, opts: Partial<RunOptions> = {}) {
  const m = fakeMirror(mirror);
  let t = 0;
  // Every reading of the clock moves it 2 ms: transfers take time in proportion to their reads.
  const clock = { now: () => (t += 2) };
  const result = await runMeasurement({ fetch: m.fetch, clock, hasher: nodeSha256, random: () => 0.25 }, { ...OPTS, ...opts });
  return { result, m };
}

describe('runMeasurement against a public mirror', () => {
  it('measures a file far larger than the budget in byte ranges, never the same bytes twice', async () => {
    const { result, m } = await run({ fileBytes: 1_000_000_000 });
    expect(result.verdict).not.toBe('failed');
    expect(result.rounds).toBeGreaterThan(0);
    expect(result.bytesUsed).toBeLessThanOrEqual(OPTS.budgetBytes);
    expect(result.warnings.map((w) => w.code)).toContain('mirror-checked');
    const measured = m.requests.filter((r) => r.range && r.scheme === 'http').map((r) => r.range);
    expect(measured.length).toBeGreaterThan(2);
    expect(new Set(measured).size).toBe(measured.length);
  });

  it('calls altered plaintext bytes interference, never throttling', async () => {
    // The ranges start a quarter into the file (random() is 0.25 here): the altered byte is in the first round's range, which both schemes read.
    const { result } = await run({ fileBytes: 200_000_000, plain: { alterAt: 53_000_000 } });
    expect(result.verdict).toBe('interfered');
    expect(result.error?.code).toBe('interfered');
  });

  it('refuses, with the reason, a mirror whose http URL redirects', async () => {
    const { result } = await run({ fileBytes: 200_000_000, plain: { redirect: true } });
    expect(result.verdict).not.toMatch(/throttled|no-difference/);
    expect(result.error?.detail).toMatch(/redirect/i);
  });

  it('calls a cache on the plaintext path only interference', async () => {
    const { result } = await run({ fileBytes: 200_000_000, plain: { via: '1.1 isp-cache' } });
    expect(result.verdict).toBe('interfered');
  });

  it('fails as busy, with Retry-After, when the mirror answers 429', async () => {
    const { result } = await run({ fileBytes: 200_000_000, busyFirst: { count: 100, retryAfter: '120' } });
    expect(result.verdict).toBe('failed');
    expect(result.error?.code).toBe('busy');
    expect(result.error?.detail).toMatch(/Retry-After: 120/);
  });
});
