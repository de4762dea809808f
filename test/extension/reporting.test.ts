// The background's side of anonymous reporting: consent, the queue in storage, alarms, and
// what actually goes over the wire.
import { describe, expect, it } from 'vitest';
import { validateReport, type Report } from '../../src/core/report.js';
import { FIRST_BACKOFF_MS, parseQueueState } from '../../src/core/report-queue.js';
import { Reporting, type PostJson } from '../../src/extension/background/reporting.js';
import type { EndpointRef } from '../../src/extension/shared/endpoints.js';
import { REPORT_ALARM, REPORT_QUEUE_KEY } from '../../src/extension/shared/reporting-state.js';
import type { HistoryEntry } from '../../src/extension/shared/storage-schema.js';
import { Store } from '../../src/extension/shared/store.js';
import { FakeAlarms, FakeStorage } from './fakes.js';
import { entry } from './sample-result.js';

const T0 = Date.UTC(2026, 10, 24, 9, 41, 7);
const LISTED: EndpointRef = { id: 'local-dev', name: 'Local', url: 'https://127.0.0.1:8443/' };
const CUSTOM: EndpointRef = { id: 'custom:https://nas.home.arpa:8443/', name: 'nas.home.arpa', url: 'https://nas.home.arpa:8443/' };
const BUILD_COLLECTOR = 'https://collector.test/v1/reports';

interface Posted {
  url: string;
  init: RequestInit;
  report: Report;
}

function setup(opts: { consent?: boolean; collectorUrl?: string | null; storage?: FakeStorage; permitted?: () => Promise<boolean> } = {}) {
  const storage =
    opts.storage ??
    new FakeStorage({
      schemaVersion: 2,
      reporting: { consent: opts.consent ?? true, decidedAt: T0 - 60_000, collectorUrl: opts.collectorUrl ?? null },
    });
  const alarms = new FakeAlarms();
  const store = new Store(storage);
  const clock = { now: T0 };
  const posted: Posted[] = [];
  /** What the collector does with the next posts: a status, or an error thrown by fetch. */
  const answers: (number | Error)[] = [];
  const post: PostJson = async (url, init) => {
    posted.push({ url, init, report: JSON.parse(init.body as string) as Report });
    const answer = answers.shift() ?? 201;
    if (answer instanceof Error) throw answer;
    return { status: answer, headers: { get: () => null } };
  };
  let ids = 0;
  const reporting = new Reporting({
    storage,
    alarms,
    store,
    post,
    client: async () => ({ version: '0.1.0', browser: { family: 'chromium', major: 131 }, os: 'linux' }),
    defaults: [LISTED],
    collectorDefault: BUILD_COLLECTOR,
    now: () => clock.now,
    random: () => 0.5,
    newReportId: () => (++ids).toString(16).padStart(32, '0'),
    permitted: opts.permitted,
  });
  const finishRun = async (e: HistoryEntry) => {
    await store.appendHistory(e);
    await reporting.runFinished(e.id);
  };
  const queue = () => parseQueueState(storage.raw(REPORT_QUEUE_KEY));
  return { storage, alarms, store, clock, posted, answers, reporting, finishRun, queue };
}

const run = (i: number, over: Partial<HistoryEntry> = {}): HistoryEntry => ({ ...entry(i), endpoint: LISTED, finishedAt: T0 - 1000, ...over });

