import { describe, expect, it } from 'vitest';
import { buildIndex, HISTORY_INDEX_KEY, HISTORY_INDEX_VERSION, readIndex } from '../../src/extension/shared/history-index.js';
import { Store } from '../../src/extension/shared/store.js';
import { FakeStorage } from './fakes.js';
import { entry, failedResult, uploadFindingResult } from './sample-result.js';

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
    expect(readIndex({ ...index, version: HISTORY_INDEX_VERSION + 1 })).toBeUndefined();
    expect(readIndex({ ...index, columns: { ...index.columns, uploads: [false, 'no'] } })).toBeUndefined();
    expect(readIndex({ ...index, columns: { ...index.columns, ratio: [4.8] } })).toBeUndefined();
    expect(readIndex({ ...index, columns: { ...index.columns, verdict: ['tls-throttled', 'slow'] } })).toBeUndefined();
  });

  it("keeps the upload pair's medians for a finding in uploads alone, marked as uploads", async () => {
    const storage = new FakeStorage();
    const store = new Store(storage);
    await store.appendHistory(entry(1));
    await store.appendHistory(entry(2, uploadFindingResult()));
    const index = await new Store(storage).historyIndex();
    expect(index.points.map((p) => [p.id, p.httpsMbps, p.httpMbps, p.uploads])).toEqual([
      ['run-1', 5, 24, false],
      ['run-2', 1.6, 4.8, true],
    ]);
  });

  it('is rebuilt from the history when stored by an earlier version, whose medians were always the downloads\'', async () => {
    const storage = new FakeStorage();
    const history = [entry(1), entry(2, uploadFindingResult())];
    const current = buildIndex(history);
    // Version 1 as it was stored: no `uploads` column, the screening downloads' medians.
    const { uploads: _, ...columns } = current.columns;
    await storage.set({ history, [HISTORY_INDEX_KEY]: { ...current, version: 1, columns: { ...columns, httpsMbps: [5, 5], httpMbps: [24, 24] } } });
    const index = await new Store(storage).historyIndex();
    expect(index.points.map((p) => [p.httpsMbps, p.httpMbps, p.uploads])).toEqual([
      [5, 24, false],
      [1.6, 4.8, true],
    ]);
    expect(readIndex((await storage.get([HISTORY_INDEX_KEY]))[HISTORY_INDEX_KEY])!.version).toBe(HISTORY_INDEX_VERSION);
  });
});
