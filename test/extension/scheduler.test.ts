import { describe, expect, it } from 'vitest';
import type { RunDeps } from '../../src/core/runner.js';
import { RunController, type Measure } from '../../src/extension/background/run-controller.js';
import { ALARM_NAME, PERIOD_MS } from '../../src/extension/background/schedule.js';
import { Scheduler } from '../../src/extension/background/scheduler.js';
import type { NetworkState } from '../../src/extension/platform/ports.js';
import { DEFAULT_SETTINGS, type Settings } from '../../src/extension/shared/storage-schema.js';
import { Store } from '../../src/extension/shared/store.js';
import { FakeAlarms, FakeStorage } from './fakes.js';
import { sampleResult } from './sample-result.js';

const NOW = Date.UTC(2026, 10, 24, 12);
const ENDPOINT = { id: 'default', name: 'Endpoint', url: 'https://endpoint.test/' };

const MIRROR = { id: 'mirror-a', name: 'Mirror A', url: 'https://mirror.test/f.iso', kind: 'mirror' as const };

function setup(
  settings: Partial<Settings>,
  network: NetworkState = { online: true, metered: false, saveData: false },
  endpoints: { id: string; name: string; url: string; kind?: 'mirror' }[] = [ENDPOINT],
) {
  const storage = new FakeStorage({ schemaVersion: 1, settings: { ...DEFAULT_SETTINGS, ...settings } });
  const store = new Store(storage);
  const alarms = new FakeAlarms();
  const runs: string[] = [];
  const measure: Measure = async (_deps, opts) => {
    runs.push(opts.url);
    return sampleResult();
  };
  const controller = new RunController({
    measure,
    store,
    runDeps: () => ({}) as RunDeps,
    broadcast: () => undefined,
    keepAlive: () => () => undefined,
    now: () => NOW,
    newId: () => `run-${runs.length + 1}`,
  });
  const scheduler = new Scheduler({ alarms, store, controller, network: () => network, endpoints: () => endpoints, now: () => NOW, random: () => 0 });
  return { scheduler, alarms, store, runs };
}

describe('Scheduler', () => {
  it('checks a selected public mirror at most once a day, saying why it skipped', async () => {
    const t = setup({ schedule: 'hourly', selectedEndpointId: MIRROR.id }, undefined, [MIRROR]);
    await t.scheduler.onAlarm({ name: ALARM_NAME, scheduledTime: NOW });
    expect(t.runs).toEqual([MIRROR.url]);
    await t.scheduler.onAlarm({ name: ALARM_NAME, scheduledTime: NOW });
    expect(t.runs).toEqual([MIRROR.url]);
    expect((await t.store.scheduleLog()).at(-1)).toEqual({
      at: NOW,
      outcome: 'skipped',
      reason: 'Mirror A had its scheduled check of the day: a public mirror gets at most one a day',
    });
  });

  it('runs a scheduled test when the alarm fires and files it as scheduled', async () => {
    const t = setup({ schedule: 'daily' });
    await t.scheduler.onAlarm({ name: ALARM_NAME, scheduledTime: NOW });
    expect(t.runs).toEqual([ENDPOINT.url]);
    const [e] = await t.store.history();
    expect(e!.trigger).toBe('scheduled');
    expect((await t.store.scheduleLog()).map((l) => l.outcome)).toEqual(['started']);
  });

  it('re-arms the next check when the alarm fires', async () => {
    const t = setup({ schedule: 'daily' });
    await t.scheduler.onAlarm({ name: ALARM_NAME, scheduledTime: NOW });
    expect(t.alarms.alarms.get(ALARM_NAME)).toBe(NOW + PERIOD_MS.daily);
  });

  it('records why it skipped, and runs nothing, when offline', async () => {
    const t = setup({ schedule: 'hourly' }, { online: false, metered: false, saveData: false });
    await t.scheduler.onAlarm({ name: ALARM_NAME, scheduledTime: NOW });
    expect(t.runs).toEqual([]);
    expect(await t.store.scheduleLog()).toEqual([{ at: NOW, outcome: 'skipped', reason: 'the browser was offline' }]);
    expect(t.alarms.alarms.has(ALARM_NAME)).toBe(true);
  });

  it('ignores alarms of other names', async () => {
    const t = setup({ schedule: 'hourly' });
    await t.scheduler.onAlarm({ name: 'something-else', scheduledTime: NOW });
    expect(t.runs).toEqual([]);
    expect(await t.store.scheduleLog()).toEqual([]);
  });

  it('clears the alarm when checks are turned off', async () => {
    const t = setup({ schedule: 'off' });
    await t.alarms.create(ALARM_NAME, NOW + 1000);
    await t.scheduler.arm(await t.store.settings());
    expect(t.alarms.alarms.has(ALARM_NAME)).toBe(false);
  });

  it('keeps an armed alarm on start-up rather than pushing it back', async () => {
    const t = setup({ schedule: 'daily' });
    await t.alarms.create(ALARM_NAME, NOW + 5000);
    await t.scheduler.arm(await t.store.settings());
    expect(t.alarms.alarms.get(ALARM_NAME)).toBe(NOW + 5000);
    await t.scheduler.arm(await t.store.settings(), true);
    expect(t.alarms.alarms.get(ALARM_NAME)).toBe(NOW + PERIOD_MS.daily);
  });
});
