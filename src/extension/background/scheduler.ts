// Scheduled checks through the alarms API (never setInterval: a stopped service worker keeps
// no timers; alarms wake it). One one-shot alarm at a time, re-armed with fresh jitter when it
// fires, so the period never drifts into lockstep with other users.
import type { AlarmInfo, AlarmsPort, NetworkState } from '../platform/ports.js';
import { chooseEndpoint, type EndpointRef } from '../shared/endpoints.js';
import type { MlabPolicy } from './mlab-retry.js';
import { MLAB_RETRY_ALARM } from './mlab-schedule.js';
import type { Settings } from '../shared/storage-schema.js';
import type { Store } from '../shared/store.js';
import type { RunController } from './run-controller.js';
import { ALARM_NAME, nextCheckAt, skipReason } from './schedule.js';
import { restedMirrors } from './auto-choice.js';

export interface SchedulerDeps {
  alarms: AlarmsPort;
  store: Store;
  controller: RunController;
  network: () => NetworkState;
  endpoints: (settings: Settings) => EndpointRef[];
  /** The automatic choice, used when nothing is selected. */
  auto?: EndpointRef;
  now: () => number;
  random: () => number;
  /** M-Lab's consent, intervals and no-capacity retries; absent: plain schedule only. */
  mlab?: MlabPolicy;
}

export class Scheduler {
  constructor(private readonly deps: SchedulerDeps) {}

  /** Arms the alarm for the settings' schedule; keeps an armed alarm unless `force`. */
  async arm(settings: Settings, force = false): Promise<void> {
    const { alarms } = this.deps;
    const endpoint = chooseEndpoint(this.deps.endpoints(settings), settings.selectedEndpointId, this.deps.auto);
    const when = this.deps.mlab
      ? this.deps.mlab.nextCheckAt(settings.schedule, endpoint, this.deps.now())
      : nextCheckAt(settings.schedule, this.deps.now(), this.deps.random);
    if (when === undefined) {
      await alarms.clear(ALARM_NAME);
      return;
    }
    if (!force && (await alarms.get(ALARM_NAME))) return;
    await alarms.create(ALARM_NAME, when);
  }

  /** The alarm fired: re-arm first (a crash in the run must not end the schedule), then check. */
  async onAlarm(alarm: AlarmInfo): Promise<void> {
    if (alarm.name !== ALARM_NAME && alarm.name !== MLAB_RETRY_ALARM) return;
    const { store, controller } = this.deps;
    const settings = await store.settings();
    // A retry after M-Lab had no capacity leaves the regular schedule as it is.
    if (alarm.name === ALARM_NAME) await this.arm(settings, true);
    if (settings.schedule === 'off') return;
    const at = this.deps.now();
    const reason = skipReason({
      settings,
      network: this.deps.network(),
      usage: await store.usage(at),
      running: controller.state().status === 'running',
    });
    const endpoint = chooseEndpoint(this.deps.endpoints(settings), settings.selectedEndpointId, this.deps.auto);
    let refusal = !reason && endpoint ? await this.deps.mlab?.refuse(endpoint) : undefined;
    // A third party's mirror gets at most one scheduled check a day (README, "Public mirrors").
    if (!reason && !refusal && endpoint?.kind === 'mirror' && restedMirrors(await store.history(), at).has(endpoint.id)) {
      refusal = `${endpoint.name} had its scheduled check of the day: a public mirror gets at most one a day`;
    }
    if (reason || refusal || !endpoint) {
      await store.appendScheduleLog({ at, outcome: 'skipped', reason: reason ?? refusal ?? 'no endpoint is configured' });
      return;
    }
    await store.appendScheduleLog({ at, outcome: 'started' });
    const started = await controller.start(endpoint, 'scheduled', settings);
    await controller.settled();
    if (!this.deps.mlab || started.status !== 'running') return;
    const entry = (await store.history()).find((e) => e.id === started.runId);
    if (entry) await this.deps.mlab.afterScheduledRun(endpoint, entry.result);
  }
}
