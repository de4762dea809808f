import { describe, expect, it, vi } from 'vitest';
import type { RunDeps, RunOptions } from '../../src/core/runner.js';
import type { Result } from '../../src/core/types.js';
import { RunController, WATCHDOG_GRACE_MS, nextProgress, type Measure, type SetTimer } from '../../src/extension/background/run-controller.js';
import type { Progress } from '../../src/core/types.js';
import type { FetchLike } from '../../src/core/io.js';
import type { BackgroundEvent } from '../../src/extension/shared/messages.js';
import { DEFAULT_SETTINGS } from '../../src/extension/shared/storage-schema.js';
import { Store } from '../../src/extension/shared/store.js';
import { FakeStorage } from './fakes.js';
import { sampleResult } from './sample-result.js';

const ENDPOINT = { id: 'default', name: 'Endpoint', url: 'https://endpoint.test/' };

/** A measurement the test finishes by hand, seeing what the controller passed to it. */
function manualMeasure() {
  const calls: { deps: RunDeps; opts: RunOptions; finish: (r: Result) => void; fail: (e: unknown) => void }[] = [];
  const measure: Measure = (deps, opts) =>
    new Promise<Result>((resolve, reject) => {
      calls.push({ deps, opts, finish: resolve, fail: reject });
    });
  return { measure, calls };
}

/** Timers the test fires by hand: the watchdog's. */
function manualTimers() {
  const pending: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  const setTimer: SetTimer = (fn, ms) => {
    const t = { fn, ms, cancelled: false };
    pending.push(t);
    return () => void (t.cancelled = true);
  };
  return { setTimer, pending, fire: () => pending.filter((t) => !t.cancelled).forEach((t) => t.fn()) };
}

function setup(storage = new FakeStorage(), runDeps: (signal: AbortSignal, onProgress: (p: Progress) => void) => RunDeps = (signal, onProgress) => ({ signal, onProgress }) as unknown as RunDeps) {
  const { measure, calls } = manualMeasure();
  const timers = manualTimers();
  const events: BackgroundEvent[] = [];
  let keepAlives = 0;
  let stopped = 0;
  let now = 1_790_000_000_000;
  let ids = 0;
  const store = new Store(storage);
  const controller = new RunController({
    measure,
    store,
    runDeps,
    broadcast: (e) => events.push(e),
    keepAlive: () => {
      keepAlives++;
      return () => void stopped++;
    },
    now: () => now,
    newId: () => `run-${++ids}`,
    setTimer: timers.setTimer,
  });
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 0));
  };
  return {
    controller,
    store,
    storage,
    calls,
    events,
    until,
    advance: (ms: number) => (now += ms),
    timers,
    keepAlive: () => ({ started: keepAlives, stopped }),
  };
}

