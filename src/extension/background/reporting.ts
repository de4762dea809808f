// Anonymous reporting in the background: the core's report queue wired to
// storage.local, alarms and fetch.
//
// - A run is reported only with consent, and only after its result is in history: the run's
//   own path never waits for this (main.ts calls runFinished() after the "finished" broadcast,
//   and everything here is fire-and-forget from there).
// - The queue lives in storage (`reportQueue`), so it survives the worker's eviction and a
//   browser restart; its next try is an alarm, never a timer (docs/architecture.md, convention 5).
//   Chrome delays alarms of a packed extension to at least 30 s after their creation (Chrome
//   120, "chrome.alarms"), so the core's 2 s and 10 s quick retries become 30 s there; an
//   unpacked build keeps them.
// - Withdrawn consent: the queue is emptied at once, its alarm cleared, and the core's queue
//   asks for consent again before every single send.
// - Nothing that could identify the user rides along with the report: no cookies or other
//   credentials (a cookie would be a persistent client id), no referrer.
import { createReportQueue, outcomeForStatus, type FlushSummary, type QueueState, type ReportQueue } from '../../core/report-queue.js';
import type { AlarmInfo, AlarmsPort, StorageChange, StoragePort } from '../platform/ports.js';
import type { EndpointRef } from '../shared/endpoints.js';
import { reportForEntry, type ReportClient } from '../shared/report-meta.js';
import { effectiveCollectorUrl, readReporting, REPORT_ALARM, REPORT_QUEUE_KEY, REPORTING_KEY, type ReportingState } from '../shared/reporting-state.js';
import type { Store } from '../shared/store.js';

/** How long one POST may take before it counts as a failed try. */
export const SEND_TIMEOUT_MS = 15_000;

export interface CollectorResponse {
  status: number;
  headers: { get(name: string): string | null };
}

export type PostJson = (url: string, init: RequestInit) => Promise<CollectorResponse>;

export interface ReportingDeps {
  storage: StoragePort;
  alarms: AlarmsPort;
  store: Store;
  post: PostJson;
  client: () => Promise<ReportClient>;
  /** The endpoints shipped in the build: only these are reported by id. */
  defaults: readonly EndpointRef[];
  /** The build's collector URL ("" when the build names none). */
  collectorDefault: string;
  now: () => number;
  random: () => number;
  newReportId: () => string;
  sendTimeoutMs?: number;
  /**
   * Whether the browser itself allows sending (Firefox's data-collection permission, which the
   * user can revoke in about:addons); always true where there is no such permission.
   */
  permitted?: () => Promise<boolean>;
  /** Where a report that cannot be built or queued is told about (the worker's console). */
  warn?: (message: string) => void;
}

export class Reporting {
  readonly queue: ReportQueue;

  constructor(private readonly deps: ReportingDeps) {
    this.queue = createReportQueue({
      load: async () => (await deps.storage.get([REPORT_QUEUE_KEY]))[REPORT_QUEUE_KEY],
      save: (state: QueueState) => deps.storage.set({ [REPORT_QUEUE_KEY]: state }),
      send: async (report) => {
        const url = effectiveCollectorUrl(await this.state(), deps.collectorDefault);
        if (!url) return { kind: 'retry', error: 'no collector is configured: set one on the options page' };
        const timeoutMs = deps.sendTimeoutMs ?? SEND_TIMEOUT_MS;
        let res: CollectorResponse;
        try {
          res = await deps.post(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(report),
            credentials: 'omit',
            referrerPolicy: 'no-referrer',
            cache: 'no-store',
            signal: AbortSignal.timeout(timeoutMs),
          });
        } catch (err) {
          const e = err as Error;
          const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : e.message;
          return { kind: 'retry', error: `${url} could not be reached: ${why}` };
        }
        return outcomeForStatus(res.status, res.headers.get('retry-after'));
      },
      nowMs: deps.now,
      random: deps.random,
      hasConsent: () => this.consented(),
    });
  }

  private async consented(): Promise<boolean> {
    if (!(await this.state()).consent) return false;
    return (await this.deps.permitted?.().catch(() => false)) ?? true;
  }

  async state(): Promise<ReportingState> {
    return readReporting((await this.deps.storage.get([REPORTING_KEY]))[REPORTING_KEY]);
  }

  /**
   * A run was filed in history: queue its report if the user consented, then try to send it.
   * Never throws; the run is over and nothing here may touch it.
   */
  async runFinished(runId: string): Promise<void> {
    try {
      if (!(await this.consented())) return;
      const entry = (await this.deps.store.history()).find((e) => e.id === runId);
      if (!entry) return;
      const report = reportForEntry(entry, await this.deps.client(), this.deps.defaults, this.deps.newReportId());
      await this.queue.add(report);
    } catch (err) {
      this.deps.warn?.(`the report of run ${runId} was not queued: ${(err as Error).message}`);
      return;
    }
    await this.flush();
  }

  /** Sends what is due and sets the alarm for the next try (or clears it). Never throws. */
  async flush(): Promise<FlushSummary | undefined> {
    try {
      const summary = await this.queue.flush();
      if (summary.nextWakeMs === null) await this.deps.alarms.clear(REPORT_ALARM);
      else await this.deps.alarms.create(REPORT_ALARM, Math.max(summary.nextWakeMs, this.deps.now()));
      return summary;
    } catch (err) {
      this.deps.warn?.(`the report queue could not be flushed: ${(err as Error).message}`);
      return undefined;
    }
  }

  async onAlarm(alarm: AlarmInfo): Promise<void> {
    if (alarm.name === REPORT_ALARM) await this.flush();
  }

  /** Consent withdrawn: empty the queue now. Given, or the collector changed: try to send. */
  async onStorageChanged(changes: Record<string, StorageChange>): Promise<void> {
    const change = changes[REPORTING_KEY];
    if (!change) return;
    const before = readReporting(change.oldValue);
    const after = readReporting(change.newValue);
    try {
      if (!after.consent) {
        await this.queue.clear();
        await this.deps.alarms.clear(REPORT_ALARM);
        return;
      }
    } catch (err) {
      this.deps.warn?.(`the report queue could not be cleared: ${(err as Error).message}`);
      return;
    }
    if (!before.consent || before.collectorUrl !== after.collectorUrl) await this.flush();
  }
}
