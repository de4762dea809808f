// The anonymous report: one schema shared by the extension, the CLI and the collector.
// It carries what makes a run useful as evidence about an ISP and nothing that identifies the
// person: no IP address (the collector maps it to an ASN at ingest and drops it), no persistent
// client id, no private hostname (user-added endpoints are reported as "custom"), no free text
// (every string is an enum or a tight pattern, so nothing typed by anyone can ride along).
// Numbers are rounded so that their last digits cannot act as a fingerprint either.
import * as v from 'valibot';
import { isListedSniName, LISTED_SNI_NAMES } from './sni/names.js';
import { CAUSES, VERDICTS, type Result } from './types.js';

export const REPORT_SCHEMA_VERSION = 1;

/** Largest report body the collector accepts; a real report is about 2 kB. */
export const MAX_REPORT_BYTES = 16 * 1024;

export const TRIGGERS = ['manual', 'scheduled'] as const;
export const CLIENT_KINDS = ['extension', 'cli'] as const;
export const BROWSER_FAMILIES = ['chrome', 'chromium', 'edge', 'firefox', 'opera', 'brave', 'other'] as const;
export const OS_FAMILIES = ['windows', 'mac', 'linux', 'android', 'chromeos', 'ios', 'bsd', 'other'] as const;
export const COMPARISON_IDS = [
  'screen',
  'protocol-on-plain-port',
  'port-for-plaintext',
  'entropy',
  'tls-vs-low-entropy',
  'upload',
  'upload-protocol-on-plain-port',
  'upload-port-for-plaintext',
  'sni',
] as const;
export const COMPARISON_OUTCOMES = ['slower', 'faster', 'same', 'unclear'] as const;

/** The id reported for an endpoint the user added: its hostname may be private. */
export const CUSTOM_ENDPOINT = 'custom';

const MAX_LEGS = 8;
const MAX_COMPARISONS = COMPARISON_IDS.length;
/** 40 Gbit/s: far above any access line, so a larger figure is a broken or hostile report. */
const MAX_MBPS = 40_000;
const MAX_DURATION_MS = 24 * 3600 * 1000;
const MAX_BYTES = 1e12;

const count = (max: number) => v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(max));
const finite = (min: number, max: number) => v.pipe(v.number(), v.finite(), v.minValue(min), v.maxValue(max));
/** A ratio of goodputs; null when the run produced none (a failed run). */
const ratio = v.nullable(finite(0, 1e6));
const interval = v.nullable(v.strictTuple([finite(0, 1e6), finite(0, 1e6)]));

const SNI_ROLES = ['name', 'control'] as const;

const LegSchema = v.strictObject({
  scheme: v.picklist(['http', 'https']),
  port: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535)),
  direction: v.picklist(['down', 'up']),
  payload: v.picklist(['random', 'text']),
  /** On a run by server name: whether the leg's ClientHello named the name or the control. */
  sni: v.optional(v.picklist(SNI_ROLES)),
  transfers: count(10_000),
  medianMbps: v.nullable(finite(0, MAX_MBPS)),
});

const ComparisonSchema = v.strictObject({
  id: v.picklist(COMPARISON_IDS),
  ratio,
  ci95: interval,
  pValue: v.nullable(finite(0, 1)),
  rounds: count(10_000),
  outcome: v.picklist(COMPARISON_OUTCOMES),
});

export const ReportSchema = v.strictObject({
  schemaVersion: v.literal(REPORT_SCHEMA_VERSION),
  /** Random per report, so a retried upload is stored once; never reused, so it links nothing. */
  reportId: v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/)),
  /** The start of the hour the run ended in, UTC ("2026-11-24T08:00:00Z"). */
  hour: v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$/)),
  trigger: v.picklist(TRIGGERS),
  client: v.strictObject({
    kind: v.picklist(CLIENT_KINDS),
    version: v.pipe(v.string(), v.regex(/^\d{1,4}\.\d{1,4}\.\d{1,4}$/)),
    browser: v.nullable(
      v.strictObject({
        family: v.picklist(BROWSER_FAMILIES),
        major: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(9999)),
      }),
    ),
    os: v.picklist(OS_FAMILIES),
  }),
  /** An id from the shipped endpoint list, or "custom". */
  endpoint: v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9-]{0,39}$/)),
  verdict: v.picklist(VERDICTS),
  cause: v.nullable(v.picklist(CAUSES)),
  ratio,
  ci95: interval,
  pValue: v.nullable(finite(0, 1)),
  rounds: count(10_000),
  durationMs: count(MAX_DURATION_MS),
  bytesUsed: count(MAX_BYTES),
  legs: v.pipe(v.array(LegSchema), v.maxLength(MAX_LEGS)),
  comparisons: v.pipe(v.array(ComparisonSchema), v.maxLength(MAX_COMPARISONS)),
  shaping: v.nullable(
    v.strictObject({
      // HTTP legs are https-443-..., M-Lab ndt7 legs wss-443-... (src/core/ndt7/legs.ts).
      // A run by server name adds the leg's role (core/sni/sni-plan.ts), never the name itself.
      leg: v.pipe(v.string(), v.regex(/^(https?|wss?)-\d{1,5}-(down|up)-(random|text)(-sni-(name|control))?$/)),
      rateMbps: finite(0, MAX_MBPS),
      burstBytes: count(MAX_BYTES),
    }),
  ),
  /**
   * A run by server name: the name only when it is one of the built-in list (sni/names.ts),
   * null for a name the user gave (it may be their own); and the rate it was held to.
   */
  sni: v.optional(
    v.strictObject({
      name: v.nullable(v.picklist(LISTED_SNI_NAMES)),
      rateMbps: v.nullable(finite(0, MAX_MBPS)),
    }),
  ),
});