describe('RunController', () => {
  it('answers a second request while a test runs with the same run, measuring once', async () => {
    const t = setup();
    const first = await t.controller.start(ENDPOINT, 'manual', DEFAULT_SETTINGS);
    const second = await t.controller.start(ENDPOINT, 'scheduled', DEFAULT_SETTINGS);
    expect(second.status === 'running' && first.status === 'running' && second.runId === first.runId).toBe(true);
    await t.until(() => t.calls.length > 0);
    expect(t.calls).toHaveLength(1);
  });

  it('files the result in history with its endpoint, trigger and times, and becomes idle', async () => {
    const t = setup();
    await t.controller.start(ENDPOINT, 'scheduled', DEFAULT_SETTINGS);
    await t.until(() => t.calls.length > 0);
    t.advance(20_000);
    t.calls[0]!.finish(sampleResult());
    await t.controller.settled();
    const [e] = await t.store.history();
    expect(e).toMatchObject({ id: 'run-1', trigger: 'scheduled', endpoint: ENDPOINT, result: { verdict: 'tls-throttled' } });
    expect(e!.finishedAt - e!.startedAt).toBe(20_000);
    expect(t.controller.state()).toEqual({ status: 'idle' });
    expect(await t.store.activeRun()).toBeUndefined();
    expect(t.events).toContainEqual({ event: 'finished', runId: 'run-1', verdict: 'tls-throttled' });
  });

  it('passes the settings budget and time limit to the measurement', async () => {
    const t = setup();
    await t.controller.start(ENDPOINT, 'manual', { ...DEFAULT_SETTINGS, runBudgetMb: 25, maxRunSeconds: 40 });
    await t.until(() => t.calls.length > 0);
    expect(t.calls[0]!.opts).toMatchObject({ url: ENDPOINT.url, budgetBytes: 25e6, maxDurationMs: 40_000, diagnose: 'auto' });
  });

  it('counts the bytes a run used against the month', async () => {
    const t = setup();
    await t.controller.start(ENDPOINT, 'manual', DEFAULT_SETTINGS);
    await t.until(() => t.calls.length > 0);
    t.calls[0]!.finish(sampleResult({ bytesUsed: 42e6 }));
    await t.controller.settled();
    expect((await t.store.usage(1_790_000_000_000)).bytes).toBe(42e6);
  });

  it('keeps the worker alive exactly while the run lasts', async () => {
    const t = setup();
    await t.controller.start(ENDPOINT, 'manual', DEFAULT_SETTINGS);
    await t.until(() => t.calls.length > 0);
    expect(t.keepAlive()).toEqual({ started: 1, stopped: 0 });
    t.calls[0]!.finish(sampleResult());
    await t.controller.settled();
    expect(t.keepAlive()).toEqual({ started: 1, stopped: 1 });
  });

  it('aborts the measurement on cancel', async () => {
    const t = setup();
    await t.controller.start(ENDPOINT, 'manual', DEFAULT_SETTINGS);
    await t.until(() => t.calls.length > 0);
    const signal = t.calls[0]!.deps.signal!;
    t.controller.cancel();
    expect(signal.aborted).toBe(true);
  });

  it('files a run whose measurement threw as failed, never leaving it running', async () => {
    const t = setup();
    await t.controller.start(ENDPOINT, 'manual', DEFAULT_SETTINGS);
    await t.until(() => t.calls.length > 0);
    t.calls[0]!.fail(new TypeError('x is undefined'));
    await t.controller.settled();
    const [e] = await t.store.history();
    expect(e!.result.verdict).toBe('failed');
    expect(e!.result.error).toEqual({ code: 'internal', detail: 'x is undefined' });
    expect(t.controller.state().status).toBe('idle');
  });

  it('broadcasts progress folded into per-leg speeds', async () => {
    const t = setup();
    await t.controller.start(ENDPOINT, 'manual', DEFAULT_SETTINGS);
    await t.until(() => t.calls.length > 0);
    const onProgress = t.calls[0]!.deps.onProgress!;
    onProgress({ phase: 'rounds', leg: 'https-443-down-random', bytes: 1e6, mbps: 5, round: 1, budgetShare: 0.1 });
    onProgress({ phase: 'rounds', leg: 'http-80-down-random', bytes: 2e6, mbps: 24, round: 1, budgetShare: 0.2 });
    const last = t.events.filter((e) => e.event === 'state').at(-1);
    expect(last?.event === 'state' && last.state.status === 'running' && last.state.progress).toMatchObject({
      round: 1,
      budgetShare: 0.2,
      leg: 'http-80-down-random',
      legs: { 'https-443-down-random': { mbps: 5 }, 'http-80-down-random': { mbps: 24 } },
    });
  });

  it('shows a raised budget while the run goes on, and keeps it through later progress', async () => {
    const t = setup();
    await t.controller.start(ENDPOINT, 'manual', DEFAULT_SETTINGS);
    await t.until(() => t.calls.length > 0);
    const deps = t.calls[0]!.deps;
    deps.onBudgetRaised!({ lineMbps: 937, budgetBytes: 172e6, plannedBytes: 170e6, neededBytes: 172e6, capBytes: 250e6, targetMs: 40 });
    const raised = t.events.filter((e) => e.event === 'state').at(-1);
    expect(raised?.event === 'state' && raised.state.status === 'running' && raised.state.progress.budgetRaised).toEqual({ lineMbps: 937, budgetBytes: 172e6, capBytes: 250e6 });
    deps.onProgress!({ phase: 'rounds', leg: 'https-443-down-random', bytes: 1e6, mbps: 900, round: 2, budgetShare: 0.1 });
    const later = t.events.filter((e) => e.event === 'state').at(-1);
    expect(later?.event === 'state' && later.state.status === 'running' && later.state.progress.budgetRaised).toEqual({ lineMbps: 937, budgetBytes: 172e6, capBytes: 250e6 });
  });

  it('records the running test in storage, with its last sign of life', async () => {
    const t = setup();
    await t.controller.start(ENDPOINT, 'manual', DEFAULT_SETTINGS);
    await t.until(() => t.calls.length > 0);
    t.advance(3000);
    t.calls[0]!.deps.onProgress!({ phase: 'rounds', leg: 'l', bytes: 3e6, mbps: 8, round: 1, transferDone: true, budgetShare: 0.1 });
    await t.until(() => false);
    expect(await t.store.activeRun()).toMatchObject({ runId: 'run-1', lastProgressAt: 1_790_000_003_000, bytesUsed: 3e6 });
  });

  it('files a run left active by a stopped worker as failed, with how far it got', async () => {
    const storage = new FakeStorage({
      schemaVersion: 1,
      activeRun: { runId: 'lost', startedAt: 1_000_000, endpoint: ENDPOINT, trigger: 'scheduled', lastProgressAt: 1_012_000, bytesUsed: 9_000_000 },
    });
    const t = setup(storage);
    await t.controller.settled();
    const [e] = await t.store.history();
    expect(e).toMatchObject({ id: 'lost', trigger: 'scheduled', result: { verdict: 'failed', bytesUsed: 9_000_000, durationMs: 12_000 } });
    expect(e!.result.error?.code).toBe('abandoned');
    expect(e!.result.error?.detail).toContain('the background worker was stopped during the run');
    expect(e!.result.error?.detail).toContain('12 s after the start, at 9000 kB');
    expect(await t.store.activeRun()).toBeUndefined();
  });
});

