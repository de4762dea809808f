import { getEventListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { MeasureError } from '../../src/core/errors.js';
import { anySignal, deadlineFetch, deadlineWebSocket, MAX_WHOLE_BODY_BYTES, startRunDeadline } from '../../src/core/deadline-fetch.js';
import type { FetchLike, ReadResult, RequestOptions, ResponseLike } from '../../src/core/io.js';
import { FakeWebSocket } from './ndt7/fake-websocket.js';

const clock = { now: () => performance.now() };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A body the test feeds by hand: chunks queued, or reads that wait until told (or forever). */
function manualBody() {
  const queue: Array<ReadResult> = [];
  let waiting: ((r: ReadResult) => void) | undefined;
  let cancelled = false;
  return {
    push(r: ReadResult) {
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w(r);
      } else queue.push(r);
    },
    get cancelled() {
      return cancelled;
    },
    reader: {
      read: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise<ReadResult>((resolve) => (waiting = resolve))),
      cancel: async () => void (cancelled = true),
    },
  };
}

function response(body: ReturnType<typeof manualBody> | null, text = ''): ResponseLike {
  return {
    status: 200,
    url: 'https://endpoint.test/info',
    redirected: false,
    type: 'basic',
    headers: { get: () => null },
    body: body && { getReader: () => body.reader },
    text: async () => text,
  };
}

/** An inner fetch that records the options it got and answers with `answer` (or never). */
function innerFetch(answer?: () => ResponseLike) {
  const calls: RequestOptions[] = [];
  const fetch: FetchLike = (url, init) => {
    calls.push(init);
    return answer ? Promise.resolve(answer()) : new Promise(() => undefined);
  };
  return { fetch, calls };
}

const bytes = (s: string) => new TextEncoder().encode(s);

describe('startRunDeadline', () => {
  it('aborts its signal at the limit with a timeout error that gives the limit', async () => {
    const d = startRunDeadline(clock, 30);
    expect(d.expired()).toBe(false);
    await sleep(60);
    expect(d.expired()).toBe(true);
    expect(d.signal.reason).toBeInstanceOf(MeasureError);
    expect((d.signal.reason as MeasureError).kind).toBe('timeout');
    expect((d.signal.reason as MeasureError).message).toMatch(/time limit of 30 ms/);
  });

  it('counts the time remaining down to zero, never below', async () => {
    const d = startRunDeadline(clock, 40);
    expect(d.remainingMs()).toBeGreaterThan(20);
    await sleep(60);
    expect(d.remainingMs()).toBe(0);
    expect(d.elapsedMs()).toBeGreaterThanOrEqual(40);
  });

  it('never aborts once disposed', async () => {
    const d = startRunDeadline(clock, 20);
    d.dispose();
    await sleep(40);
    expect(d.expired()).toBe(false);
  });
});

describe('anySignal', () => {
  it('aborts with the reason of the first signal that aborts', () => {
    const a = new AbortController();
    const b = new AbortController();
    const link = anySignal([a.signal, undefined, b.signal]);
    b.abort('second');
    a.abort('first');
    expect(link.signal.reason).toBe('second');
  });

  it('is aborted at once when a signal already was', () => {
    const a = new AbortController();
    a.abort('early');
    expect(anySignal([a.signal]).signal.reason).toBe('early');
  });

  it('leaves no listener behind once unlinked', () => {
    const a = new AbortController();
    const link = anySignal([a.signal]);
    expect(getEventListeners(a.signal, 'abort')).toHaveLength(1);
    link.unlink();
    expect(getEventListeners(a.signal, 'abort')).toHaveLength(0);
    a.abort();
    expect(link.signal.aborted).toBe(false);
  });
});

