// `tls-throttle run ... --report URL`: after the run, send its anonymous report to a
// collector. Reporting is a side matter: whatever happens here, the run's output on stdout and
// its exit code stay the same, and a failure is one line on stderr.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'undici';
import { buildReport, CUSTOM_ENDPOINT, type Report, type ReportMeta } from '../core/report.js';
import type { Result } from '../core/types.js';

declare const __VERSION__: string;
declare const __DEFAULT_ENDPOINTS__: Array<{ id: string; url: string }>;

export const REPORT_TIMEOUT_MS = 10_000;

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

export type SubmitOutcome = { ok: true; status: number } | { ok: false; message: string };

/** POSTs the report; never throws. */
export async function postReport(url: string, report: Report, trust: { ca?: string; insecure?: boolean }, timeoutMs = REPORT_TIMEOUT_MS): Promise<SubmitOutcome> {
  let agent: Agent | undefined;
  try {
    const target = new URL(url);
    if (target.protocol !== 'https:' && target.protocol !== 'http:') return { ok: false, message: `${url} is not an http(s) URL` };
    agent = new Agent({ connect: { ca: trust.ca, rejectUnauthorized: !trust.insecure } });
    const res = await request(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(report),
      dispatcher: agent,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.body.text();
    if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, status: res.statusCode };
    let detail = text.slice(0, 200);
    try {
      detail = (JSON.parse(text) as { error?: string }).error ?? detail;
    } catch {
      // Not JSON: the start of the body says enough.
    }
    return { ok: false, message: `the collector answered ${res.statusCode}: ${detail}` };
  } catch (err) {
    const e = err as Error & { code?: string };
    const reason = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${e.code ? `${e.code} ` : ''}${e.message}`;
    return { ok: false, message: reason };
  } finally {
    await agent?.close().catch(() => undefined);
  }
}

/** Builds and sends the run's report, telling the user on stderr what happened. */
export async function submitRunReport(
  result: Result,
  url: string,
  trust: { caFile?: string; insecure: boolean },
  stderr: { write(s: string): unknown },
): Promise<boolean> {
  let report: Report;
  let ca: string | undefined;
  try {
    report = cliReport(result, Date.now());
    ca = trust.caFile ? await readFile(trust.caFile, 'utf8') : undefined;
  } catch (err) {
    stderr.write(`Report not sent: ${(err as Error).message}\n`);
    return false;
  }
  const outcome = await postReport(url, report, { ca, insecure: trust.insecure });
  stderr.write(outcome.ok ? `Report sent to ${url} (${outcome.status}).\n` : `Report not sent to ${url}: ${outcome.message}\n`);
  return outcome.ok;
}
