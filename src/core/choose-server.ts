// Picks the server a run measures against, among endpoints of ours and public mirrors: the
// one with the lowest connection time first, as speed tests pick the nearest server, then the next whenever one fails,
// refuses, or answers 429/503. Every candidate's fate is recorded, so a run that measured
// nothing can say why, and a run that measured can name the server it used.
import { describeError } from './errors.js';
import type { Clock, FetchLike, RequestOptions, ResponseLike } from './io.js';
import { retryAfterMs } from './retry-after.js';

export type CandidateKind = 'endpoint' | 'mirror';

export interface Candidate {
  id: string;
  kind: CandidateKind;
  url: string;
}

export type ProbeOutcome =
  | { ok: true; connectMs: number }
  | { ok: false; reason: string; busy?: boolean; retryAfter?: string };

export type AttemptOutcome<R> =
  | { ok: true; value: R }
  | { ok: false; reason: string; busy?: boolean; retryAfter?: string };

export interface CandidateRecord {
  id: string;
  kind: CandidateKind;
  url: string;
  connectMs?: number;
  /** What happened: chosen, or why it was passed over. */
  outcome: 'chosen' | 'skipped' | 'failed' | 'busy' | 'not-tried';
  reason?: string;
}

export interface ChooseDeps {
  /** A few small requests to the candidate; its connection time, or why it cannot serve. */
  probe: (c: Candidate) => Promise<ProbeOutcome>;
  /** Wall-clock time for Retry-After dates (Date.now in production). */
  nowEpochMs: () => number;
  sleep: (ms: number) => Promise<void>;
  signal?: AbortSignal;
}

export interface ChooseOptions {
  /** Wait for a Retry-After up to this long before trying the same server again; longer skips it. */
  maxRetryWaitMs?: number;
}

export interface Choice<R> {
  chosen?: Candidate & { connectMs: number };
  value?: R;
  candidates: CandidateRecord[];
}

/** Waits longer than this are the server saying "not now": the next candidate is better. */
export const DEFAULT_MAX_RETRY_WAIT_MS = 10_000;

/** The median of a few connection times: one slow handshake should not rank a server last. */
export function medianMs(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Probes every candidate (one after another: politeness over speed), orders the usable ones by
 * connection time, and runs `attempt` on each in turn until one gives a value. A busy answer
 * (429/503) with a short Retry-After is waited out once; a longer one moves on.
 */
export async function chooseServer<R>(
  candidates: readonly Candidate[],
  deps: ChooseDeps,
  attempt: (c: Candidate & { connectMs: number }) => Promise<AttemptOutcome<R>>,
  opts: ChooseOptions = {},
): Promise<Choice<R>> {
  const maxWaitMs = opts.maxRetryWaitMs ?? DEFAULT_MAX_RETRY_WAIT_MS;
  const records: CandidateRecord[] = [];
  const usable: (Candidate & { connectMs: number })[] = [];
  for (const c of candidates) {
    if (deps.signal?.aborted) break;
    const seen = usable.some((u) => u.url === c.url) || records.some((r) => r.url === c.url);
    if (seen) continue;
    let p = await deps.probe(c);
    if (!p.ok && p.busy) {
      const waitMs = retryAfterMs(p.retryAfter, deps.nowEpochMs());
      if (waitMs !== undefined && waitMs <= maxWaitMs) {
        await deps.sleep(waitMs);
        p = await deps.probe(c);
      }
    }
    if (p.ok) {
      usable.push({ ...c, connectMs: p.connectMs });
      records.push({ ...c, connectMs: p.connectMs, outcome: 'not-tried' });
    } else {
      records.push({ ...c, outcome: p.busy ? 'busy' : 'skipped', reason: p.reason });
    }
  }
  // A server on this machine answers quickest but measures the processor, not the line (README,
  // "Quick start": loopback TLS is CPU-bound): it comes after every usable server elsewhere.
  // Stable: among equal times, the configured order (ours before mirrors) wins.
  usable.sort((a, b) => Number(isLoopbackUrl(a.url)) - Number(isLoopbackUrl(b.url)) || a.connectMs - b.connectMs);
  for (const c of usable) {
    if (deps.signal?.aborted) break;
    const record = records.find((r) => r.id === c.id)!;
    let outcome = await attempt(c);
    if (!outcome.ok && outcome.busy) {
      const waitMs = retryAfterMs(outcome.retryAfter, deps.nowEpochMs());
      if (waitMs !== undefined && waitMs <= maxWaitMs) {
        await deps.sleep(waitMs);
        outcome = await attempt(c);
      }
    }
    if (outcome.ok) {
      record.outcome = 'chosen';
      return { chosen: c, value: outcome.value, candidates: records };
    }
    record.outcome = outcome.busy ? 'busy' : 'failed';
    record.reason = outcome.reason;
  }
  return { candidates: records };
}

/**
 * Whether a URL names this machine: localhost, 127.0.0.0/8 or ::1 (RFC 6890 sec. 2.2.2 and
 * 2.2.3; RFC 6761 sec. 6.3 for "localhost"). A malformed URL is not loopback.
 */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Times `count` small requests to `url` (request to response headers) and answers their
 * median: what "connection time" means here, a handshake plus a round trip or two.
 */
export async function timeSmallRequests(
  deps: { fetch: FetchLike; clock: Clock; signal?: AbortSignal },
  url: string,
  init: RequestOptions,
  count = 3,
): Promise<ProbeOutcome> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const startedAt = deps.clock.now();
    let res: ResponseLike;
    try {
      res = await deps.fetch(url, { ...init, redirect: 'manual', cache: 'no-store', ...(deps.signal ? { signal: deps.signal } : {}) });
    } catch (err) {
      return { ok: false, reason: `cannot reach ${url}: ${describeError(err instanceof Error && err.cause instanceof Error ? err.cause : err)}` };
    }
    times.push(deps.clock.now() - startedAt);
    await res.body?.getReader().cancel().catch(() => undefined);
    if (res.status === 429 || res.status === 503) {
      const retryAfter = res.headers.get('retry-after') ?? undefined;
      return { ok: false, busy: true, reason: `${url} answered HTTP ${res.status}`, ...(retryAfter ? { retryAfter } : {}) };
    }
    if (res.status >= 400) return { ok: false, reason: `${url} answered HTTP ${res.status}` };
  }
  return { ok: true, connectMs: medianMs(times) };
}

/** One line per candidate passed over, for the Result's warnings or the popup's "why". */
export function describePassedOver(records: readonly CandidateRecord[]): string[] {
  return records
    .filter((r) => r.outcome !== 'chosen' && r.outcome !== 'not-tried')
    .map((r) => `${r.id} (${r.url}) ${r.outcome === 'busy' ? 'was busy' : r.outcome === 'failed' ? 'failed' : 'was skipped'}: ${r.reason ?? 'no reason given'}`);
}

/** Why nothing could be measured, naming each candidate's reason. */
export function nothingUsableMessage(records: readonly CandidateRecord[]): string {
  if (!records.length) return 'no server to measure against is configured';
  return `no server could be used: ${describePassedOver(records).join('; ')}`;
}
