// `tls-throttle run auto`: the server list of a build (config/endpoints.json, or --servers), each
// probed (an endpoint's /info, a mirror's pre-use check with both sockets' addresses compared),
// the quickest usable one measured, the next tried when a run fails or the server is busy.
import { readFile } from 'node:fs/promises';
import { chooseServer, describePassedOver, nothingUsableMessage, type Candidate } from '../core/choose-server.js';
import type { MirrorCheck } from '../core/mirror/check.js';
import { chosenServerNote, interferenceFound, probeCandidate } from '../core/server-probes.js';
import { failedResult } from '../core/engine/result.js';
import type { Note } from '../core/notes.js';
import type { Result } from '../core/types.js';
import { nodeClock, nodeHasher, type NodeIo } from './node-io.js';

/** The build's list (build.mjs defines it from config/endpoints.json). */
declare const __DEFAULT_ENDPOINTS__: { id: string; url: string; kind?: string }[];

interface ListedServer {
  id: string;
  url: string;
  kind?: string;
}

export async function serverList(file: string | undefined): Promise<Candidate[]> {
  let listed: ListedServer[];
  if (file) {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { endpoints?: ListedServer[] };
    if (!Array.isArray(parsed.endpoints)) throw new Error(`${file} has no "endpoints" list`);
    listed = parsed.endpoints;
  } else {
    listed = typeof __DEFAULT_ENDPOINTS__ === 'undefined' ? [] : __DEFAULT_ENDPOINTS__;
  }
  return listed
    .filter((e) => e.kind !== 'mlab')
    .map((e) => ({ id: e.id, kind: e.kind === 'mirror' ? 'mirror' : 'endpoint', url: e.url }));
}

export async function runAuto(
  io: Pick<NodeIo, 'fetch' | 'remoteAddressOf'>,
  candidates: Candidate[],
  measure: (url: string, budgetBytes: number) => Promise<Result>,
  budgetBytes: number,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<Result> {
  const checks = new Map<string, MirrorCheck>();
  let bytesUsed = 0;
  const startedAt = nodeClock.now();
  const choice = await chooseServer<Result>(
    candidates,
    {
      probe: async (c) => {
        const p = await probeCandidate(
          { fetch: io.fetch, clock: nodeClock, hasher: nodeHasher, remoteAddressOf: io.remoteAddressOf, ...(signal ? { signal } : {}) },
          c,
          checks,
        );
        log(p.ok ? `${c.id}: usable, ${Math.round(p.connectMs)} ms` : `${c.id}: ${p.reason}`);
        return p;
      },
      nowEpochMs: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      ...(signal ? { signal } : {}),
    },
    async (c) => {
      log(`measuring against ${c.id} (${c.url})`);
      const result = await measure(c.url, Math.max(1, budgetBytes - bytesUsed));
      bytesUsed += result.bytesUsed;
      // Interrupted (Ctrl-C): stop here rather than start on the next server.
      if (result.verdict !== 'failed' || signal?.aborted) return { ok: true, value: { ...result, warnings: [chosenServerNote(c, checks.get(c.id)), ...result.warnings] } };
      const busy = result.error?.code === 'busy' ? /\(Retry-After: ([^)]+)\)/.exec(result.error.detail) : undefined;
      return {
        ok: false,
        reason: result.error?.detail ?? 'the run failed',
        ...(result.error?.code === 'busy' ? { busy: true, ...(busy?.[1] ? { retryAfter: busy[1] } : {}) } : {}),
      };
    },
  );
  if (choice.value) {
    const passedOver = describePassedOver(choice.candidates).map((detail): Note => ({ code: 'server-passed-over', detail }));
    return { ...choice.value, bytesUsed, warnings: [...choice.value.warnings, ...passedOver] };
  }
  const interference = interferenceFound(checks);
  const nothing = nothingUsableMessage(choice.candidates);
  const failed = failedResult(
    'auto',
    interference ? { code: 'interfered', detail: `the plaintext path was interfered with (${interference}); ${nothing}` } : { code: 'not-usable', detail: nothing },
    nodeClock.now() - startedAt,
    bytesUsed,
  );
  return interference ? { ...failed, verdict: 'interfered' } : failed;
}
