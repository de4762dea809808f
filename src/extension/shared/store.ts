// Typed access to storage.local: versioned, migrated once, validated on every read, history
// capped. Writes from one context go through a queue so that two appends never lose one.
import { buildIndex, HISTORY_INDEX_KEY, HISTORY_INDEX_VERSION, indexPoint, readIndex, type HistoryIndex } from './history-index.js';
import type { StoragePort } from '../platform/ports.js';
import { migrate, MIGRATIONS, type Migration } from './migrations.js';
import {
  DEFAULT_SETTINGS,
  HISTORY_CAP,
  SCHEDULE_LOG_CAP,
  SCHEMA_VERSION,
  monthOf,
  readActiveRun,
  readHistory,
  readScheduleLog,
  readSettings,
  readUsage,
  storableResult,
  type ActiveRun,
  type HistoryEntry,
  type ScheduleLogEntry,
  type Settings,
  type Usage,
} from './storage-schema.js';

export interface StoreOptions {
  historyCap?: number;
  migrations?: readonly Migration[];
  schemaVersion?: number;
}

export class Store {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly historyCap: number;

  constructor(
    private readonly port: StoragePort,
    private readonly opts: StoreOptions = {},
  ) {
    this.historyCap = opts.historyCap ?? HISTORY_CAP;
  }

  /** Runs writes one after another; a failed write does not block the next. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Migrates stored data to this build's schema version. Call once, before other writes. */
  migrate(): Promise<{ fromVersion: number; toVersion: number }> {
    return this.serial(async () => {
      const target = this.opts.schemaVersion ?? SCHEMA_VERSION;
      const raw = await this.port.get(null);
      const fromVersion = typeof raw.schemaVersion === 'number' ? raw.schemaVersion : 0;
      const { schemaVersion: _ignored, ...data } = raw;
      const outcome = migrate(data, fromVersion, target, this.opts.migrations ?? MIGRATIONS);
      if (outcome.toVersion !== fromVersion) {
        if (outcome.removedKeys.length) await this.port.remove(outcome.removedKeys);
        await this.port.set({ ...outcome.data, schemaVersion: outcome.toVersion });
      }
      return { fromVersion, toVersion: outcome.toVersion };
    });
  }

  async settings(): Promise<Settings> {
    return readSettings((await this.port.get(['settings'])).settings);
  }

  saveSettings(patch: Partial<Settings>): Promise<Settings> {
    return this.serial(async () => {
      const next = readSettings({ ...(await this.settings()), ...patch });
      await this.port.set({ settings: next });
      return next;
    });
  }

  async history(): Promise<HistoryEntry[]> {
    return readHistory((await this.port.get(['history'])).history).slice(-this.historyCap);
  }

  appendHistory(entry: HistoryEntry): Promise<void> {
    return this.serial(async () => {
      const history = await this.history();
      history.push({ ...entry, result: storableResult(entry.result) });
      const kept = history.slice(-this.historyCap);
      // The index goes in the same write, so a reader never sees one without the other.
      await this.port.set({ history: kept, [HISTORY_INDEX_KEY]: buildIndex(kept) });
    });
  }

  /** The popup's small view of the history (history-index.ts); rebuilt when missing or malformed. */
  async historyIndex(): Promise<HistoryIndex> {
    const index = readIndex((await this.port.get([HISTORY_INDEX_KEY]))[HISTORY_INDEX_KEY]);
    return index ?? this.rebuildHistoryIndex();
  }

  /** Derives the index from the history again (after the history was written without it). */
  rebuildHistoryIndex(): Promise<HistoryIndex> {
    return this.serial(async () => {
      const history = await this.history();
      await this.port.set({ [HISTORY_INDEX_KEY]: buildIndex(history) });
      return { version: HISTORY_INDEX_VERSION, latest: history.at(-1) ?? null, points: history.map(indexPoint) };
    });
  }

  async usage(nowMs: number): Promise<Usage> {
    return readUsage((await this.port.get(['usage'])).usage, monthOf(nowMs));
  }

  addUsage(bytes: number, nowMs: number): Promise<Usage> {
    return this.serial(async () => {
      const u = await this.usage(nowMs);
      const next = { month: u.month, bytes: u.bytes + Math.max(0, bytes) };
      await this.port.set({ usage: next });
      return next;
    });
  }

  async scheduleLog(): Promise<ScheduleLogEntry[]> {
    return readScheduleLog((await this.port.get(['scheduleLog'])).scheduleLog);
  }

  appendScheduleLog(entry: ScheduleLogEntry): Promise<void> {
    return this.serial(async () => {
      const log = await this.scheduleLog();
      log.push(entry);
      await this.port.set({ scheduleLog: log.slice(-SCHEDULE_LOG_CAP) });
    });
  }

  async activeRun(): Promise<ActiveRun | undefined> {
    return readActiveRun((await this.port.get(['activeRun'])).activeRun);
  }

  setActiveRun(run: ActiveRun): Promise<void> {
    return this.serial(() => this.port.set({ activeRun: run }));
  }

  clearActiveRun(): Promise<void> {
    return this.serial(() => this.port.remove(['activeRun']));
  }
}

export { DEFAULT_SETTINGS };
