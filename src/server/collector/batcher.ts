// Group commit: reports that arrive while a commit is on its way to disk wait and go together
// in the next one. Every caller still gets its answer only after its own row is durable, but a
// hundred concurrent reports cost one fsync, not a hundred (the same idea as PostgreSQL's
// commit_delay and most write-ahead logs).

export interface Batcher<T, R> {
  add(item: T): Promise<R>;
  /** Resolves once everything added so far is written (or has failed). */
  drain(): Promise<void>;
}

export function createBatcher<T, R>(write: (items: T[]) => Promise<R[]>, maxBatch = 500): Batcher<T, R> {
  let waiting: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  let active = false;
  let running: Promise<void> = Promise.resolve();

  const run = async (): Promise<void> => {
    // Let the requests already parsed in this turn of the event loop join the first batch.
    await new Promise<void>((r) => setImmediate(r));
    while (waiting.length) {
      const batch = waiting.slice(0, maxBatch);
      waiting = waiting.slice(batch.length);
      try {
        const results = await write(batch.map((w) => w.item));
        if (results.length !== batch.length) throw new Error(`store answered ${results.length} results for ${batch.length} rows`);
        batch.forEach((w, i) => w.resolve(results[i]!));
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    // Cleared in the same synchronous step that saw the queue empty, so no add() falls between.
    active = false;
  };

  return {
    add(item) {
      const p = new Promise<R>((resolve, reject) => waiting.push({ item, resolve, reject }));
      if (!active) {
        active = true;
        running = run();
      }
      return p;
    },
    drain: async () => {
      while (active) await running;
    },
  };
}
