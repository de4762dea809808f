// Provider selection and consent on the run path: an HTTP endpoint goes to runMeasurement, the
// M-Lab entry to runNdt7Measurement with the browser's WebSocket and the locate URL, and no
// M-Lab run starts, by hand or on schedule, before the user has accepted M-Lab's terms.
import { describe, expect, it } from 'vitest';
import type { RunDeadline } from '../../src/core/deadline-fetch.js';
import { MeasureError } from '../../src/core/errors.js';
import type { FetchLike } from '../../src/core/io.js';
import { DEFAULT_LOCATE_URL, type Ndt7Deps, type Ndt7Options, type Ndt7Result, type WebSocketFactory } from '../../src/core/ndt7/index.js';
import type { RunDeps, RunOptions } from '../../src/core/runner.js';
import type { Result } from '../../src/core/types.js';
import { MLAB_CLIENT_NAME, providerMeasure } from '../../src/extension/background/measure-provider.js';
import { MlabPolicy } from '../../src/extension/background/mlab-retry.js';
import { MLAB_RETRY_ALARM } from '../../src/extension/background/mlab-schedule.js';
import { RunController } from '../../src/extension/background/run-controller.js';
import { ALARM_NAME, PERIOD_MS } from '../../src/extension/background/schedule.js';
import { Scheduler } from '../../src/extension/background/scheduler.js';
import type { EndpointRef } from '../../src/extension/shared/endpoints.js';
import { readMlab, type MlabState } from '../../src/extension/shared/mlab-state.js';
import { DEFAULT_SETTINGS, type Settings } from '../../src/extension/shared/storage-schema.js';
import { Store } from '../../src/extension/shared/store.js';
import { FakeAlarms, FakeStorage } from './fakes.js';
import { sampleResult } from './sample-result.js';

const NOW = Date.UTC(2026, 10, 24, 12);
const HTTP: EndpointRef = { id: 'local-dev', name: 'Endpoint', url: 'https://endpoint.test/' };
const MLAB: EndpointRef = { id: 'mlab', name: 'M-Lab', url: DEFAULT_LOCATE_URL, kind: 'mlab' };
const OPTS: RunOptions = { url: '', diagnose: 'auto', budgetBytes: 60e6, maxDurationMs: 60_000 };
const RUN_DEPS = { clock: { now: () => 0 }, random: () => 0.5 } as unknown as RunDeps;
const CTX = { trigger: 'manual' as const, onChosen: () => undefined };

/** A run deadline the test ends by hand. */
function manualDeadline(limitMs = 60_000): RunDeadline & { end(): void } {
  const controller = new AbortController();
  return {
    limitMs,
    signal: controller.signal,
    elapsedMs: () => 0,
    remainingMs: () => (controller.signal.aborted ? 0 : limitMs),
    expired: () => controller.signal.aborted,
    dispose: () => undefined,
    end: () => controller.abort(new MeasureError('timeout', `the run's time limit of ${limitMs} ms ran out`)),
  };
}

function mlabResult(over: Partial<Ndt7Result['mlab']> = {}): Ndt7Result {
  return {
    ...sampleResult({ endpoint: 'mlab:mlab1-lo01' }),
    mlab: { machine: 'mlab1-lo01', noCapacity: false, serversTried: [], testIds: [], ...over },
  };
}

function providers(state: Partial<MlabState>, during?: (deps: Ndt7Deps) => Promise<void>) {
  const calls = { http: [] as RunOptions[], mlab: [] as { deps: Ndt7Deps; opts: Ndt7Options }[], sni: [] as (RunOptions & { name: string })[] };
  const webSocket: WebSocketFactory = () => {
    throw new Error('not used');
  };
  const locateCalls: string[] = [];
  const locateFetch: FetchLike = (url) => (locateCalls.push(url), new Promise(() => undefined));
  const measure = providerMeasure({
    http: async (_deps, opts) => (calls.http.push(opts), sampleResult()),
    mlab: async (deps, opts) => {
      calls.mlab.push({ deps, opts });
      await during?.(deps);
      return mlabResult();
    },
    webSocket,
    locateFetch,
    mlabState: async () => readMlab(state),
    clientVersion: '1.2.3',
    sniZone: async (_deps, opts) => (calls.sni.push(opts), sampleResult()),
    auto: { candidates: async () => [HTTP], history: async () => [], now: () => NOW, sleep: async () => undefined },
  });
  return { measure, calls, webSocket, locateFetch, locateCalls };
}

