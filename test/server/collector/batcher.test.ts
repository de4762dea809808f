import { describe, expect, it } from 'vitest';
import { createBatcher } from '../../../src/server/collector/batcher.js';

describe('group commit', () => {
  it('writes rows that arrive together in one batch and answers each its own result', async () => {
    const batches: number[][] = [];
    const b = createBatcher<number, number>(async (rows) => {
      batches.push(rows);
      return rows.map((r) => r * 10);
    });
    expect(await Promise.all([1, 2, 3].map((n) => b.add(n)))).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('collects rows that arrive during a write into the next batch', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const b = createBatcher<number, boolean>(async (rows) => {
      batches.push(rows);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      return rows.map(() => true);
    });
    const first = b.add(1);
    await new Promise((r) => setTimeout(r, 5));
    const later = [b.add(2), b.add(3)];
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('fails every row of a failed batch, and the next batch goes on', async () => {
    let fail = true;
    const b = createBatcher<number, boolean>(async (rows) => {
      if (fail) throw new Error('disk full');
      return rows.map(() => true);
    });
    const failed = await Promise.allSettled([b.add(1), b.add(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await b.add(3)).toBe(true);
  });

  it('splits a burst larger than the batch limit', async () => {
    const sizes: number[] = [];
    const b = createBatcher<number, boolean>(async (rows) => {
      sizes.push(rows.length);
      return rows.map(() => true);
    }, 4);
    await Promise.all(Array.from({ length: 10 }, (_, i) => b.add(i)));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('drain waits for rows still being written', async () => {
    let written = 0;
    const b = createBatcher<number, boolean>(async (rows) => {
      await new Promise((r) => setTimeout(r, 20));
      written += rows.length;
      return rows.map(() => true);
    });
    void b.add(1);
    await b.drain();
    expect(written).toBe(1);
  });
});
