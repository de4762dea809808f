// Ordered storage migrations (docs/architecture.md, convention 4). Each step takes the whole stored
// object at version `to - 1` and returns it at version `to`; `migrate` runs the steps still
// due, in order, once per start of the background.

export type StoredData = Record<string, unknown>;

export interface Migration {
  to: number;
  /** Why the layout changed, for the next reader of this list. */
  why: string;
  up(data: StoredData): StoredData;
}

export const STORED_KEYS = ['settings', 'history', 'usage', 'scheduleLog', 'activeRun'] as const;

export const MIGRATIONS: readonly Migration[] = [
  {
    to: 1,
    why: 'the first versioned layout: keep only the keys it defines, so leftovers of a development build cannot pose as data',
    up(data) {
      const out: StoredData = {};
      for (const key of STORED_KEYS) if (key in data) out[key] = data[key];
      return out;
    },
  },
  {
    to: 2,
    why: 'anonymous reporting: consent under `reporting`, written explicitly off, and an empty outgoing queue under `reportQueue`; whatever a development build left under those keys is replaced, so no older data can turn reporting on or send a report nobody agreed to',
    up(data) {
      // Literal values, not today's defaults: a step must do the same thing in every later build.
      return {
        ...data,
        reporting: { consent: false, decidedAt: null, collectorUrl: null },
        reportQueue: { schemaVersion: 1, pending: [], sent: [] },
      };
    },
  },
  {
    to: 3,
    why: 'the M-Lab provider: consent under `mlab`, written explicitly off, so that no older data can start tests whose data M-Lab publishes with the IP address; no locate override and no pending retry',
    up(data) {
      return { ...data, mlab: { consent: false, decidedAt: null, locateUrl: null, retryAttempt: 0 } };
    },
  },
];

export interface MigrationOutcome {
  data: StoredData;
  fromVersion: number;
  toVersion: number;
  /** Keys the migrated data no longer has (to remove from storage). */
  removedKeys: string[];
}

/**
 * Brings `data` (stored at `fromVersion`, 0 when unversioned) up to `target`. Data written by a
 * newer version is left as it is: reads validate it, and downgrading must not destroy it.
 */
export function migrate(
  data: StoredData,
  fromVersion: number,
  target: number,
  migrations: readonly Migration[] = MIGRATIONS,
): MigrationOutcome {
  let current = { ...data };
  let version = fromVersion;
  const steps = [...migrations].sort((a, b) => a.to - b.to).filter((m) => m.to > fromVersion && m.to <= target);
  for (const step of steps) {
    if (step.to !== version + 1) {
      throw new Error(`storage migration gap: no step from version ${version} to ${step.to - 1}`);
    }
    current = step.up(current);
    version = step.to;
  }
  const removedKeys = Object.keys(data).filter((k) => !(k in current));
  return { data: current, fromVersion, toVersion: Math.max(version, fromVersion), removedKeys };
}
