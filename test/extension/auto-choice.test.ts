// The automatic choice of a server: the build's endpoints and mirrors are probed, the fastest
// usable one measured, the next tried when a run fails, and a run that found nothing says why.
import { startRunDeadline } from '../../src/core/deadline-fetch.js';
import { MeasureError } from '../../src/core/errors.js';
import { describe, expect, it } from 'vitest';
import type { FetchLike, ResponseLike } from '../../src/core/io.js';
import { MIN_MIRROR_FILE_BYTES } from '../../src/core/mirror/check.js';
import type { RunDeps, RunOptions } from '../../src/core/runner.js';
import type { Result } from '../../src/core/types.js';
import { measureAuto, restedMirrors } from '../../src/extension/background/auto-choice.js';
import type { EndpointRef } from '../../src/extension/shared/endpoints.js';
import type { HistoryEntry } from '../../src/extension/shared/storage-schema.js';
import { fakeMirror, nodeSha256, type FakeMirrorOptions } from '../support/fake-mirror.js';
import { failedResult, sampleResult } from './sample-result.js';
import type { Note } from '../../src/core/notes.js';
import { noteText } from '../../src/cli/note-text.js';

/** The notes as the CLI words them. */
const said = (notes: Note[]) => notes.map(noteText);


const NOW = Date.UTC(2026, 11, 1, 12);
const ENDPOINT: EndpointRef = { id: 'ours', name: 'Ours', url: 'https://ours.test/' };
const MIRROR: EndpointRef = { id: 'mirror-a', name: 'Mirror A', url: 'https://mirror.test/pub/big.iso', kind: 'mirror' };
const OPTS: RunOptions = { url: '', diagnose: 'auto', budgetBytes: 60e6, maxDurationMs: 60_000 };

/** A line where each host answers after its own delay (the virtual clock advances by it). */
function network(delayMs: Record<string, number>, mirror: Partial<FakeMirrorOptions> = {}, oursDown = false) {
  let t = 0;
  const m = fakeMirror({ fileBytes: MIN_MIRROR_FILE_BYTES + 1, ...mirror });
  const fetch: FetchLike = async (url, init) => {
    const host = new URL(url).hostname;
    t += delayMs[host] ?? 1;
    if (host === 'ours.test') {
      if (oursDown) throw new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') });
      return { status: 200, url, redirected: false, type: 'basic', headers: { get: () => null }, body: null, text: async () => '{}' } as ResponseLike;
    }
    return m.fetch(url, init);
  };
  const deps = { fetch, clock: { now: () => t }, hasher: nodeSha256, random: () => 0.5 } as unknown as RunDeps;
  return deps;
}

function auto(results: Record<string, () => Result>, candidates: EndpointRef[] = [ENDPOINT, MIRROR], history: HistoryEntry[] = []) {
  const measured: string[] = [];
  const chosen: string[] = [];
  const a = {
    candidates: async () => candidates,
    history: async () => history,
    now: () => NOW,
    sleep: async () => undefined,
    http: async (_d: RunDeps, o: RunOptions) => (measured.push(o.url), results[o.url]!()),
  };
  const ctx = { trigger: 'manual' as const, onChosen: (e: EndpointRef) => void chosen.push(e.id), deadline: startRunDeadline({ now: () => 0 }, 60_000) };
  return { a, ctx, measured, chosen };
}

