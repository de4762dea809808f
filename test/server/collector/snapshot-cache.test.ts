import { afterEach, describe, expect, it } from 'vitest';
import { createSnapshotCache, type SnapshotCache } from '../../../src/server/collector/snapshot-cache.js';

let nowMs = 0;
let cache: SnapshotCache<number>;
afterEach(() => cache.stop());

/** A build that returns how many builds have started, finishing when `release` is called. */
function slowBuilds() {
  let started = 0;
  const waiting: Array<() => void> = [];
  const build = () =>
    new Promise<number>((resolve) => {
      const n = ++started;
      waiting.push(() => resolve(n));
    });
  return { build, release: () => waiting.splice(0).forEach((r) => r()) };
}

describe('snapshot cache', () => {
  it('answers many requests at once from one build', async () => {
    const b = slowBuilds();
    cache = createSnapshotCache(b.build, { refreshMs: 60_000, maxStaleMs: 600_000, nowMs: () => nowMs });
    const answers = Array.from({ length: 40 }, () => cache.get());
    b.release();
    expect(new Set(await Promise.all(answers))).toEqual(new Set([1]));
    expect(cache.builds()).toBe(1);
  });

  it('serves the fresh snapshot without building again', async () => {
    let n = 0;
    cache = createSnapshotCache(async () => ++n, { refreshMs: 60_000, maxStaleMs: 600_000, nowMs: () => nowMs });
    await cache.get();
    nowMs += 59_000;
    expect(await cache.get()).toBe(1);
    expect(cache.builds()).toBe(1);
  });

  it('serves a stale snapshot at once while one rebuild runs, then the rebuilt one', async () => {
    const b = slowBuilds();
    cache = createSnapshotCache(b.build, { refreshMs: 60_000, maxStaleMs: 600_000, nowMs: () => nowMs });
    const first = cache.get();
    b.release();
    await first;
    cache.changed();
    nowMs += 1000;
    expect(await cache.get()).toBe(1);
    expect(await cache.get()).toBe(1);
    expect(cache.builds()).toBe(2);
    b.release();
    await new Promise((r) => setImmediate(r));
    expect(await cache.get()).toBe(2);
  });

  it('makes requests wait for the rebuild once the snapshot is older than maxStaleMs', async () => {
    let n = 0;
    cache = createSnapshotCache(async () => ++n, { refreshMs: 60_000, maxStaleMs: 0, nowMs: () => nowMs });
    await cache.get();
    cache.changed();
    expect(await cache.get()).toBe(2);
  });

  it('rebuilds after refreshMs even when nothing was stored', async () => {
    let n = 0;
    cache = createSnapshotCache(async () => ++n, { refreshMs: 60_000, maxStaleMs: 60_000, nowMs: () => nowMs });
    await cache.get();
    nowMs += 60_000;
    expect(await cache.get()).toBe(2);
  });
});
