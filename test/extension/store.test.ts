import { describe, expect, it } from 'vitest';
import type { Note } from '../../src/core/notes.js';
import { MAX_STORED_TEXT_CHARS, MAX_STORED_WARNINGS, SCHEMA_VERSION } from '../../src/extension/shared/storage-schema.js';
import { Store } from '../../src/extension/shared/store.js';
import { FakeStorage } from './fakes.js';
import { entry, failedResult } from './sample-result.js';

describe('Store', () => {
  it('stamps the schema version on first start and does not write again on the next', async () => {
    const storage = new FakeStorage({ history: [], leftover: 1 });
    await new Store(storage).migrate();
    expect(storage.raw('schemaVersion')).toBe(SCHEMA_VERSION);
    expect(storage.raw('leftover')).toBeUndefined();
    const writes = storage.writes;
    expect(await new Store(storage).migrate()).toEqual({ fromVersion: SCHEMA_VERSION, toVersion: SCHEMA_VERSION });
    expect(storage.writes).toBe(writes);
  });

  it('loses no entry when two appends race', async () => {
    const store = new Store(new FakeStorage());
    await Promise.all([store.appendHistory(entry(1)), store.appendHistory(entry(2)), store.appendHistory(entry(3))]);
    expect((await store.history()).map((e) => e.id)).toEqual(['run-1', 'run-2', 'run-3']);
  });

  it('stores an error of any length capped, without a control character', async () => {
    const storage = new FakeStorage();
    const store = new Store(storage);
    const via = `a middlebox handled the plaintext leg (via: 1.1 isp \u009b2J\u202e${'x'.repeat(1_000_000)})`;
    await store.appendHistory({ ...entry(1), result: failedResult(via) });
    const stored = (storage.raw('history') as { result: { error: { detail: string } } }[])[0]!.result.error.detail;
    expect(stored).toHaveLength(MAX_STORED_TEXT_CHARS);
    expect(stored.startsWith('a middlebox handled the plaintext leg (via: 1.1 isp xxx')).toBe(true);
    expect(stored.endsWith('\u2026')).toBe(true);
  });

  it(`stores at most ${MAX_STORED_WARNINGS} warnings, each capped`, async () => {
    const storage = new FakeStorage();
    const store = new Store(storage);
    const warnings = Array.from({ length: 100 }, (_, i): Note => ({ code: 'text', text: `warning ${i} \x1b[2J${'w'.repeat(10_000)}` }));
    await store.appendHistory({ ...entry(1), result: { ...entry(1).result, warnings } });
    const [e] = await store.history();
    expect(e!.result.warnings).toHaveLength(MAX_STORED_WARNINGS);
    const texts = e!.result.warnings.map((w) => (w.code === 'text' ? w.text : ''));
    expect(texts[0]!.startsWith('warning 0 www')).toBe(true);
    expect(Math.max(...texts.map((t) => t.length))).toBe(MAX_STORED_TEXT_CHARS);
  });

  it('keeps an ordinary result as it is', async () => {
    const store = new Store(new FakeStorage());
    await store.appendHistory(entry(1));
    expect((await store.history())[0]).toEqual(entry(1));
  });

  it('caps the history, dropping the oldest', async () => {
    const store = new Store(new FakeStorage(), { historyCap: 2 });
    for (let i = 0; i < 4; i++) await store.appendHistory(entry(i));
    expect((await store.history()).map((e) => e.id)).toEqual(['run-2', 'run-3']);
  });

  it('adds data use within a month and starts over in the next', async () => {
    const store = new Store(new FakeStorage());
    await store.addUsage(40e6, Date.UTC(2026, 10, 2));
    expect((await store.addUsage(20e6, Date.UTC(2026, 10, 20))).bytes).toBe(60e6);
    expect((await store.addUsage(5e6, Date.UTC(2026, 11, 1))).bytes).toBe(5e6);
  });

  it('saves a settings patch over the stored settings', async () => {
    const store = new Store(new FakeStorage({ settings: { schedule: 'daily' } }));
    const s = await store.saveSettings({ monthlyBudgetMb: 300 });
    expect(s.schedule).toBe('daily');
    expect((await store.settings()).monthlyBudgetMb).toBe(300);
  });

  it('keeps the last 50 scheduled checks', async () => {
    const store = new Store(new FakeStorage());
    for (let i = 0; i < 53; i++) await store.appendScheduleLog({ at: i, outcome: 'skipped', reason: 'offline' });
    const log = await store.scheduleLog();
    expect(log).toHaveLength(50);
    expect(log[0]!.at).toBe(3);
  });
});
