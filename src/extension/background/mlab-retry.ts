// The M-Lab provider's part in starting runs: consent before any run (manual or scheduled),
// M-Lab's intervals for scheduled ones, and the no-capacity retries on their own alarm
// (rules in mlab-schedule.ts). State lives under the storage key `mlab` (shared/mlab-state.ts).
import type { Result } from '../../core/types.js';
import type { AlarmsPort, StoragePort } from '../platform/ports.js';
import { isMlabEndpoint, type EndpointRef } from '../shared/endpoints.js';
import { MLAB_KEY, mlabRefusal, readMlab, type MlabState } from '../shared/mlab-state.js';
import type { Schedule } from '../shared/storage-schema.js';
import { MLAB_RETRY_ALARM, nextMlabCheckAt, retryAfter, type MlabRunOutcome } from './mlab-schedule.js';
import { nextCheckAt } from './schedule.js';

export interface MlabPolicyDeps {
  storage: StoragePort;
  alarms: AlarmsPort;
  now: () => number;
  random: () => number;
}

/** The M-Lab part of a stored Result (runNdt7Measurement's result.mlab), read defensively. */
function outcomeOf(result: Result): MlabRunOutcome | undefined {
  const m = (result as { mlab?: { noCapacity?: unknown; nextRequestNotBeforeMs?: unknown } }).mlab;
  if (!m || typeof m !== 'object') return undefined;
  const out: MlabRunOutcome = { noCapacity: m.noCapacity === true };
  if (typeof m.nextRequestNotBeforeMs === 'number') out.nextRequestNotBeforeMs = m.nextRequestNotBeforeMs;
  return out;
}

export class MlabPolicy {
  constructor(private readonly deps: MlabPolicyDeps) {}

  async state(): Promise<MlabState> {
    return readMlab((await this.deps.storage.get([MLAB_KEY]))[MLAB_KEY]);
  }

  /** Why a run on this endpoint must not start; undefined when it may (or is not M-Lab). */
  async refuse(endpoint: EndpointRef): Promise<string | undefined> {
    if (!isMlabEndpoint(endpoint)) return undefined;
    return mlabRefusal(await this.state());
  }

  /** The next scheduled check: M-Lab's randomized interval when M-Lab is the endpoint. */
  nextCheckAt(schedule: Schedule, endpoint: EndpointRef | undefined, nowMs: number): number | undefined {
    return isMlabEndpoint(endpoint)
      ? nextMlabCheckAt(schedule, nowMs, this.deps.random)
      : nextCheckAt(schedule, nowMs, this.deps.random);
  }

  /**
   * After a scheduled run: arms a retry when M-Lab had no capacity, or clears the count.
   * Returns the retry's time when one was armed.
   */
  async afterScheduledRun(endpoint: EndpointRef, result: Result): Promise<number | undefined> {
    if (!isMlabEndpoint(endpoint)) return undefined;
    const state = await this.state();
    const decision = retryAfter(outcomeOf(result), state.retryAttempt, this.deps.now(), this.deps.random);
    await this.deps.storage.set({ [MLAB_KEY]: { ...(await this.state()), retryAttempt: decision.attempt } });
    if (decision.retryAt === undefined) {
      await this.deps.alarms.clear(MLAB_RETRY_ALARM);
      return undefined;
    }
    await this.deps.alarms.create(MLAB_RETRY_ALARM, decision.retryAt);
    return decision.retryAt;
  }
}
