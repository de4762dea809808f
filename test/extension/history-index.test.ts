import { describe, expect, it } from 'vitest';
import { buildIndex, HISTORY_INDEX_KEY, readIndex } from '../../src/extension/shared/history-index.js';
import { Store } from '../../src/extension/shared/store.js';
import { FakeStorage } from './fakes.js';
import { entry, failedResult } from './sample-result.js';

describe('history index', () => {
  it('is written with each appended run, in the same storage write', async () => {
    const storage = new FakeStorage();
    const store = new Store(storage);
    await store.appendHistory(entry(1));
    await store.appendHistory(entry(2, failedResult()));
    const raw = await storage.get([HISTORY_INDEX_KEY, 'history']);
    const index = readIndex(raw[HISTORY_INDEX_KEY])!;
    expect(index.latest!.id).toBe('run-2');
    expect(index.points.map((p) => [p.id, p.verdict, p.ratio, p.httpsMbps])).toEqual([
      ['run-1', 'tls-throttled', 4.8, 5],
      ['run-2', 'failed', null, null],
    ]);
  });

  it('survives Chrome storage, where NaN cannot be kept', async () => {
    const storage = new FakeStorage();
    await new Store(storage).appendHistory(entry(1, failedResult()));
    const index = await new Store(storage).historyIndex();
    expect(index.points[0]!.ratio).toBeNull();
    expect(Number.isNaN(index.latest!.result.ratio)).toBe(true);
  });

  it('is rebuilt from the history when missing', async () => {
    const storage = new FakeStorage();
    await storage.set({ history: [entry(1), entry(2)] });
    const index = await new Store(storage).historyIndex();
    expect(index.points.map((p) => p.id)).toEqual(['run-1', 'run-2']);
    expect(readIndex((await storage.get([HISTORY_INDEX_KEY]))[HISTORY_INDEX_KEY])).toEqual(index);
  });

  it('refuses an index whose newest run is not its full entry', () => {
    const index = buildIndex([entry(1), entry(2)]);
    expect(readIndex(JSON.parse(JSON.stringify(index)))).toBeDefined();
    expect(readIndex({ ...index, latest: entry(1) })).toBeUndefined();
    expect(readIndex({ ...index, version: 2 })).toBeUndefined();
    expect(readIndex({ ...index, columns: { ...index.columns, ratio: [4.8] } })).toBeUndefined();
    expect(readIndex({ ...index, columns: { ...index.columns, verdict: ['tls-throttled', 'slow'] } })).toBeUndefined();
  });
});
