// `tls-throttle run ... --report URL`: after the run, send its anonymous report to a
// collector. Reporting is a side matter: whatever happens here, the run's output on stdout and
// its exit code stay the same, and a failure is one line on stderr.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'undici';
import { buildReport, CUSTOM_ENDPOINT, type Report, type ReportMeta } from '../core/report.js';
import { MAX_WHOLE_BODY_BYTES } from '../core/deadline-fetch.js';
import { safeText } from '../core/safe-text.js';
import type { Result } from '../core/types.js';
import { OUTPUT_TEXT_MAX_CHARS } from './format.js';

declare const __VERSION__: string;
declare const __DEFAULT_ENDPOINTS__: Array<{ id: string; url: string }>;

export const REPORT_TIMEOUT_MS = 10_000;
/**
 * The report is sent after the run, within what is left of the run's time limit; a run that
 * used all of it still gets this long, so the CLI ends at most this much after --max-seconds.
 */
export const REPORT_MIN_TIMEOUT_MS = 2_000;

/** How long the report may take, given what is left of the run's deadline. */
export function reportTimeoutMs(remainingMs: number): number {
  return Math.min(REPORT_TIMEOUT_MS, Math.max(REPORT_MIN_TIMEOUT_MS, Math.round(remainingMs)));
}

/** The collector's answer, read to at most `maxBytes` (an error page has no business being longer). */
async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }, maxBytes: number): Promise<{ text: string; cut: boolean }> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const room = maxBytes - total;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      body.destroy();
      return { text: Buffer.concat(chunks).toString('utf8'), cut: true };
    }
    chunks.push(chunk);
    total += chunk.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), cut: false };
}

export function osFamily(platform: NodeJS.Platform): ReportMeta['client']['os'] {
  switch (platform) {
    case 'linux':
      return 'linux';
    case 'darwin':
      return 'mac';
    case 'win32':
      return 'windows';
    case 'android':
      return 'android';
    case 'freebsd':
    case 'openbsd':
    case 'netbsd':
      return 'bsd';
    default:
      return 'other';
  }
}

/**
 * The endpoint's id when the run measured one of the shipped endpoints (same origin), "mlab"
 * for M-Lab, else "custom": the URL of an endpoint the user picked may name a private host.
 */
export function endpointIdFor(measuredUrl: string, listed: ReadonlyArray<{ id: string; url: string }>): string {
  if (measuredUrl === 'mlab' || measuredUrl.startsWith('mlab:')) return 'mlab';
  let origin: string;
  try {
    origin = new URL(measuredUrl).origin;
  } catch {
    return CUSTOM_ENDPOINT;
  }
  for (const e of listed) {
    try {
      if (new URL(e.url).origin === origin) return e.id;
    } catch {
      // A malformed entry in the shipped list matches nothing.
    }
  }
  return CUSTOM_ENDPOINT;
}

export function cliReport(result: Result, nowMs: number): Report {
  return buildReport(result, {
    trigger: 'manual',
    client: {
      kind: 'cli',
      version: typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0',
      browser: null,
      os: osFamily(process.platform),
    },
    endpointId: endpointIdFor(result.endpoint, typeof __DEFAULT_ENDPOINTS__ === 'undefined' ? [] : __DEFAULT_ENDPOINTS__),
    endedAtMs: nowMs,
    reportId: randomBytes(16).toString('hex'),
  });
}

/** undici's error codes for its timers (undici/lib/core/errors.js). */
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export type SubmitOutcome = { ok: true; status: number } | { ok: false; message: string };

/** POSTs the report; never throws. */
export async function postReport(url: string, report: Report, trust: { ca?: string; insecure?: boolean }, timeoutMs = REPORT_TIMEOUT_MS): Promise<SubmitOutcome> {
  let agent: Agent | undefined;
  try {
    const target = new URL(url);
    if (target.protocol !== 'https:' && target.protocol !== 'http:') return { ok: false, message: `${url} is not an http(s) URL` };
    agent = new Agent({
      connect: { ca: trust.ca, rejectUnauthorized: !trust.insecure, timeout: timeoutMs },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const res = await request(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(report),
      dispatcher: agent,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const { text, cut } = await readCapped(res.body, MAX_WHOLE_BODY_BYTES);
    if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, status: res.statusCode };
    // The collector's words are network text: quoted only once made safe and short.
    let detail: unknown = text;
    try {
      if (!cut) detail = (JSON.parse(text) as { error?: unknown }).error ?? text;
    } catch {
      // Not JSON: the start of the body says enough.
    }
    return { ok: false, message: `the collector answered ${res.statusCode}: ${safeText(detail)}` };
  } catch (err) {
    const e = err as Error & { code?: string };
    // Whichever of the signal and undici's own header, body or connect timer fires first (they
    // are set alike), it is the same finding: the collector did not answer in time.
    const timedOut = e.name === 'TimeoutError' || (e.code !== undefined && TIMEOUT_CODES.has(e.code));
    const reason = timedOut ? `no answer within ${timeoutMs} ms` : `${e.code ? `${e.code} ` : ''}${safeText(e.message)}`;
    return { ok: false, message: reason };
  } finally {
    await agent?.destroy().catch(() => undefined);
  }
}

/** Builds and sends the run's report, telling the user on stderr what happened. */
export async function submitRunReport(
  result: Result,
  url: string,
  trust: { caFile?: string; insecure: boolean },
  stderr: { write(s: string): unknown },
  timeoutMs = REPORT_TIMEOUT_MS,
): Promise<boolean> {
  // Even with --json, stderr may be a terminal: every line leaves through safeText.
  const say = (line: string) => stderr.write(`${safeText(line, OUTPUT_TEXT_MAX_CHARS)}\n`);
  let report: Report;
  let ca: string | undefined;
  try {
    report = cliReport(result, Date.now());
    ca = trust.caFile ? await readFile(trust.caFile, 'utf8') : undefined;
  } catch (err) {
    say(`Report not sent: ${(err as Error).message}`);
    return false;
  }
  const outcome = await postReport(url, report, { ca, insecure: trust.insecure }, timeoutMs);
  say(outcome.ok ? `Report sent to ${url} (${outcome.status}).` : `Report not sent to ${url}: ${outcome.message}`);
  return outcome.ok;
}
