// Small fakes of the browser APIs the extension uses, written against its own ports
// (src/extension/platform/ports.ts).
import type { AlarmInfo, AlarmsPort, PermissionsPort, StorageChange, StoragePort } from '../../src/extension/platform/ports.js';

/** A value as Chrome's storage returns it: NaN and Infinity become null in an array and vanish as an object's key. */
export function chromeClone<T>(value: T): unknown {
  const text = JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    if (typeof v === 'number' && !Number.isFinite(v)) return Array.isArray(this) ? null : undefined;
    return v;
  });
  return text === undefined ? undefined : JSON.parse(text);
}

/**
 * storage.local as Chrome keeps it: values go through JSON, so NaN becomes null in arrays and
 * disappears as an object key, as in the real thing.
 */
export class FakeStorage implements StoragePort {
  data: Record<string, string> = {};
  private listeners: ((changes: Record<string, StorageChange>) => void)[] = [];
  writes = 0;

  constructor(initial: Record<string, unknown> = {}) {
    for (const [k, v] of Object.entries(initial)) this.data[k] = JSON.stringify(chromeClone(v));
  }

  async get(keys: string[] | null): Promise<Record<string, unknown>> {
    await Promise.resolve();
    const out: Record<string, unknown> = {};
    for (const k of keys ?? Object.keys(this.data)) if (k in this.data) out[k] = JSON.parse(this.data[k]!);
    return out;
  }

  async set(items: Record<string, unknown>): Promise<void> {
    await Promise.resolve();
    this.writes++;
    const changes: Record<string, StorageChange> = {};
    for (const [k, v] of Object.entries(items)) {
      changes[k] = { oldValue: k in this.data ? JSON.parse(this.data[k]!) : undefined, newValue: chromeClone(v) };
      this.data[k] = JSON.stringify(chromeClone(v));
    }
    for (const l of this.listeners) l(changes);
  }

  async remove(keys: string[]): Promise<void> {
    await Promise.resolve();
    for (const k of keys) delete this.data[k];
  }

  onChanged(listener: (changes: Record<string, StorageChange>) => void): void {
    this.listeners.push(listener);
  }

  raw(key: string): unknown {
    return key in this.data ? JSON.parse(this.data[key]!) : undefined;
  }
}

export class FakeAlarms implements AlarmsPort {
  alarms = new Map<string, number>();
  private listeners: ((a: AlarmInfo) => void)[] = [];

  async create(name: string, when: number): Promise<void> {
    this.alarms.set(name, when);
  }
  async clear(name: string): Promise<boolean> {
    return this.alarms.delete(name);
  }
  async get(name: string): Promise<AlarmInfo | undefined> {
    const t = this.alarms.get(name);
    return t === undefined ? undefined : { name, scheduledTime: t };
  }
  onAlarm(listener: (a: AlarmInfo) => void): void {
    this.listeners.push(listener);
  }
  fire(name: string): void {
    const t = this.alarms.get(name) ?? 0;
    this.alarms.delete(name);
    for (const l of this.listeners) l({ name, scheduledTime: t });
  }
}

/**
 * Host permissions as Chrome keeps them: a set of patterns; `required` ones (the manifest's
 * host_permissions) cannot be removed, and removing them rejects as Chrome's does.
 */
export class FakePermissions implements PermissionsPort {
  granted: Set<string>;
  removed: string[][] = [];

  constructor(
    granted: string[] = [],
    private readonly required: string[] = [],
    private readonly userSays = true,
  ) {
    this.granted = new Set([...required, ...granted]);
  }
  async request(origins: string[]): Promise<boolean> {
    if (!this.userSays) return false;
    for (const o of origins) this.granted.add(o);
    return true;
  }
  async contains(origins: string[]): Promise<boolean> {
    return origins.every((o) => this.granted.has(o));
  }
  async remove(origins: string[]): Promise<boolean> {
    if (origins.some((o) => this.required.includes(o))) throw new Error('You cannot remove required permissions.');
    this.removed.push(origins);
    for (const o of origins) this.granted.delete(o);
    return true;
  }
}

/** A Translate that shows the key and its substitutions, so tests see what was asked for. */
export const keysOnly = (key: string, subs?: string[]) => (subs?.length ? `${key}(${subs.join('|')})` : key);
