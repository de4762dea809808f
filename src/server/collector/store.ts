// What the collector keeps, whichever database keeps it. Both stores (SQLite by default,
// PostgreSQL when DATABASE_URL is set) implement this, and the same tests run against both.
import type { Report } from '../../core/report.js';
import type { Verdict } from '../../core/types.js';

/** One accepted report with what ingest added: the network, never the address. */
export interface StoredReport {
  /** The hour the collector received it, by the collector's clock ("2026-11-24T08:00:00Z"). */
  receivedHour: string;
  asn: number | null;
  network: string | null;
  country: string | null;
  report: Report;
}

export interface DayCount {
  /** "2026-11-24" */
  day: string;
  asn: number | null;
  network: string | null;
  country: string | null;
  verdict: Verdict;
  count: number;
}

export interface ExportRow extends StoredReport {
  /** Position in the store, for paging only: never exported. */
  seq: number;
}

export interface ReportStore {
  readonly kind: 'sqlite' | 'postgresql';
  /**
   * Stores the reports durably in one transaction; resolves only once they survive a crash.
   * Per row: true when new, false when its reportId was already stored (a retried upload).
   */
  insertMany(rows: StoredReport[]): Promise<boolean[]>;
  /** Report counts per received day, network, country and verdict, from `sinceDay` on. */
  countsByDay(sinceDay: string): Promise<DayCount[]>;
  /** Up to `limit` reports after position `afterSeq`, oldest first. */
  exportPage(afterSeq: number, limit: number): Promise<ExportRow[]>;
  /** Every stored reportId (tests and the load check compare acknowledged ones with these). */
  reportIds(): Promise<string[]>;
  close(): Promise<void>;
}

/** Version of the table layout below; a store refuses a database from a newer version. */
export const STORE_SCHEMA_VERSION = 1;
