// The first "Run test" of a fresh install, and every run with no server selected: probe the
// build's servers (endpoints of ours and public mirrors) and the user's own, order them by
// connection time, measure against the first usable one and fall back to the next when a run
// fails or the server is busy (src/core/choose-server.ts). The Result names the server used
// and lists the ones passed over; a run that found nothing usable says why, server by server,
// under the code of the reason a user can act on (interference found, HTTP/3, or none usable).
import { chooseServer, describePassedOver, nothingUsableMessage, type Candidate } from '../../core/choose-server.js';
import type { MirrorCheck } from '../../core/mirror/check.js';
import type { RunDeps, RunOptions } from '../../core/runner.js';
import { chosenServerNote, interferenceFound, probeCandidate, quicFound } from '../../core/server-probes.js';
import type { Result } from '../../core/types.js';
import { autoCandidates, type EndpointRef } from '../shared/endpoints.js';
import type { HistoryEntry } from '../shared/storage-schema.js';
import type { MeasureContext } from './run-controller.js';
import { failedResult } from '../../core/engine/result.js';
import type { Note } from '../../core/notes.js';

/** Scheduled checks use a third party's mirror at most once a day (politeness, README). */
export const MIRROR_SCHEDULED_INTERVAL_MS = 24 * 3600 * 1000;

export interface AutoChoiceDeps {
  candidates: () => Promise<EndpointRef[]>;
  /** Past runs, to keep scheduled checks off a mirror used by one in the last day. */
  history: () => Promise<HistoryEntry[]>;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  http: (deps: RunDeps, opts: RunOptions) => Promise<Result>;
}

function toCandidate(e: EndpointRef): Candidate {
  return { id: e.id, kind: e.kind === 'mirror' ? 'mirror' : 'endpoint', url: e.url };
}

/** Mirrors a scheduled check may not use now: one ran against them within the last day. */
export function restedMirrors(history: readonly HistoryEntry[], nowMs: number): Set<string> {
  const recent = new Set<string>();
  for (const h of history) {
    if (h.trigger === 'scheduled' && h.endpoint.kind === 'mirror' && nowMs - h.startedAt < MIRROR_SCHEDULED_INTERVAL_MS) {
      recent.add(h.endpoint.id);
    }
  }
  return recent;
}

/** A failed run that a busy server caused, with its Retry-After (transfer.ts words it so). */
function busyOf(result: Result): { busy: boolean; retryAfter?: string } {
  if (result.error?.code !== 'busy') return { busy: false };
  const m = /\(Retry-After: ([^)]+)\)/.exec(result.error.detail);
  return { busy: true, ...(m?.[1] ? { retryAfter: m[1] } : {}) };
}

export async function measureAuto(a: AutoChoiceDeps, deps: RunDeps, opts: RunOptions, ctx: MeasureContext): Promise<Result> {
  const startedAt = deps.clock.now();
  let refs = autoCandidates(await a.candidates());
  const notes: Note[] = [];
  if (ctx.trigger === 'scheduled') {
    const rested = restedMirrors(await a.history(), a.now());
    const kept = refs.filter((e) => !rested.has(e.id));
    if (kept.length < refs.length) notes.push({ code: 'mirrors-rested', ids: [...rested] });
    refs = kept;
  }
  const byId = new Map(refs.map((e) => [e.id, e]));
  const checks = new Map<string, MirrorCheck>();
  let bytesUsed = 0;
  // A server the browser reached over HTTP/3, at its check or in its run: if nothing else can
  // be measured, that is the reason to give, with its own next step (the CLI uses TCP).
  let overQuic = false;
  deps.onProgress?.({ phase: 'info', round: 0, budgetShare: 0 });
  const choice = await chooseServer<Result>(
    refs.map(toCandidate),
    {
      probe: (c) => probeCandidate({ fetch: deps.fetch, clock: deps.clock, hasher: deps.hasher, signal: deps.signal }, c, checks),
      nowEpochMs: a.now,
      sleep: a.sleep,
      ...(deps.signal ? { signal: deps.signal } : {}),
    },
    async (c) => {
      ctx.onChosen(byId.get(c.id)!);
      const result = await a.http(deps, { ...opts, url: c.url, budgetBytes: Math.max(1, opts.budgetBytes - bytesUsed) });
      bytesUsed += result.bytesUsed;
      // A cancelled run ends the choice too: the user asked to stop, not for the next server.
      if (result.verdict !== 'failed' || deps.signal?.aborted) {
        return { ok: true, value: { ...result, warnings: [chosenServerNote(c, checks.get(c.id)), ...result.warnings] } };
      }
      if (result.error?.code === 'not-tcp') overQuic = true;
      return { ok: false, reason: result.error?.detail ?? 'the run failed', ...busyOf(result) };
    },
  );
  if (choice.value) {
    const passedOver = describePassedOver(choice.candidates);
    return {
      ...choice.value,
      bytesUsed,
      warnings: [...choice.value.warnings, ...notes, ...passedOver.map((detail): Note => ({ code: 'server-passed-over', detail }))],
    };
  }
  const nothing = nothingUsableMessage(choice.candidates);
  const interference = interferenceFound(checks);
  if (interference) {
    const detail = `the plaintext path was interfered with (${interference}); ${nothing}`;
    return { ...failedResult('auto', { code: 'interfered', detail }, deps.clock.now() - startedAt, bytesUsed), verdict: 'interfered', warnings: notes };
  }
  const code = overQuic || quicFound(checks) ? 'not-tcp' : 'not-usable';
  return { ...failedResult('auto', { code, detail: nothing }, deps.clock.now() - startedAt, bytesUsed), warnings: notes };
}
