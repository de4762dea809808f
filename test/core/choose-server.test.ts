import { describe, expect, it } from 'vitest';
import {
  chooseServer,
  describePassedOver,
  isLoopbackUrl,
  medianMs,
  nothingUsableMessage,
  timeSmallRequests,
  type Candidate,
  type ProbeOutcome,
} from '../../src/core/choose-server.js';
import type { ResponseLike } from '../../src/core/io.js';

const c = (id: string, kind: Candidate['kind'] = 'mirror'): Candidate => ({ id, kind, url: `https://${id}.test/f` });

function deps(probes: Record<string, ProbeOutcome[]>) {
  const slept: number[] = [];
  const probed: string[] = [];
  return {
    slept,
    probed,
    d: {
      probe: async (x: Candidate) => {
        probed.push(x.id);
        const list = probes[x.id]!;
        return list.length > 1 ? list.shift()! : list[0]!;
      },
      nowEpochMs: () => Date.parse('2026-12-01T12:00:00Z'),
      sleep: async (ms: number) => void slept.push(ms),
    },
  };
}

describe('choosing a server', () => {
  it('tries the candidate with the lowest connection time first and names it', async () => {
    const { d } = deps({ a: [{ ok: true, connectMs: 80 }], b: [{ ok: true, connectMs: 12 }], e: [{ ok: true, connectMs: 40 }] });
    const tried: string[] = [];
    const choice = await chooseServer([c('a'), c('b'), c('e', 'endpoint')], d, async (x) => {
      tried.push(x.id);
      return { ok: true, value: `measured ${x.id}` };
    });
    expect(tried).toEqual(['b']);
    expect(choice.chosen).toMatchObject({ id: 'b', connectMs: 12 });
    expect(choice.value).toBe('measured b');
    expect(choice.candidates.find((r) => r.id === 'b')?.outcome).toBe('chosen');
  });

  it('measures a usable server elsewhere before one on this machine, however quick the local one answers', async () => {
    const local: Candidate = { id: 'local-dev', kind: 'endpoint', url: 'https://127.0.0.1:8443/' };
    const { d } = deps({ 'local-dev': [{ ok: true, connectMs: 1 }], m: [{ ok: true, connectMs: 60 }] });
    const tried: string[] = [];
    const choice = await chooseServer([local, c('m')], d, async (x) => {
      tried.push(x.id);
      return x.id === 'm' ? { ok: false, reason: 'stalled' } : { ok: true, value: x.id };
    });
    // The local one still serves when nothing else does.
    expect(tried).toEqual(['m', 'local-dev']);
    expect(choice.chosen?.id).toBe('local-dev');
  });

  it('knows loopback URLs', () => {
    for (const u of ['https://127.0.0.1:8443/', 'http://127.8.9.10/x', 'https://localhost/', 'https://a.localhost:1/', 'https://[::1]:8443/']) expect(isLoopbackUrl(u), u).toBe(true);
    for (const u of ['https://10.78.0.1/pub/big.bin', 'https://127.example/', 'https://[::2]/', 'not a url']) expect(isLoopbackUrl(u), u).toBe(false);
  });

  it('skips a candidate whose probe failed, with its reason, and falls back after a failed attempt', async () => {
    const { d } = deps({ a: [{ ok: false, reason: 'cannot reach a' }], b: [{ ok: true, connectMs: 5 }], e: [{ ok: true, connectMs: 9 }] });
    const choice = await chooseServer([c('a'), c('b'), c('e')], d, async (x) =>
      x.id === 'b' ? { ok: false, reason: 'stalled after 10000 ms' } : { ok: true, value: x.id },
    );
    expect(choice.chosen?.id).toBe('e');
    expect(describePassedOver(choice.candidates)).toEqual([
      'a (https://a.test/f) was skipped: cannot reach a',
      'b (https://b.test/f) failed: stalled after 10000 ms',
    ]);
  });

  it('waits out a short Retry-After once, then tries the same server again', async () => {
    const { d, slept } = deps({ a: [{ ok: true, connectMs: 5 }] });
    let calls = 0;
    const choice = await chooseServer([c('a')], d, async () =>
      ++calls === 1 ? { ok: false, reason: '429', busy: true, retryAfter: '2' } : { ok: true, value: 'x' },
    );
    expect(slept).toEqual([2000]);
    expect(choice.chosen?.id).toBe('a');
  });

  it('moves on at once when the Retry-After is long (an HTTP-date an hour away)', async () => {
    const { d, slept } = deps({ a: [{ ok: true, connectMs: 5 }], b: [{ ok: true, connectMs: 50 }] });
    const choice = await chooseServer([c('a'), c('b')], d, async (x) =>
      x.id === 'a' ? { ok: false, reason: 'HTTP 503', busy: true, retryAfter: 'Tue, 01 Dec 2026 13:00:00 GMT' } : { ok: true, value: 1 },
    );
    expect(slept).toEqual([]);
    expect(choice.chosen?.id).toBe('b');
    expect(choice.candidates.find((r) => r.id === 'a')?.outcome).toBe('busy');
  });

  it('re-probes a server that was busy at probing when its Retry-After is short', async () => {
    const { d, slept, probed } = deps({ a: [{ ok: false, reason: '429', busy: true, retryAfter: '1' }, { ok: true, connectMs: 7 }] });
    const choice = await chooseServer([c('a')], d, async () => ({ ok: true, value: 1 }));
    expect(slept).toEqual([1000]);
    expect(probed).toEqual(['a', 'a']);
    expect(choice.chosen?.connectMs).toBe(7);
  });

  it('says why nothing could be used, naming every candidate', async () => {
    const { d } = deps({ a: [{ ok: false, reason: 'redirects to https' }], b: [{ ok: false, reason: 'cannot reach b' }] });
    const choice = await chooseServer([c('a'), c('b')], d, async () => ({ ok: true, value: 1 }));
    expect(choice.chosen).toBeUndefined();
    expect(nothingUsableMessage(choice.candidates)).toBe(
      'no server could be used: a (https://a.test/f) was skipped: redirects to https; b (https://b.test/f) was skipped: cannot reach b',
    );
    expect(nothingUsableMessage([])).toBe('no server to measure against is configured');
  });

  it('probes a URL listed twice only once', async () => {
    const { d, probed } = deps({ a: [{ ok: true, connectMs: 1 }] });
    await chooseServer([c('a'), { ...c('a'), id: 'a2' }], d, async () => ({ ok: true, value: 1 }));
    expect(probed).toEqual(['a']);
  });

  it('takes the median of a few connection times', () => {
    expect(medianMs([30, 10, 500])).toBe(30);
    expect(medianMs([10, 20])).toBe(15);
    expect(medianMs([4])).toBe(4);
  });
});

describe('timing small requests', () => {
  const res = (status: number, h: Record<string, string> = {}): ResponseLike => ({
    status,
    url: '',
    redirected: false,
    type: 'basic',
    headers: { get: (k) => h[k] ?? null },
    body: null,
    text: async () => '',
  });

  it('answers the median time to response headers', async () => {
    let t = 0;
    const durations = [50, 10, 20];
    let i = 0;
    const clock = { now: () => t };
    const fetch = async () => {
      t += durations[i++]!;
      return res(206);
    };
    expect(await timeSmallRequests({ fetch, clock }, 'https://m.test/f', { method: 'GET' })).toEqual({ ok: true, connectMs: 20 });
  });

  it('reports a busy server with its Retry-After, and an error status as a reason', async () => {
    const clock = { now: () => 0 };
    expect(await timeSmallRequests({ fetch: async () => res(429, { 'retry-after': '5' }), clock }, 'u', {})).toEqual({
      ok: false,
      busy: true,
      reason: 'u answered HTTP 429',
      retryAfter: '5',
    });
    expect(await timeSmallRequests({ fetch: async () => res(404), clock }, 'u', {})).toEqual({ ok: false, reason: 'u answered HTTP 404' });
  });
});
