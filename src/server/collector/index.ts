// The report collector, mounted by `tls-throttle serve --collector` on every port
// and scheme of the endpoint: POST /v1/reports, GET /v1/aggregates, GET /v1/export and a
// public page at /v1/. Storage is SQLite in the data directory, or PostgreSQL when a database
// URL is given (DATABASE_URL).
import { join } from 'node:path';
import type { RouteHandler } from '../http-util.js';
import { createBatcher } from './batcher.js';
import { loadIpDatabase, type IpLookup } from './ip-geo.js';
import { openPgStore, redactUrl } from './pg-store.js';
import { createRateLimiter, DEFAULT_RATE_LIMIT, type RateLimitOptions } from './rate-limit.js';
import { collectorRoutes } from './routes.js';
import { openSqliteStore, SQLITE_FILE } from './sqlite-store.js';
import type { ReportStore, StoredReport } from './store.js';

export interface CollectorOptions {
  dataDir: string;
  log: (line: string) => void;
  /** PostgreSQL connection URL; default process.env.DATABASE_URL; SQLite when neither is set (or it is ""). */
  databaseUrl?: string;
  /** false turns the per-client limit off (load tests from one address). */
  rateLimit?: RateLimitOptions | false;
  /** The IP -> network look-up; default the shipped database. */
  lookup?: IpLookup;
  nowMs?: () => number;
}

export interface Collector {
  route: RouteHandler;
  store: ReportStore;
  close(): Promise<void>;
}

/**
 * TTD_COLLECTOR_RATE_LIMIT="burst/perHour" (e.g. "30/60"), or "off", sets the limit of a
 * collector started from the command line.
 */
function rateLimitFromEnv(): RateLimitOptions | false | undefined {
  const text = process.env.TTD_COLLECTOR_RATE_LIMIT;
  if (!text) return undefined;
  if (text === 'off') return false;
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new Error(`TTD_COLLECTOR_RATE_LIMIT must be "burst/perHour" or "off", not "${text}"`);
  return { burst: Number(m[1]), perHour: Number(m[2]) };
}

export async function startCollector(opts: CollectorOptions): Promise<Collector> {
  const databaseUrl = opts.databaseUrl ?? process.env.DATABASE_URL;
  const rateLimit = opts.rateLimit ?? rateLimitFromEnv() ?? DEFAULT_RATE_LIMIT;
  const lookupPromise = opts.lookup ? Promise.resolve(opts.lookup) : loadIpDatabase();
  const store = databaseUrl ? await openPgStore(databaseUrl) : openSqliteStore(opts.dataDir);
  let lookup: IpLookup;
  try {
    lookup = await lookupPromise;
  } catch (err) {
    await store.close();
    throw new Error(`the IP-to-network database could not be loaded: ${(err as Error).message}`, { cause: err });
  }
  opts.log(
    `Collector storage: ${databaseUrl ? `PostgreSQL at ${redactUrl(databaseUrl)}` : `SQLite at ${join(opts.dataDir, SQLITE_FILE)}`}; ` +
      `rate limit ${rateLimit ? `${rateLimit.burst} reports, then ${rateLimit.perHour}/hour per client` : 'off'}`,
  );
  const batcher = createBatcher<StoredReport, boolean>((rows) => store.insertMany(rows));
  const route = collectorRoutes({
    store,
    batcher,
    lookup,
    rateLimiter: rateLimit ? createRateLimiter(rateLimit) : null,
    nowMs: opts.nowMs ?? Date.now,
    log: opts.log,
  });
  let closed: Promise<void> | undefined;
  return {
    route,
    store,
    close: () =>
      (closed ??= (async () => {
        await batcher.drain();
        await store.close();
      })()),
  };
}