export type Report = v.InferOutput<typeof ReportSchema>;

export interface ReportMeta {
  trigger: (typeof TRIGGERS)[number];
  client: {
    kind: (typeof CLIENT_KINDS)[number];
    version: string;
    browser: { family: (typeof BROWSER_FAMILIES)[number]; major: number } | null;
    os: (typeof OS_FAMILIES)[number];
  };
  /** The listed endpoint's id, or CUSTOM_ENDPOINT for one the user added. */
  endpointId: string;
  /** When the run ended (ms since the epoch); only its hour is reported. */
  endedAtMs: number;
  /** 32 lowercase hex digits from a cryptographic source, new for every report. */
  reportId: string;
}

export type ReportValidation = { ok: true; report: Report } | { ok: false; issues: string[] };

/** Validates untrusted input (a request body, a stored queue entry) against the schema. */
export function validateReport(input: unknown): ReportValidation {
  const parsed = v.safeParse(ReportSchema, input, { abortEarly: false });
  if (parsed.success) return { ok: true, report: parsed.output };
  return {
    ok: false,
    issues: parsed.issues.slice(0, 10).map((i) => `${v.getDotPath(i) ?? '(root)'}: ${i.message}`),
  };
}

export function hourOf(ms: number): string {
  const hourMs = Math.floor(ms / 3_600_000) * 3_600_000;
  return `${new Date(hourMs).toISOString().slice(0, 13)}:00:00Z`;
}

/** Rounds to a few significant digits: enough for evidence, too coarse to fingerprint a run. */
function sig(x: number, digits = 3): number {
  if (x === 0) return 0;
  return Number(x.toPrecision(digits));
}

const orNull = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? sig(x) : null);
const intervalOrNull = (ci: readonly [number, number]): [number, number] | null =>
  Number.isFinite(ci[0]) && Number.isFinite(ci[1]) ? [sig(ci[0]), sig(ci[1])] : null;
/** p-values near 0 are kept as such, not rounded up to 0.00x by significant digits. */
const pOrNull = (p: number): number | null => (Number.isFinite(p) ? Math.min(1, Math.max(0, sig(p, 2))) : null);

/**
 * The report for a finished run. Throws when the result cannot be reported (a field out of
 * range), so a broken run never leaves the machine as a half-valid report.
 */
export function buildReport(result: Result, meta: ReportMeta): Report {
  const legs = result.legs.slice(0, MAX_LEGS).map((l) => ({
    scheme: l.scheme,
    port: l.port,
    direction: l.direction,
    payload: l.payload,
    ...(l.sni ? { sni: l.sni } : {}),
    transfers: l.transfers.length,
    medianMbps: orNull(l.transfers.length ? l.medianMbps : undefined),
  }));
  const comparisons = result.comparisons.slice(0, MAX_COMPARISONS).map((c) => ({
    id: c.id as (typeof COMPARISON_IDS)[number],
    ratio: orNull(c.ratio),
    ci95: intervalOrNull(c.ci95),
    pValue: pOrNull(c.pValue),
    rounds: c.rounds,
    outcome: c.outcome,
  }));
  const report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    reportId: meta.reportId,
    hour: hourOf(meta.endedAtMs),
    trigger: meta.trigger,
    client: meta.client,
    endpoint: meta.endpointId,
    verdict: result.verdict,
    cause: result.cause ?? null,
    ratio: orNull(result.ratio),
    ci95: intervalOrNull(result.ci95),
    pValue: pOrNull(result.pValue),
    rounds: result.rounds,
    durationMs: Math.round(result.durationMs / 100) * 100,
    bytesUsed: Math.round(result.bytesUsed / 1000) * 1000,
    legs,
    comparisons,
    shaping: result.shaping
      ? { leg: result.shaping.leg, rateMbps: sig(result.shaping.rateMbps), burstBytes: Math.round(sig(result.shaping.burstBytes)) }
      : null,
  };
  if (result.sni) {
    const name = result.sni.name.toLowerCase();
    Object.assign(report, { sni: { name: isListedSniName(name) ? name : null, rateMbps: orNull(result.sni.rateMbps) } });
  }
  const checked = validateReport(report);
  if (!checked.ok) throw new Error(`the run cannot be reported: ${checked.issues.join('; ')}`);
  return checked.report;
}
