// The PostgreSQL store, used when DATABASE_URL is set. Same table as the SQLite store.
// Durability before the 2xx: each batch is one INSERT statement in its own transaction, and
// with PostgreSQL's default synchronous_commit=on the COMMIT returns only after the WAL record
// is flushed to disk (PostgreSQL docs, "synchronous_commit"). We check the setting at start
// and refuse to run with it off, since then an acknowledged report could be lost.
import pg from 'pg';
import type { Verdict } from '../../core/types.js';
import { STORE_SCHEMA_VERSION, type DayCount, type ExportRow, type ReportStore } from './store.js';

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

export async function openPgStore(databaseUrl: string): Promise<ReportStore> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // An idle client that loses its server must not crash the collector; the next query fails.
  pool.on('error', () => undefined);
  try {
    const sync = await pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
    if (sync.rows[0]?.synchronous_commit === 'off') {
      throw new Error('synchronous_commit is off: acknowledged reports could be lost; turn it on for this database');
    }
    await pool.query(`
      CREATE TABLE IF NOT EXISTS collector_schema (version INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS reports (
        seq BIGSERIAL PRIMARY KEY,
        report_id TEXT NOT NULL UNIQUE,
        received_hour TEXT NOT NULL,
        asn BIGINT,
        network TEXT,
        country TEXT,
        verdict TEXT NOT NULL,
        report TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS reports_received_hour ON reports (received_hour);
    `);
    const v = await pool.query<{ version: number }>('SELECT max(version) AS version FROM collector_schema');
    const version = v.rows[0]?.version ?? 0;
    if (version > STORE_SCHEMA_VERSION) {
      throw new Error(`the database has layout version ${version}; this collector knows up to ${STORE_SCHEMA_VERSION}`);
    }
    if (version < STORE_SCHEMA_VERSION) await pool.query('INSERT INTO collector_schema (version) VALUES ($1)', [STORE_SCHEMA_VERSION]);
  } catch (err) {
    await pool.end();
    throw new Error(`PostgreSQL at ${redactUrl(databaseUrl)}: ${(err as Error).message}`, { cause: err });
  }

  return {
    kind: 'postgresql',
    async insertMany(rows) {
      if (!rows.length) return [];
      const res = await pool.query<{ report_id: string }>(
        `INSERT INTO reports (report_id, received_hour, asn, network, country, verdict, report)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[])
         ON CONFLICT (report_id) DO NOTHING RETURNING report_id`,
        [
          rows.map((r) => r.report.reportId),
          rows.map((r) => r.receivedHour),
          rows.map((r) => r.asn),
          rows.map((r) => r.network),
          rows.map((r) => r.country),
          rows.map((r) => r.report.verdict),
          rows.map((r) => JSON.stringify(r.report)),
        ],
      );
      const inserted = new Set(res.rows.map((r) => r.report_id));
      // A reportId twice in one batch is inserted once: only its first row counts as new.
      return rows.map((r) => inserted.delete(r.report.reportId));
    },
    async countsByDay(sinceDay) {
      const res = await pool.query<{ day: string; asn: string | null; network: string | null; country: string | null; verdict: string; count: string }>(
        `SELECT substr(received_hour, 1, 10) AS day, asn, MAX(network) AS network, country, verdict, COUNT(*) AS count
         FROM reports WHERE received_hour >= $1 GROUP BY day, asn, country, verdict`,
        [sinceDay],
      );
      return res.rows.map(
        (r): DayCount => ({
          day: r.day,
          asn: r.asn === null ? null : Number(r.asn),
          network: r.network,
          country: r.country,
          verdict: r.verdict as Verdict,
          count: Number(r.count),
        }),
      );
    },
    async exportPage(afterSeq, limit) {
      const res = await pool.query<{ seq: string; received_hour: string; asn: string | null; network: string | null; country: string | null; report: string }>(
        'SELECT seq, received_hour, asn, network, country, report FROM reports WHERE seq > $1 ORDER BY seq LIMIT $2',
        [afterSeq, limit],
      );
      return res.rows.map(
        (r): ExportRow => ({
          seq: Number(r.seq),
          receivedHour: r.received_hour,
          asn: r.asn === null ? null : Number(r.asn),
          network: r.network,
          country: r.country,
          report: JSON.parse(r.report),
        }),
      );
    },
    async reportIds() {
      const res = await pool.query<{ report_id: string }>('SELECT report_id FROM reports');
      return res.rows.map((r) => r.report_id);
    },
    close: async () => {
      if (!pool.ended) await pool.end();
    },
  };
}
