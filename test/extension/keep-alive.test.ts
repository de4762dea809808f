import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KEEP_ALIVE_MS, startKeepAlive } from '../../src/extension/background/keep-alive.js';

describe('startKeepAlive', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('calls an extension API every 5 s, inside the 30 s idle limit of Chrome and Firefox', async () => {
    let ticks = 0;
    startKeepAlive(async () => void ticks++);
    await vi.advanceTimersByTimeAsync(KEEP_ALIVE_MS * 3 + 1);
    expect(ticks).toBe(3);
    expect(KEEP_ALIVE_MS).toBeLessThan(30_000);
  });

  it('stops calling once stopped', async () => {
    let ticks = 0;
    const stop = startKeepAlive(async () => void ticks++);
    await vi.advanceTimersByTimeAsync(KEEP_ALIVE_MS + 1);
    stop();
    await vi.advanceTimersByTimeAsync(KEEP_ALIVE_MS * 5);
    expect(ticks).toBe(1);
  });

  it('keeps going after a failed call', async () => {
    let ticks = 0;
    startKeepAlive(async () => {
      ticks++;
      throw new Error('context invalidated');
    });
    await vi.advanceTimersByTimeAsync(KEEP_ALIVE_MS * 2 + 1);
    expect(ticks).toBe(2);
  });
});
