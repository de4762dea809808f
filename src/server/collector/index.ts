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
import { ensurePrivateDir } from '../private-files.js';
import { buildExportSnapshot } from './export-snapshot.js';
import { collectorRoutes } from './routes.js';
import { createSnapshotCache, type SnapshotCacheOptions } from './snapshot-cache.js';
import { openSqliteStore, SQLITE_FILE } from './sqlite-store.js';
import type { ReportStore, StoredReport } from './store.js';

export interface CollectorOptions {
  dataDir: string;
  log: (line: string) => void;
  /** PostgreSQL connection URL; default process.env.DATABASE_URL; SQLite when neither is set (or it is ""). */
  databaseUrl?: string;
  /** false turns the per-client limit off (load tests from one address). */
  rateLimit?: RateLimitOptions | false;
  /** Reports one client may add about one network; default DEFAULT_NETWORK_CEILING, false: none. */
  networkCeiling?: RateLimitOptions | false;
  /** Requests to /v1/aggregates and /v1/export per client; default DEFAULT_READ_RATE_LIMIT, false: none. */
  readRateLimit?: RateLimitOptions | false;
  /** How the read routes' snapshots are refreshed (snapshot-cache.ts); default DEFAULT_READ_CACHE. */
  readCache?: Partial<SnapshotCacheOptions>;
  /** The IP -> network look-up; default the shipped database. */
  lookup?: IpLookup;
  nowMs?: () => number;
}

/**
 * Four reports at once, then four a day, per client and network: a test every six hours, the
 * most frequent schedule the extension offers, always fits, while one address alone stays
 * under the MIN_GROUP_REPORTS (5) that publish a network's row for a day.
 */
export const DEFAULT_NETWORK_CEILING: RateLimitOptions = { burst: 4, perHour: 4 / 24 };
/** The public page asks once per change of its window; ten a minute is more than a person clicks. */
export const DEFAULT_READ_RATE_LIMIT: RateLimitOptions = { burst: 30, perHour: 600 };
/** Counts a minute behind at most while reports arrive; a snapshot over 10 minutes old is never served. */
export const DEFAULT_READ_CACHE: SnapshotCacheOptions = { refreshMs: 60_000, maxStaleMs: 600_000 };

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
  await ensurePrivateDir(opts.dataDir);
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
  const nowMs = opts.nowMs ?? Date.now;
  const cacheOptions = { ...DEFAULT_READ_CACHE, ...opts.readCache };
  const counts = createSnapshotCache(() => store.countsByDay(''), cacheOptions);
  const exports = createSnapshotCache(() => buildExportSnapshot(store, opts.dataDir, nowMs), cacheOptions);
  const networkCeiling = opts.networkCeiling ?? DEFAULT_NETWORK_CEILING;
  const readRateLimit = opts.readRateLimit ?? DEFAULT_READ_RATE_LIMIT;
  const route = collectorRoutes({
    store,
    batcher,
    lookup,
    rateLimiter: rateLimit ? createRateLimiter(rateLimit) : null,
    networkCeiling: networkCeiling ? createRateLimiter(networkCeiling) : null,
    readLimiter: readRateLimit ? createRateLimiter(readRateLimit) : null,
    counts,
    exports,
    nowMs,
    log: opts.log,
  });
  let closed: Promise<void> | undefined;
  return {
    route,
    store,
    close: () =>
      (closed ??= (async () => {
        counts.stop();
        exports.stop();
        await batcher.drain();
        await store.close();
      })()),
  };
}