describe('providerMeasure', () => {
  it('measures an HTTP endpoint with the HTTP runner', async () => {
    const p = providers({ consent: true });
    await p.measure(RUN_DEPS, { ...OPTS, url: HTTP.url }, HTTP, { ...CTX, deadline: manualDeadline() });
    expect(p.calls.http.map((o) => o.url)).toEqual([HTTP.url]);
    expect(p.calls.mlab).toEqual([]);
  });

  it('runs a test by name on an endpoint of ours with the zone runner, and never on M-Lab', async () => {
    const p = providers({ consent: true });
    await p.measure(RUN_DEPS, { ...OPTS, url: HTTP.url }, HTTP, { ...CTX, deadline: manualDeadline(), sniName: 'twitter.com' });
    expect(p.calls.sni).toMatchObject([{ url: HTTP.url, name: 'twitter.com', diagnose: 'never' }]);
    expect(p.calls.http).toEqual([]);
    const r = await p.measure(RUN_DEPS, OPTS, MLAB, { ...CTX, deadline: manualDeadline(), sniName: 'twitter.com' });
    expect(r.verdict).toBe('failed');
    expect(p.calls.mlab).toEqual([]);
    expect(p.calls.sni).toHaveLength(1);
  });

  it("measures M-Lab with the ndt7 provider, the browser's WebSocket and the build's locate URL", async () => {
    const p = providers({ consent: true });
    const r = await p.measure(RUN_DEPS, OPTS, MLAB, { ...CTX, deadline: manualDeadline() });
    expect(r.endpoint).toBe('mlab:mlab1-lo01');
    expect(p.calls.http).toEqual([]);
    const [call] = p.calls.mlab;
    // The browser's socket and the locate fetch, each behind the run's deadline.
    expect(() => call!.deps.webSocket('wss://mlab.test/', 'p')).toThrow('not used');
    void call!.deps.fetch('https://locate.test/', {}).catch(() => undefined);
    expect(p.locateCalls).toEqual(['https://locate.test/']);
    expect(call!.opts).toMatchObject({ locateUrl: DEFAULT_LOCATE_URL, clientName: MLAB_CLIENT_NAME, clientVersion: '1.2.3', budgetBytes: 60e6, maxDurationMs: 60_000 });
  });

  it('ends the locate request and the tests at the run deadline, with its numbers', async () => {
    const deadline = manualDeadline(5000);
    const p = providers({ consent: true }, async (deps) => {
      const locating = deps.fetch('https://locate.test/', {});
      expect(deps.signal!.aborted).toBe(false);
      deadline.end();
      await expect(locating).rejects.toThrow(/time limit of 5000 ms/);
      expect(deps.signal!.aborted).toBe(true);
      expect((deps.signal!.reason as MeasureError).message).toMatch(/time limit of 5000 ms ran out/);
    });
    await p.measure(RUN_DEPS, OPTS, MLAB, { ...CTX, deadline });
    expect(p.calls.mlab).toHaveLength(1);
  });

  it('asks the stored locate URL when one replaces the build one', async () => {
    const p = providers({ consent: true, locateUrl: 'http://127.0.0.1:4000/v2/nearest/ndt/ndt7' });
    await p.measure(RUN_DEPS, OPTS, MLAB, { ...CTX, deadline: manualDeadline() });
    expect(p.calls.mlab[0]!.opts.locateUrl).toBe('http://127.0.0.1:4000/v2/nearest/ndt/ndt7');
  });

  it('reaches nothing of M-Lab without consent, and says why in a failed result', async () => {
    const p = providers({ consent: false });
    const r = await p.measure(RUN_DEPS, OPTS, MLAB, { ...CTX, deadline: manualDeadline() });
    expect(p.calls.mlab).toEqual([]);
    expect(r.verdict).toBe('failed');
    expect(r.bytesUsed).toBe(0);
    expect(r.error?.code).toBe('mlab-consent');
    expect(r.error?.detail).toMatch(/M-Lab publishes every test with your IP address, and you have not accepted that/);
  });
});

function setup(opts: { consent: boolean; settings?: Partial<Settings>; result?: () => Result; endpoint?: EndpointRef }) {
  const storage = new FakeStorage({
    schemaVersion: 3,
    settings: { ...DEFAULT_SETTINGS, selectedEndpointId: 'mlab', ...opts.settings },
    mlab: { consent: opts.consent, decidedAt: opts.consent ? NOW - 1 : null, locateUrl: null, retryAttempt: 0 },
  });
  const store = new Store(storage);
  const alarms = new FakeAlarms();
  let now = NOW;
  const policy = new MlabPolicy({ storage, alarms, now: () => now, random: () => 0.5 });
  const runs: string[] = [];
  const controller = new RunController({
    measure: async (_deps, _opts, endpoint) => (runs.push(endpoint.id), opts.result ? opts.result() : mlabResult()),
    refuse: (e) => policy.refuse(e),
    store,
    runDeps: () => ({}) as RunDeps,
    broadcast: () => undefined,
    keepAlive: () => () => undefined,
    now: () => now,
    newId: () => `run-${runs.length + 1}`,
  });
  const scheduler = new Scheduler({
    alarms,
    store,
    controller,
    network: () => ({ online: true, metered: false, saveData: false }),
    endpoints: () => [HTTP, opts.endpoint ?? MLAB],
    now: () => now,
    random: () => 0.5,
    mlab: policy,
  });
  return { storage, store, alarms, controller, scheduler, runs, policy, advance: (ms: number) => (now += ms) };
}

