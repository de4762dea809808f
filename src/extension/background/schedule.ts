// When scheduled checks run and when they must not. Pure, so the rules are tested alone.
import type { NetworkState } from '../platform/ports.js';
import type { Schedule, Settings, Usage } from '../shared/storage-schema.js';

export const ALARM_NAME = 'scheduled-check';

const HOUR_MS = 3_600_000;
export const PERIOD_MS: Record<Exclude<Schedule, 'off'>, number> = {
  hourly: HOUR_MS,
  'every-6-hours': 6 * HOUR_MS,
  daily: 24 * HOUR_MS,
};

/**
 * Up to this share of the period is added at random, so that the users of one endpoint do not
 * all arrive at the same minute and measure each other instead of their lines.
 */
export const JITTER_SHARE = 0.1;

/** The time of the next scheduled check, or undefined when checks are off. */
export function nextCheckAt(schedule: Schedule, nowMs: number, random: () => number): number | undefined {
  if (schedule === 'off') return undefined;
  const period = PERIOD_MS[schedule];
  return Math.round(nowMs + period + random() * JITTER_SHARE * period);
}

export interface SkipInputs {
  settings: Settings;
  network: NetworkState;
  usage: Usage;
  running: boolean;
}

/** Why a scheduled check must not run now, in words with numbers; undefined when it may. */
export function skipReason({ settings, network, usage, running }: SkipInputs): string | undefined {
  if (running) return 'a test was already running';
  if (!network.online) return 'the browser was offline';
  if (!settings.allowMetered && network.saveData) return 'the connection asks to save data (Save-Data), and metered checks are not allowed';
  if (!settings.allowMetered && network.metered) return 'the connection is metered or cellular, and metered checks are not allowed';
  const usedMb = usage.bytes / 1e6;
  if (usedMb + settings.runBudgetMb > settings.monthlyBudgetMb) {
    return `the monthly data budget is spent: ${usedMb.toFixed(0)} of ${settings.monthlyBudgetMb} MB used in ${usage.month}, and a test may use up to ${settings.runBudgetMb} MB`;
  }
  return undefined;
}
