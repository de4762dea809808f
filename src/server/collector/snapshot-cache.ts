// The read routes (/v1/aggregates, /v1/export) answer from a snapshot of the table, rebuilt in
// the background, so that a request never starts a full scan of its own: forty exports at once
// used to run forty scans on the only thread. A snapshot is stale once reports have been
// stored since it was taken (`changed()`), or after `refreshMs`; a stale snapshot is still
// served while one rebuild runs for everyone, unless it is older than `maxStaleMs`, when
// requests wait for that one rebuild (the stale-while-revalidate idea of RFC 5861).

export interface SnapshotCacheOptions {
  /** Rebuild at most this often while reports arrive, and at least this often in any case. */
  refreshMs: number;
  /** Older than this, a stale snapshot is not served: requests wait for the rebuild. */
  maxStaleMs: number;
  nowMs?: () => number;
}

export interface SnapshotCache<T> {
  get(): Promise<T>;
  /** New reports were stored: the snapshot no longer holds every one. */
  changed(): void;
  /** How many rebuilds have run (tests: requests must not each cause one). */
  builds(): number;
  stop(): void;
}

export function createSnapshotCache<T>(build: () => Promise<T>, opts: SnapshotCacheOptions): SnapshotCache<T> {
  const now = opts.nowMs ?? Date.now;
  let current: { value: T; takenMs: number; generation: number } | undefined;
  let generation = 0;
  let running: Promise<T> | undefined;
  let buildCount = 0;

  const rebuild = (): Promise<T> =>
    (running ??= (async () => {
      const startedGeneration = generation;
      const takenMs = now();
      try {
        buildCount++;
        const value = await build();
        current = { value, takenMs, generation: startedGeneration };
        return value;
      } finally {
        running = undefined;
      }
    })());

  const stale = () => !current || current.generation !== generation || now() - current.takenMs >= opts.refreshMs;

  // Keeps the snapshot warm, so that requests seldom meet a stale one.
  const timer = setInterval(() => {
    if (current && stale()) rebuild().catch(() => undefined);
  }, opts.refreshMs);
  timer.unref();

  return {
    async get() {
      if (!current) return rebuild();
      if (!stale()) return current.value;
      const rebuilt = rebuild();
      if (now() - current.takenMs >= opts.maxStaleMs) return rebuilt;
      // Served stale; a failed rebuild is retried by the next request or the timer.
      rebuilt.catch(() => undefined);
      return current.value;
    },
    changed: () => void generation++,
    builds: () => buildCount,
    stop: () => clearInterval(timer),
  };
}
