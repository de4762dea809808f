// The default store: one SQLite file in the data directory (better-sqlite3).
//
// Durability before the 2xx: WAL mode with synchronous=FULL. With WAL, a commit is complete
// once its frames are written to the -wal file; a kill -9 of this process cannot lose them,
// because the written pages are already the kernel's (synchronous=NORMAL would survive that
// too). A power cut or kernel crash can: under NORMAL, WAL mode fsyncs only at checkpoints,
// so the last commits before the cut may roll back (SQLite docs, "PRAGMA synchronous": "A
// transaction committed in WAL mode with synchronous=NORMAL might roll back following a
// power loss or system crash"). FULL fsyncs the WAL at every commit, so an acknowledged report
// survives both. The cost, one fsync per commit, is shared by a batch (see batcher.ts).
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Verdict } from '../../core/types.js';
import { STORE_SCHEMA_VERSION, type DayCount, type ExportRow, type ReportStore, type StoredReport } from './store.js';

export const SQLITE_FILE = 'reports.sqlite';

interface DbRow {
  seq: number;
  received_hour: string;
  asn: number | null;
  network: string | null;
  country: string | null;
  report: string;
}

export function openSqliteStore(dataDir: string): ReportStore {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, SQLITE_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > STORE_SCHEMA_VERSION) {
    db.close();
    throw new Error(`${join(dataDir, SQLITE_FILE)} has layout version ${version}; this collector knows up to ${STORE_SCHEMA_VERSION}`);
  }
  db.exec(`
    CREATE TABLE IF NOT EXISTS reports (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      report_id TEXT NOT NULL UNIQUE,
      received_hour TEXT NOT NULL,
      asn INTEGER,
      network TEXT,
      country TEXT,
      verdict TEXT NOT NULL,
      report TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS reports_received_hour ON reports (received_hour);
    PRAGMA user_version = ${STORE_SCHEMA_VERSION};
  `);
  const insert = db.prepare(
    `INSERT INTO reports (report_id, received_hour, asn, network, country, verdict, report)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (report_id) DO NOTHING`,
  );
  const insertAll = db.transaction((rows: StoredReport[]) =>
    rows.map(
      (r) =>
        insert.run(r.report.reportId, r.receivedHour, r.asn, r.network, r.country, r.report.verdict, JSON.stringify(r.report))
          .changes === 1,
    ),
  );
  const counts = db.prepare(
    `SELECT substr(received_hour, 1, 10) AS day, asn, MAX(network) AS network, country, verdict, COUNT(*) AS count
     FROM reports WHERE received_hour >= ? GROUP BY day, asn, country, verdict`,
  );
  const page = db.prepare(
    'SELECT seq, received_hour, asn, network, country, report FROM reports WHERE seq > ? ORDER BY seq LIMIT ?',
  );
  const ids = db.prepare('SELECT report_id FROM reports').pluck();
  return {
    kind: 'sqlite',
    insertMany: async (rows) => insertAll(rows),
    countsByDay: async (sinceDay) =>
      (counts.all(sinceDay) as Array<Omit<DayCount, 'verdict'> & { verdict: string }>).map((r) => ({ ...r, verdict: r.verdict as Verdict })),
    exportPage: async (afterSeq, limit) =>
      (page.all(afterSeq, limit) as DbRow[]).map(
        (r): ExportRow => ({
          seq: r.seq,
          receivedHour: r.received_hour,
          asn: r.asn,
          network: r.network,
          country: r.country,
          report: JSON.parse(r.report),
        }),
      ),
    reportIds: async () => ids.all() as string[],
    close: async () => {
      if (db.open) db.close();
    },
  };
}