describe('anonymous reporting in the background', () => {
  it('sends nothing and queues nothing without consent', async () => {
    const t = setup({ consent: false });
    await t.finishRun(run(1));
    expect(t.posted).toEqual([]);
    expect(t.queue().pending).toEqual([]);
    expect(t.alarms.alarms.size).toBe(0);
  });

  it('sends nothing when the browser withholds its own permission (Firefox data collection), and empties the queue', async () => {
    let permitted = true;
    const t = setup({ permitted: async () => permitted });
    t.answers.push(new TypeError('Failed to fetch'));
    await t.finishRun(run(1));
    expect(t.queue().pending).toHaveLength(1);
    permitted = false;
    t.clock.now += 60_000;
    await t.reporting.flush();
    await t.finishRun(run(2));
    expect(t.posted).toHaveLength(1);
    expect(t.queue().pending).toEqual([]);
  });

  it('with consent, posts the finished run to the build collector and records it as sent', async () => {
    const t = setup();
    await t.finishRun(run(1));
    expect(t.posted.map((p) => p.url)).toEqual([BUILD_COLLECTOR]);
    expect(validateReport(t.posted[0]!.report).ok).toBe(true);
    expect(t.queue().pending).toEqual([]);
    expect(t.queue().sent.map((s) => s.report.reportId)).toEqual([t.posted[0]!.report.reportId]);
    expect(t.alarms.alarms.has(REPORT_ALARM)).toBe(false);
  });

  it('reports the run as measured: verdict, trigger, hour, client, the listed endpoint by id', async () => {
    const t = setup();
    await t.finishRun(run(1, { trigger: 'scheduled' }));
    expect(t.posted[0]!.report).toMatchObject({
      verdict: 'tls-throttled',
      trigger: 'scheduled',
      hour: '2026-11-24T09:00:00Z',
      endpoint: 'local-dev',
      client: { kind: 'extension', version: '0.1.0', browser: { family: 'chromium', major: 131 }, os: 'linux' },
    });
  });

  it('names a user-added endpoint "custom" and sends neither its hostname nor the run id nor any free text', async () => {
    const t = setup();
    const e = run(7, { endpoint: CUSTOM });
    e.result = { ...e.result, endpoint: CUSTOM.url, warnings: [{ code: 'text', text: 'the line at nas.home.arpa looked busy' }] };
    await t.finishRun(e);
    const body = t.posted[0]!.init.body as string;
    expect(t.posted[0]!.report.endpoint).toBe('custom');
    expect(body).not.toContain('nas.home.arpa');
    expect(body).not.toContain('run-7');
    expect(body).not.toContain('looked busy');
  });

  it('sends no cookie or referrer along: a cookie would be a persistent client id', async () => {
    const t = setup();
    await t.finishRun(run(1));
    expect(t.posted[0]!.init).toMatchObject({ method: 'POST', credentials: 'omit', referrerPolicy: 'no-referrer' });
  });

  it('posts to the collector the user chose instead of the build one', async () => {
    const t = setup({ collectorUrl: 'https://reports.example.org/v1/reports' });
    await t.finishRun(run(1));
    expect(t.posted.map((p) => p.url)).toEqual(['https://reports.example.org/v1/reports']);
  });

  it('keeps a report the collector could not take and sets an alarm for the first quick retry', async () => {
    const t = setup();
    t.answers.push(new TypeError('Failed to fetch'));
    await t.finishRun(run(1));
    const [pending] = t.queue().pending;
    expect(pending).toMatchObject({ attempts: 1, nextAttemptMs: T0 + 2000 });
    expect(pending!.lastError).toBe(`${BUILD_COLLECTOR} could not be reached: Failed to fetch`);
    expect(t.alarms.alarms.get(REPORT_ALARM)).toBe(T0 + 2000);
  });

  it('retries on each alarm: three quick tries (at once, 2 s, 10 s), then backs off from 15 minutes', async () => {
    const t = setup();
    t.answers.push(503, 503, 503);
    await t.finishRun(run(1));
    const delaysMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const at = t.alarms.alarms.get(REPORT_ALARM)!;
      delaysMs.push(at - t.clock.now);
      t.clock.now = at;
      if (i < 2) await t.reporting.onAlarm({ name: REPORT_ALARM, scheduledTime: at });
    }
    // random() = 0.5 puts the jitter at exactly zero.
    expect(delaysMs).toEqual([2000, 10_000, FIRST_BACKOFF_MS]);
    expect(t.queue().pending[0]).toMatchObject({ attempts: 3, lastError: 'the collector answered 503' });
    await t.reporting.onAlarm({ name: REPORT_ALARM, scheduledTime: t.clock.now });
    expect(t.posted).toHaveLength(4);
    expect(t.queue().pending).toEqual([]);
    expect(t.queue().sent).toHaveLength(1);
  });

  it('drops a report the collector refuses (a 4xx) instead of retrying it', async () => {
    const t = setup();
    t.answers.push(422);
    await t.finishRun(run(1));
    expect(t.queue().pending).toEqual([]);
    expect(t.queue().sent).toEqual([]);
    expect(t.alarms.alarms.has(REPORT_ALARM)).toBe(false);
  });

  it('sends what a stopped worker left pending when the next one starts', async () => {
    const first = setup();
    first.answers.push(new TypeError('Failed to fetch'));
    await first.finishRun(run(1));
    expect(first.queue().pending).toHaveLength(1);
    const second = setup({ storage: first.storage });
    second.clock.now = T0 + 60_000;
    await second.reporting.flush();
    expect(second.posted.map((p) => p.report.reportId)).toEqual([first.posted[0]!.report.reportId]);
    expect(second.queue().pending).toEqual([]);
  });

  it('empties the queue and clears its alarm when consent is withdrawn, and sends nothing after', async () => {
    const t = setup();
    t.answers.push(new TypeError('Failed to fetch'));
    await t.finishRun(run(1));
    t.storage.onChanged((changes) => void t.reporting.onStorageChanged(changes));
    await t.storage.set({ reporting: { consent: false, decidedAt: T0, collectorUrl: null } });
    await expect.poll(() => t.queue().pending.length).toBe(0);
    expect(t.alarms.alarms.has(REPORT_ALARM)).toBe(false);
    t.clock.now += 60_000;
    await t.reporting.flush();
    await t.finishRun(run(2));
    expect(t.posted).toHaveLength(1);
  });

  it('does not touch a run whose result was not stored, and never rejects', async () => {
    const t = setup();
    await expect(t.reporting.runFinished('never-stored')).resolves.toBeUndefined();
    const broken = setup();
    broken.storage.get = () => Promise.reject(new Error('storage is gone'));
    await expect(broken.reporting.runFinished('run-1')).resolves.toBeUndefined();
    expect(t.posted).toEqual([]);
  });
});
