// The probes chooseServer ranks candidates by: for an endpoint of ours, a few small GETs of
// /info; for a public mirror, the whole pre-use check (check.ts), whose two small Range
// requests also time the connection. A mirror that fails its check is skipped with the reason.
import type { Candidate, ProbeOutcome } from './choose-server.js';
import { timeSmallRequests } from './choose-server.js';
import type { Clock, FetchLike, HasherFactory } from './io.js';
import { checkMirror, type MirrorCheck } from './mirror/check.js';
import type { Note } from './notes.js';

export interface ProbeDeps {
  fetch: FetchLike;
  clock: Clock;
  hasher: HasherFactory;
  /** Extra request headers for servers that are not ours (the CLI's User-Agent). */
  headers?: Record<string, string>;
  remoteAddressOf?: (origin: string) => string | undefined;
  signal?: AbortSignal;
}

/** The root's /info, where an endpoint of ours answers (src/server/endpoint-routes.ts). */
export function infoUrl(rootUrl: string): string {
  return new URL('/info', rootUrl).toString();
}

/**
 * Probes one candidate. `checks` receives a mirror's check result, so the run that follows can
 * name the checks made (the Result's warnings) without checking twice.
 */
export async function probeCandidate(deps: ProbeDeps, c: Candidate, checks?: Map<string, MirrorCheck>): Promise<ProbeOutcome> {
  if (c.kind === 'endpoint') return timeSmallRequests(deps, infoUrl(c.url), { method: 'GET' });
  const result = await checkMirror(deps, c.url);
  checks?.set(c.id, result);
  if (result.outcome === 'usable') return { ok: true, connectMs: result.connectMs };
  if (result.outcome === 'busy') return { ok: false, busy: true, reason: result.reason, ...(result.retryAfter ? { retryAfter: result.retryAfter } : {}) };
  return { ok: false, reason: `${result.outcome === 'interfered' ? 'interfered: ' : ''}${result.reason}` };
}

/** One sentence for the Result: which server was used, how it was picked, what was checked. */
export function chosenServerNote(c: Candidate & { connectMs: number }, check: MirrorCheck | undefined): Note {
  return {
    code: 'server-chosen',
    id: c.id,
    kind: c.kind === 'mirror' ? 'mirror' : 'endpoint',
    url: c.url,
    connectMs: Math.round(c.connectMs),
    checks: check?.outcome === 'usable' ? check.checks : [],
  };
}

/**
 * When no server could be measured, the evidence of a middlebox on the plaintext path that a
 * mirror's check found (altered bytes, a cache only plaintext passes) is the answer: the run is
 * `interfered`, not merely failed. Undefined when no check found any.
 */
export function interferenceFound(checks: ReadonlyMap<string, MirrorCheck>): string | undefined {
  for (const [id, c] of checks) if (c.outcome === 'interfered') return `${id}: ${c.reason}`;
  return undefined;
}

/** Whether a mirror's check was refused because the browser reached it over HTTP/3. */
export function quicFound(checks: ReadonlyMap<string, MirrorCheck>): boolean {
  for (const c of checks.values()) if (c.outcome === 'not-usable' && c.overQuic) return true;
  return false;
}