describe('RunController: a stuck run', () => {
  it('arms the watchdog at the run limit plus the grace', async () => {
    const t = setup();
    await t.controller.start(ENDPOINT, 'manual', { ...DEFAULT_SETTINGS, maxRunSeconds: 40 });
    await t.until(() => t.calls.length > 0);
    expect(t.timers.pending.map((x) => x.ms)).toEqual([40_000 + WATCHDOG_GRACE_MS]);
  });

  it('files a run that never ends as failed when the watchdog fires, with its numbers', async () => {
    const t = setup();
    await t.controller.start(ENDPOINT, 'manual', { ...DEFAULT_SETTINGS, maxRunSeconds: 30 });
    await t.until(() => t.calls.length > 0);
    t.calls[0]!.deps.onProgress!({ phase: 'rounds', leg: 'https-443-down-random', bytes: 812_000, mbps: 8, round: 3, transferDone: true, budgetShare: 0.2 });
    t.advance(40_000);
    t.timers.fire();
    await t.controller.settled();
    const [e] = await t.store.history();
    expect(e!.result.verdict).toBe('failed');
    expect(e!.result.error?.code).toBe('timeout');
    expect(e!.result.error?.detail).toBe(
      `the run did not end within its limit of 30000 ms and ${WATCHDOG_GRACE_MS} ms of grace; it was stopped after 40000 ms at 812 kB (last seen: rounds of https-443-down-random, round 3)`,
    );
    expect(e!.result.bytesUsed).toBe(812_000);
    expect(await t.store.activeRun()).toBeUndefined();
  });

  it('releases the worker: keep-alive stops, the state is idle, the measurement is aborted', async () => {
    const t = setup();
    await t.controller.start(ENDPOINT, 'manual', DEFAULT_SETTINGS);
    await t.until(() => t.calls.length > 0);
    const signal = t.calls[0]!.deps.signal!;
    t.timers.fire();
    await t.controller.settled();
    expect(t.keepAlive()).toEqual({ started: 1, stopped: 1 });
    expect(t.controller.state().status).toBe('idle');
    expect(signal.aborted).toBe(true);
    expect(t.events).toContainEqual({ event: 'finished', runId: 'run-1', verdict: 'failed' });
  });

  it('lets a scheduled start that joined the stuck run go when the watchdog fires', async () => {
    const t = setup();
    await t.controller.start(ENDPOINT, 'manual', DEFAULT_SETTINGS);
    await t.until(() => t.calls.length > 0);
    const joined = await t.controller.start(ENDPOINT, 'scheduled', DEFAULT_SETTINGS);
    expect(joined.status).toBe('running');
    let released = false;
    void t.controller.settled().then(() => (released = true));
    await t.until(() => false);
    expect(released).toBe(false);
    t.timers.fire();
    await t.until(() => released);
    expect(released).toBe(true);
    // ... and the next start is a new run.
    const next = await t.controller.start(ENDPOINT, 'scheduled', DEFAULT_SETTINGS);
    expect(next.status === 'running' && next.runId).toBe('run-2');
  });

  it('ignores what a given-up run reports afterwards', async () => {
    const t = setup();
    await t.controller.start(ENDPOINT, 'manual', DEFAULT_SETTINGS);
    await t.until(() => t.calls.length > 0);
    t.timers.fire();
    await t.controller.settled();
    const before = t.events.length;
    t.calls[0]!.deps.onProgress!({ phase: 'rounds', leg: 'l', bytes: 1, mbps: 1, round: 9, budgetShare: 0.9 });
    t.calls[0]!.finish(sampleResult());
    await t.until(() => false);
    expect(t.events.length).toBe(before);
    expect(await t.store.history()).toHaveLength(1);
  });

  it('cancels the watchdog when the run ends in time', async () => {
    const t = setup();
    await t.controller.start(ENDPOINT, 'manual', DEFAULT_SETTINGS);
    await t.until(() => t.calls.length > 0);
    t.calls[0]!.finish(sampleResult());
    await t.controller.settled();
    expect(t.timers.pending.every((x) => x.cancelled)).toBe(true);
  });

  it("ends the measurement's requests on cancel, one given no signal of its own included", async () => {
    const never: FetchLike = () => new Promise(() => undefined);
    const t = setup(undefined, (signal, onProgress) => ({ signal, onProgress, fetch: never }) as unknown as RunDeps);
    await t.controller.start(ENDPOINT, 'manual', DEFAULT_SETTINGS);
    await t.until(() => t.calls.length > 0);
    const info = t.calls[0]!.deps.fetch('https://endpoint.test/info', { method: 'GET' });
    t.controller.cancel();
    await expect(info).rejects.toThrow('cancelled by the user');
  });

  it("holds the measurement's fetch to the run's deadline", async () => {
    vi.useFakeTimers();
    try {
      const never: FetchLike = () => new Promise(() => undefined);
      const t = setup(undefined, (signal, onProgress) => ({ signal, onProgress, fetch: never }) as unknown as RunDeps);
      await t.controller.start(ENDPOINT, 'manual', { ...DEFAULT_SETTINGS, maxRunSeconds: 5 });
      await vi.advanceTimersByTimeAsync(0);
      const info = t.calls[0]!.deps.fetch('https://endpoint.test/info', { method: 'GET' });
      const outcome = info.catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(String(await outcome)).toMatch(/GET https:\/\/endpoint\.test\/info: no complete answer within the run's time limit of 5000 ms/);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('nextProgress', () => {
  it('keeps the current leg between updates that name none', () => {
    const v = nextProgress({ phase: 'rounds', round: 2, budgetShare: 0.3, leg: 'a', legs: {} }, { phase: 'done', round: 2, budgetShare: 0.4 });
    expect(v.leg).toBe('a');
    expect(v.phase).toBe('done');
  });
});