describe('deadlineFetch', () => {
  it('fails a request that never answers at the deadline, with the numbers', async () => {
    const d = startRunDeadline(clock, 50);
    const { fetch } = innerFetch();
    const t0 = performance.now();
    const err = await deadlineFetch(fetch, d)('https://endpoint.test/info', { method: 'GET' }).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(err).toBeInstanceOf(MeasureError);
    expect((err as MeasureError).kind).toBe('timeout');
    expect((err as MeasureError).message).toMatch(/^GET https:\/\/endpoint\.test\/info: no complete answer within the run's time limit of 50 ms \(0 bytes received after \d+ ms\)$/);
  });

  it('hands the inner fetch a signal that aborts at the deadline', async () => {
    const d = startRunDeadline(clock, 30);
    const { fetch, calls } = innerFetch();
    void deadlineFetch(fetch, d)('https://endpoint.test/info', {}).catch(() => undefined);
    expect(calls[0]!.signal!.aborted).toBe(false);
    await sleep(60);
    expect(calls[0]!.signal!.aborted).toBe(true);
  });

  it('fails at once, without asking the network, once the deadline has passed', async () => {
    const d = startRunDeadline(clock, 0);
    await sleep(10);
    const { fetch, calls } = innerFetch(() => response(null));
    await expect(deadlineFetch(fetch, d)('https://endpoint.test/info', {})).rejects.toThrow(/time limit of 0 ms/);
    expect(calls).toHaveLength(0);
  });

  it('fails a body read that stalls at the deadline, counting the bytes that came', async () => {
    const d = startRunDeadline(clock, 60);
    const body = manualBody();
    body.push({ done: false, value: new Uint8Array(300) });
    const res = await deadlineFetch(innerFetch(() => response(body)).fetch, d)('https://endpoint.test/payload', { method: 'GET' });
    const reader = res.body!.getReader();
    expect((await reader.read()).value).toHaveLength(300);
    await expect(reader.read()).rejects.toThrow(/\(300 bytes received after \d+ ms\)/);
  });

  it('fails a dripping text() at the deadline', async () => {
    const d = startRunDeadline(clock, 80);
    const body = manualBody();
    const timer = setInterval(() => body.push({ done: false, value: bytes(' ') }), 10);
    const res = await deadlineFetch(innerFetch(() => response(body)).fetch, d)('https://endpoint.test/info', {});
    await expect(res.text()).rejects.toThrow(/time limit of 80 ms/);
    clearInterval(timer);
  });

  it('reads a whole body under the cap, multi-byte characters split across chunks included', async () => {
    const d = startRunDeadline(clock, 1000);
    const body = manualBody();
    const all = bytes('{"city":"Zürich"}');
    body.push({ done: false, value: all.subarray(0, 12) });
    body.push({ done: false, value: all.subarray(12) });
    body.push({ done: true });
    const res = await deadlineFetch(innerFetch(() => response(body)).fetch, d)('https://endpoint.test/info', {});
    expect(await res.text()).toBe('{"city":"Zürich"}');
    d.dispose();
  });

  it('stops reading a body read whole past the cap, and cancels it', async () => {
    const d = startRunDeadline(clock, 5000);
    const body = manualBody();
    for (let i = 0; i < 10; i++) body.push({ done: false, value: new Uint8Array(16 * 1024) });
    const res = await deadlineFetch(innerFetch(() => response(body)).fetch, d)('https://endpoint.test/info', {});
    const err = await res.text().catch((e: unknown) => e);
    expect((err as MeasureError).kind).toBe('bad-endpoint');
    expect((err as MeasureError).message).toMatch(new RegExp(`ran past ${MAX_WHOLE_BODY_BYTES} bytes`));
    expect(body.cancelled).toBe(true);
    d.dispose();
  });

  it('takes a smaller cap when given one', async () => {
    const d = startRunDeadline(clock, 5000);
    const body = manualBody();
    body.push({ done: false, value: new Uint8Array(11) });
    body.push({ done: true });
    const res = await deadlineFetch(innerFetch(() => response(body)).fetch, d, { maxWholeBodyBytes: 10 })('https://endpoint.test/info', {});
    await expect(res.text()).rejects.toThrow(/ran past 10 bytes/);
    d.dispose();
  });

  it("keeps the caller's own abort and its reason", async () => {
    const d = startRunDeadline(clock, 5000);
    const caller = new AbortController();
    const pending = deadlineFetch(innerFetch().fetch, d)('https://endpoint.test/info', { signal: caller.signal });
    caller.abort(new Error('stalled'));
    await expect(pending).rejects.toThrow('stalled');
    d.dispose();
  });

  it("ends every request on the run's own cancel, one given no signal of its own included", async () => {
    const d = startRunDeadline(clock, 5000);
    const cancel = new AbortController();
    const { fetch, calls } = innerFetch();
    const pending = deadlineFetch(fetch, d, { cancel: cancel.signal })('https://endpoint.test/info', {});
    cancel.abort(new Error('interrupted'));
    await expect(pending).rejects.toThrow('interrupted');
    expect(calls[0]!.signal!.aborted).toBe(true);
    d.dispose();
  });

  it('answers text() of a body-less response (HEAD) from the inner response', async () => {
    const d = startRunDeadline(clock, 5000);
    const res = await deadlineFetch(innerFetch(() => response(null, '')).fetch, d)('https://endpoint.test/payload', { method: 'HEAD' });
    expect(res.body).toBeNull();
    expect(await res.text()).toBe('');
    d.dispose();
  });

  it('leaves no listener on the run-long signal once a body has ended', async () => {
    const d = startRunDeadline(clock, 5000);
    const body = manualBody();
    body.push({ done: true });
    const res = await deadlineFetch(innerFetch(() => response(body)).fetch, d)('https://endpoint.test/info', {});
    await res.text();
    expect(getEventListeners(d.signal, 'abort')).toHaveLength(0);
    d.dispose();
  });
});

describe('deadlineWebSocket', () => {
  it('terminates the sockets still open at the deadline', async () => {
    const d = startRunDeadline(clock, 30);
    const made: FakeWebSocket[] = [];
    const factory = deadlineWebSocket((url, protocol) => {
      const ws = new FakeWebSocket(url, protocol, true);
      made.push(ws);
      return ws;
    }, d);
    (factory('wss://mlab.test/ndt/v7/download', 'net.measurementlab.ndt.v7') as FakeWebSocket).readyState = 1;
    (factory('ws://mlab.test/ndt/v7/download', 'net.measurementlab.ndt.v7') as FakeWebSocket).readyState = 3;
    await sleep(60);
    expect(made[0]!.terminated).toBe(true);
    expect(made[1]!.terminated).toBe(false);
  });

  it('closes where the platform has no terminate (browsers)', async () => {
    const d = startRunDeadline(clock, 20);
    const ws = new FakeWebSocket('wss://mlab.test/', 'p');
    deadlineWebSocket(() => ws, d)('wss://mlab.test/', 'p');
    await sleep(50);
    expect(ws.closedWith).toBeDefined();
  });

  it('drops a socket made after the deadline on the next turn', async () => {
    const d = startRunDeadline(clock, 0);
    await sleep(10);
    const ws = new FakeWebSocket('wss://mlab.test/', 'p', true);
    deadlineWebSocket(() => ws, d)('wss://mlab.test/', 'p');
    expect(ws.terminated).toBe(false);
    await sleep(10);
    expect(ws.terminated).toBe(true);
  });
});