describe('the automatic choice of a server', () => {
  it('measures the candidate with the lowest connection time and names it in the Result', async () => {
    const { a, ctx, measured, chosen } = auto({ [MIRROR.url]: () => sampleResult({ endpoint: MIRROR.url }) });
    const r = await measureAuto(a, network({ 'ours.test': 80, 'mirror.test': 5 }), OPTS, ctx);
    expect(measured).toEqual([MIRROR.url]);
    expect(chosen).toEqual(['mirror-a']);
    expect(r.verdict).toBe('tls-throttled');
    expect(said(r.warnings)[0]).toMatch(/^server: mirror-a \(public mirror https:\/\/mirror.test\/pub\/big.iso\), chosen by its connection time of \d+ ms; checked before use: no redirect/);
  });

  it('falls back to the next candidate when the run on the first fails', async () => {
    const { a, ctx, measured, chosen } = auto({
      [MIRROR.url]: () => failedResult('download of 131072 bytes from https://mirror.test/pub/big.iso stalled'),
      [ENDPOINT.url]: () => sampleResult({ verdict: 'no-difference' }),
    });
    const r = await measureAuto(a, network({ 'ours.test': 80, 'mirror.test': 5 }), OPTS, ctx);
    expect(measured).toEqual([MIRROR.url, ENDPOINT.url]);
    expect(chosen).toEqual(['mirror-a', 'ours']);
    expect(r.verdict).toBe('no-difference');
    expect(said(r.warnings).some((w) => /^passed over: mirror-a .* failed: download of 131072 bytes/.test(w))).toBe(true);
    expect(r.bytesUsed).toBe(84_000_000);
  });

  it('stops at a cancelled run instead of starting on the next server', async () => {
    const controller = new AbortController();
    const { a, ctx, measured } = auto({
      [MIRROR.url]: () => (controller.abort(), failedResult('download of 131072 bytes was cancelled after 20 ms at 3 kB')),
      [ENDPOINT.url]: () => sampleResult(),
    });
    const deps = { ...network({ 'ours.test': 80, 'mirror.test': 5 }), signal: controller.signal };
    const r = await measureAuto(a, deps, OPTS, ctx);
    expect(measured).toEqual([MIRROR.url]);
    expect(r.error?.detail).toMatch(/was cancelled/);
  });

  it('skips a mirror whose http URL redirects, and says so', async () => {
    const { a, ctx, measured } = auto({ [ENDPOINT.url]: () => sampleResult() });
    const r = await measureAuto(a, network({ 'ours.test': 80, 'mirror.test': 5 }, { plain: { redirect: true } }), OPTS, ctx);
    expect(measured).toEqual([ENDPOINT.url]);
    expect(said(r.warnings).some((w) => /passed over: mirror-a .* was skipped: .*redirects \(HTTP 301\)/.test(w))).toBe(true);
  });

  it('fails with every candidate\'s reason when none is usable', async () => {
    const { a, ctx, measured } = auto({});
    const r = await measureAuto(a, network({}, { plain: { redirect: true } }, true), OPTS, ctx);
    expect(measured).toEqual([]);
    expect(r.verdict).toBe('failed');
    expect(r.error?.detail).toMatch(/^no server could be used: ours .* was skipped: cannot reach https:\/\/ours.test\/info: ECONNREFUSED; mirror-a .* was skipped: .*redirects \(HTTP 301\)/);
  });

  it('gives the HTTP/3 reason its own code when the only server reached ran over QUIC', async () => {
    const overQuic = (): Result => ({
      ...failedResult(),
      error: { code: 'not-tcp', detail: 'https://mirror.test/pub/big.iso went over h3 (Resource Timing nextHopProtocol): HTTP/3 runs on QUIC over UDP' },
    });
    const { a, ctx, measured } = auto({ [MIRROR.url]: overQuic });
    const r = await measureAuto(a, network({}, {}, true), OPTS, ctx);
    expect(measured).toEqual([MIRROR.url]);
    expect(r.verdict).toBe('failed');
    expect(r.error?.code).toBe('not-tcp');
    expect(r.error?.detail).toMatch(/^no server could be used: ours .* cannot reach .*; mirror-a .* failed: .*went over h3/);
  });

  it('gives it too when the check of the mirror already went over QUIC', async () => {
    const { a, ctx, measured } = auto({});
    const deps = network({}, {}, true);
    const inner = deps.fetch;
    // What src/extension/platform/extension-io.ts does to a TLS body that arrived over QUIC.
    deps.fetch = async (url, init) => {
      const res = await inner(url, init);
      if (!url.startsWith('https://mirror.test/')) return res;
      const fail = async (): Promise<never> => {
        throw new MeasureError('not-tcp', `${url} went over h3 (Resource Timing nextHopProtocol): HTTP/3 runs on QUIC over UDP`);
      };
      return { ...res, headers: res.headers, body: { getReader: () => ({ read: fail, cancel: async () => undefined }) }, text: fail };
    };
    const r = await measureAuto(a, deps, OPTS, ctx);
    expect(measured).toEqual([]);
    expect(r.error?.code).toBe('not-tcp');
    expect(r.error?.detail).toMatch(/mirror-a .* was skipped: https:\/\/mirror\.test\/pub\/big\.iso went over h3/);
  });

  it('answers interfered, with the evidence, when a check found a middlebox and nothing could be measured', async () => {
    const { a, ctx } = auto({});
    const r = await measureAuto(a, network({}, { plain: { via: '1.1 squid' } }, true), OPTS, ctx);
    expect(r.verdict).toBe('interfered');
    expect(r.error?.detail).toMatch(/^the plaintext path was interfered with \(mirror-a: a cache or proxy handled the plaintext leg only \(via: 1.1 squid\)\); no server could be used: /);
  });

  it('leaves out a mirror that a scheduled check used within the last day', async () => {
    const used: HistoryEntry = { id: 'x', startedAt: NOW - 3600_000, finishedAt: NOW, endpoint: MIRROR, trigger: 'scheduled', result: sampleResult() };
    const { a, measured } = auto({ [ENDPOINT.url]: () => sampleResult() }, [ENDPOINT, MIRROR], [used]);
    const r = await measureAuto(a, network({ 'ours.test': 80, 'mirror.test': 5 }), OPTS, { trigger: 'scheduled', onChosen: () => undefined, deadline: startRunDeadline({ now: () => 0 }, 60_000) });
    expect(measured).toEqual([ENDPOINT.url]);
    expect(r.warnings).toContainEqual({ code: 'mirrors-rested', ids: ['mirror-a'] });
  });

  it('counts only scheduled runs on mirrors within the day as a reason to rest', () => {
    const entry = (over: Partial<HistoryEntry>): HistoryEntry => ({ id: 'e', startedAt: NOW - 1000, finishedAt: NOW, endpoint: MIRROR, trigger: 'scheduled', result: sampleResult(), ...over });
    expect([...restedMirrors([entry({})], NOW)]).toEqual(['mirror-a']);
    expect([...restedMirrors([entry({ trigger: 'manual' })], NOW)]).toEqual([]);
    expect([...restedMirrors([entry({ startedAt: NOW - 25 * 3600_000 })], NOW)]).toEqual([]);
    expect([...restedMirrors([entry({ endpoint: ENDPOINT })], NOW)]).toEqual([]);
  });

  it('waits out a short Retry-After from a busy server, then measures it again', async () => {
    let calls = 0;
    const { a, ctx, measured } = auto(
      { [MIRROR.url]: () => (++calls === 1 ? { ...failedResult(), error: { code: 'busy' as const, detail: `${MIRROR.url} answered HTTP 503 (Retry-After: 2)` } } : sampleResult()) },
      [MIRROR],
    );
    const slept: number[] = [];
    const r = await measureAuto({ ...a, sleep: async (ms) => void slept.push(ms) }, network({}), OPTS, ctx);
    expect(slept).toEqual([2000]);
    expect(measured).toEqual([MIRROR.url, MIRROR.url]);
    expect(r.verdict).toBe('tls-throttled');
  });
});