describe('M-Lab runs in the background', () => {
  it('refuses a manual M-Lab test without consent, with the reason, and files nothing', async () => {
    const t = setup({ consent: false });
    const state = await t.controller.start(MLAB, 'manual', DEFAULT_SETTINGS);
    expect(state).toEqual({ status: 'idle', error: expect.stringMatching(/^M-Lab tests are off/) });
    expect(t.runs).toEqual([]);
    expect(await t.store.history()).toEqual([]);
  });

  it('runs a manual M-Lab test once the user has accepted', async () => {
    const t = setup({ consent: true });
    expect((await t.controller.start(MLAB, 'manual', DEFAULT_SETTINGS)).status).toBe('running');
    await t.controller.settled();
    expect(t.runs).toEqual(['mlab']);
    expect((await t.store.history())[0]!.endpoint).toEqual(MLAB);
  });

  it('still runs HTTP endpoints without M-Lab consent', async () => {
    const t = setup({ consent: false });
    expect((await t.controller.start(HTTP, 'manual', DEFAULT_SETTINGS)).status).toBe('running');
    await t.controller.settled();
    expect(t.runs).toEqual(['local-dev']);
  });

  it('skips a scheduled M-Lab test without consent and says why', async () => {
    const t = setup({ consent: false, settings: { schedule: 'hourly' } });
    await t.scheduler.onAlarm({ name: ALARM_NAME, scheduledTime: NOW });
    expect(t.runs).toEqual([]);
    const [log] = await t.store.scheduleLog();
    expect(log).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/^M-Lab tests are off/) });
  });

  it('arms the next M-Lab check after an exponential wait, not the hourly period', async () => {
    const t = setup({ consent: true, settings: { schedule: 'hourly' } });
    await t.scheduler.arm(await t.store.settings(), true);
    expect(t.alarms.alarms.get(ALARM_NAME)! - NOW).toBe(Math.round(21_600_000 * Math.LN2));
  });

  it('keeps the hourly period with jitter for an HTTP endpoint', async () => {
    const t = setup({ consent: true, settings: { schedule: 'hourly', selectedEndpointId: 'local-dev' } });
    await t.scheduler.arm(await t.store.settings(), true);
    expect(t.alarms.alarms.get(ALARM_NAME)! - NOW).toBe(PERIOD_MS.hourly * 1.05);
  });

  it('retries a scheduled test M-Lab had no capacity for after about a minute, leaving the schedule as it was', async () => {
    const t = setup({ consent: true, settings: { schedule: 'hourly' }, result: () => mlabResult({ noCapacity: true }) });
    await t.scheduler.onAlarm({ name: ALARM_NAME, scheduledTime: NOW });
    const regular = t.alarms.alarms.get(ALARM_NAME);
    const retryIn = t.alarms.alarms.get(MLAB_RETRY_ALARM)! - NOW;
    expect(retryIn).toBeGreaterThan(50_000);
    expect(retryIn).toBeLessThan(70_000);
    expect((await t.policy.state()).retryAttempt).toBe(1);

    t.advance(retryIn);
    t.alarms.fire(MLAB_RETRY_ALARM);
    await t.scheduler.onAlarm({ name: MLAB_RETRY_ALARM, scheduledTime: NOW + retryIn });
    expect(t.runs).toEqual(['mlab', 'mlab']);
    expect(t.alarms.alarms.get(ALARM_NAME)).toBe(regular);
    // The second refusal waits about twice as long.
    const second = t.alarms.alarms.get(MLAB_RETRY_ALARM)! - (NOW + retryIn);
    expect(second).toBeGreaterThan(100_000);
    expect(second).toBeLessThan(140_000);
    expect((await t.policy.state()).retryAttempt).toBe(2);
  });

  it('stops retrying after five refusals and waits for the next scheduled test', async () => {
    const t = setup({ consent: true, settings: { schedule: 'hourly' }, result: () => mlabResult({ noCapacity: true }) });
    await t.storage.set({ mlab: { consent: true, decidedAt: NOW - 1, locateUrl: null, retryAttempt: 5 } });
    await t.scheduler.onAlarm({ name: MLAB_RETRY_ALARM, scheduledTime: NOW });
    expect(t.alarms.alarms.has(MLAB_RETRY_ALARM)).toBe(false);
    expect((await t.policy.state()).retryAttempt).toBe(0);
  });

  it('clears a pending retry count once M-Lab had room', async () => {
    const t = setup({ consent: true, settings: { schedule: 'hourly' } });
    await t.storage.set({ mlab: { consent: true, decidedAt: NOW - 1, locateUrl: null, retryAttempt: 2 } });
    await t.scheduler.onAlarm({ name: MLAB_RETRY_ALARM, scheduledTime: NOW });
    expect(t.runs).toEqual(['mlab']);
    expect((await t.policy.state()).retryAttempt).toBe(0);
    expect(t.alarms.alarms.has(MLAB_RETRY_ALARM)).toBe(false);
  });
});
