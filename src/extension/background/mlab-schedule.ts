// Scheduled checks against M-Lab follow M-Lab's rules for clients that test on their own
// (ndt7 spec, "Requirements for non-interactive clients"; src/core/ndt7/schedule.ts):
// - the wait between tests is drawn from an exponential distribution (mean 6 h, clamped to
//   36 min..15 h) instead of a fixed period, so that many clients never fall into step. An
//   hourly or 6-hourly schedule gets that draw; a daily one keeps its period and jitter, which
//   already tests less often than M-Lab's mean.
// - when M-Lab says it has no capacity, the test is retried after 60, 120, 240, 480 and 960 s
//   (each with a 5% spread), never earlier than the locate service's own next_request time;
//   after the fifth, the test waits for the next scheduled one.
// Pure, so each rule is tested alone; background/mlab-retry.ts wires them to alarms and storage.
import { mlabBackoffDelayMs, nextMlabRunDelayMs } from '../../core/ndt7/schedule.js';
import type { Schedule } from '../shared/storage-schema.js';
import { nextCheckAt } from './schedule.js';

/** The alarm of a retry after M-Lab had no capacity; apart from the regular schedule's. */
export const MLAB_RETRY_ALARM = 'mlab-retry';

/** The time of the next scheduled check of M-Lab, or undefined when checks are off. */
export function nextMlabCheckAt(schedule: Schedule, nowMs: number, random: () => number): number | undefined {
  if (schedule === 'off') return undefined;
  if (schedule === 'daily') return nextCheckAt(schedule, nowMs, random);
  return nowMs + nextMlabRunDelayMs(random);
}

/** What a scheduled M-Lab run's outcome means for the retries. */
export interface RetryDecision {
  /** When to try again (epoch ms); undefined: no retry, wait for the next scheduled check. */
  retryAt?: number;
  /** The retry count to store. */
  attempt: number;
}

export interface MlabRunOutcome {
  noCapacity: boolean;
  /** The locate service's next_request.nbf, ms since the epoch. */
  nextRequestNotBeforeMs?: number;
}

/**
 * After a scheduled M-Lab run: `attempt` retries were made before it. A run M-Lab had room
 * for resets the count; a refusal schedules the next retry, until the five are used up.
 */
export function retryAfter(outcome: MlabRunOutcome | undefined, attempt: number, nowMs: number, random: () => number): RetryDecision {
  if (!outcome?.noCapacity) return { attempt: 0 };
  const delayMs = mlabBackoffDelayMs(attempt, random, { nowMs, notBeforeMs: outcome.nextRequestNotBeforeMs });
  if (delayMs === undefined) return { attempt: 0 };
  return { retryAt: nowMs + delayMs, attempt: attempt + 1 };
}
