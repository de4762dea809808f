// One test at a time: starts a run (or joins the one running), relays its progress, keeps the
// service worker alive while it lasts, and files every run in history, including one that a
// stopped worker left behind (docs/architecture.md, convention 5: "runs resumable or cleanly abandoned").
import { failedResult } from '../../core/engine/result.js';
import type { BudgetRaised } from '../../core/engine/engine.js';
import { deadlineFetch, startRunDeadline, type RunDeadline } from '../../core/deadline-fetch.js';
import { kB } from '../../core/errors.js';
import type { RunDeps, RunOptions } from '../../core/runner.js';
import { safeText } from '../../core/safe-text.js';
import { runDurations } from '../../core/time-budget.js';
import type { Progress, Result } from '../../core/types.js';
import type { EndpointRef } from '../shared/endpoints.js';
import type { BackgroundEvent, ProgressView, RunState, Trigger } from '../shared/messages.js';
import type { Settings } from '../shared/storage-schema.js';
import type { Store } from '../shared/store.js';

/**
 * The measurement itself: the core's runMeasurement, or another provider with its contract;
 * the endpoint says which (background/measure-provider.ts). `deps.fetch` is already held to
 * `deadline`; a provider with side effects of its own (M-Lab's WebSockets) holds them to it.
 */
export type Measure = (deps: RunDeps, opts: RunOptions, endpoint: EndpointRef, ctx: MeasureContext) => Promise<Result>;

export interface MeasureContext {
  trigger: Trigger;
  /** The server an automatic choice settled on: history files the run under it. */
  onChosen: (endpoint: EndpointRef) => void;
  /** The run's time limit; `deps.fetch` is already held to it. */
  deadline: RunDeadline;
  /** A run by server name: the listed name to send under the endpoint's wildcard zone. */
  sniName?: string;
}

/**
 * How long past its own time limit a run may go before the controller stops waiting for it.
 * Every request of a run fails at the deadline (core/deadline-fetch.ts), so a run that is
 * still going this much later is stuck somewhere no request reaches: it is filed as failed,
 * and the worker, its keep-alive and any scheduled check waiting on it are released.
 */
export const WATCHDOG_GRACE_MS = 10_000;

/** A one-shot timer; the returned function cancels it. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

const realTimer: SetTimer = (fn, ms) => {
  const id = setTimeout(fn, ms);
  return () => clearTimeout(id);
};

export interface RunControllerDeps {
  measure: Measure;
  store: Store;
  /** Why a run on this endpoint must not start (M-Lab without consent); undefined when it may. */
  refuse?: (endpoint: EndpointRef) => Promise<string | undefined>;
  /** The platform's side effects for one run (fetch, clock, hasher, plaintext guard). */
  runDeps: (signal: AbortSignal, onProgress: (p: Progress) => void) => RunDeps;
  broadcast: (event: BackgroundEvent) => void;
  /** Starts keeping the worker alive; the returned function stops it. */
  keepAlive: () => () => void;
  /** Wall clock, epoch milliseconds. */
  now: () => number;
  newId: () => string;
  /** The watchdog's timer (tests pass their own). */
  setTimer?: SetTimer;
}

interface Running {
  state: Extract<RunState, { status: 'running' }>;
  controller: AbortController;
  done: Promise<void>;
  lastSavedAt: number;
}

/** How often the stored record of a running run is refreshed (its last sign of life). */
const ACTIVE_RUN_SAVE_MS = 2000;

export class RunController {
  private running: Running | undefined;
  private lastError: string | undefined;
  private readonly ready: Promise<void>;

  constructor(private readonly deps: RunControllerDeps) {
    this.ready = this.recoverAbandoned().catch(() => undefined);
  }

  state(): RunState {
    if (this.running) return this.running.state;
    return this.lastError ? { status: 'idle', error: this.lastError } : { status: 'idle' };
  }

  /** Resolves when the run now in progress (if any) has been filed in history. */
  async settled(): Promise<void> {
    await this.ready;
    await this.running?.done;
  }

  /**
   * A run recorded as active when this worker started cannot still be running: the worker
   * that ran it was stopped (evicted, crashed, browser closed). File it as failed.
   */
  private async recoverAbandoned(): Promise<void> {
    const { store } = this.deps;
    await store.migrate();
    const active = await store.activeRun();
    if (!active) return;
    const stoppedAfterMs = Math.max(0, active.lastProgressAt - active.startedAt);
    const error = `the background worker was stopped during the run (its last sign of life was ${Math.round(stoppedAfterMs / 1000)} s after the start, at ${Math.round(active.bytesUsed / 1000)} kB); the run was abandoned`;
    await store.appendHistory({
      id: active.runId,
      startedAt: active.startedAt,
      finishedAt: this.deps.now(),
      endpoint: active.endpoint,
      trigger: active.trigger,
      result: failedResult(active.endpoint.url, { code: 'abandoned', detail: error }, stoppedAfterMs, active.bytesUsed),
    });
    await store.addUsage(active.bytesUsed, this.deps.now());
    await store.clearActiveRun();
  }

  /** Starts a run, or answers with the one already running (a second request joins it). */
  async start(endpoint: EndpointRef, trigger: Trigger, settings: Settings, sniName?: string): Promise<RunState> {
    await this.ready;
    if (this.running) return this.running.state;
    const refusal = await this.deps.refuse?.(endpoint);
    // Another start may have begun while the refusal was read: join it.
    if (this.running) return (this.running as Running).state;
    if (refusal) return { status: 'idle', error: refusal };
    this.lastError = undefined;
    const controller = new AbortController();
    const startedAt = this.deps.now();
    const state: Running['state'] = {
      status: 'running',
      runId: this.deps.newId(),
      trigger,
      endpoint,
      startedAt,
      progress: { phase: 'info', round: 0, budgetShare: 0, legs: {} },
      ...(sniName ? { sniName } : {}),
    };
    const running: Running = { state, controller, done: Promise.resolve(), lastSavedAt: startedAt };
    this.running = running;
    running.done = this.execute(running, settings);
    return state;
  }

  cancel(): RunState {
    this.running?.controller.abort(new Error('cancelled by the user'));
    return this.state();
  }

  /**
   * The measurement, held to the run's deadline, and given up WATCHDOG_GRACE_MS after it: a
   * stuck run ends as failed with the reason in numbers instead of holding the worker.
   */
  private async measureWithin(running: Running, settings: Settings, onProgress: (p: Progress) => void, onBudgetRaised: (r: BudgetRaised) => void, bytesSeen: () => number): Promise<Result> {
    const { state } = running;
    const limitMs = settings.maxRunSeconds * 1000;
    const deadline = startRunDeadline({ now: this.deps.now }, limitMs);
    let cancelWatchdog = () => undefined as void;
    const watchdog = new Promise<Result>((resolve) => {
      cancelWatchdog = (this.deps.setTimer ?? realTimer)(() => {
        const elapsedMs = this.deps.now() - state.startedAt;
        const where = state.progress.leg ? `${state.progress.phase} of ${state.progress.leg}, round ${state.progress.round}` : state.progress.phase;
        const error = `the run did not end within its limit of ${limitMs} ms and ${WATCHDOG_GRACE_MS} ms of grace; it was stopped after ${Math.round(elapsedMs)} ms at ${kB(bytesSeen())} (last seen: ${where})`;
        running.controller.abort(new Error(error));
        resolve(failedResult(state.endpoint.url, { code: 'timeout', detail: error }, elapsedMs, bytesSeen()));
      }, limitMs + WATCHDOG_GRACE_MS);
    });
    try {
      const deps = { ...this.deps.runDeps(running.controller.signal, onProgress), onBudgetRaised };
      const opts = {
        url: state.endpoint.url,
        diagnose: 'auto' as const,
        budgetBytes: settings.runBudgetMb * 1e6,
        // A test the user starts may grow on a fast line up to the limit the popup names
        // before it starts; a scheduled check, which no one watches start, keeps its budget.
        capBytes: (state.trigger === 'manual' ? Math.max(settings.runBudgetMb, settings.fastLineBudgetMb) : settings.runBudgetMb) * 1e6,
        // The longest test is a cap: a test plans for a minute and grows towards the cap only
        // while its answer is open (core/time-budget.ts); the popup names the cap before it starts.
        ...runDurations(limitMs),
      };
      // The popup's Cancel reaches every request too, /info included.
      const fetch = deadlineFetch(deps.fetch, deadline, { cancel: running.controller.signal });
      const onChosen = (endpoint: EndpointRef) => {
        state.endpoint = endpoint;
        this.deps.broadcast({ event: 'state', state });
      };
      const measured = this.deps.measure({ ...deps, fetch, deadline }, opts, state.endpoint, { trigger: state.trigger, onChosen, deadline, ...(state.sniName ? { sniName: state.sniName } : {}) });
      return await Promise.race([measured, watchdog]);
    } finally {
      cancelWatchdog();
      deadline.dispose();
    }
  }

  private async execute(running: Running, settings: Settings): Promise<void> {
    const { store } = this.deps;
    const { state } = running;
    const stopKeepAlive = this.deps.keepAlive();
    let bytesSeen = 0;
    let ended = false;
    const onProgress = (p: Progress) => {
      // A run given up by the watchdog may still call in: it no longer owns the state.
      if (ended) return;
      state.progress = nextProgress(state.progress, p);
      if (p.transferDone && p.bytes) bytesSeen += p.bytes;
      this.deps.broadcast({ event: 'state', state });
      const t = this.deps.now();
      if (t - running.lastSavedAt >= ACTIVE_RUN_SAVE_MS) {
        running.lastSavedAt = t;
        void store.setActiveRun(activeRecord(state, t, bytesSeen)).catch(() => undefined);
      }
    };
    // A raised budget is shown while the run goes on, as the CLI says it before the rounds spend it.
    const onBudgetRaised = (r: BudgetRaised) => {
      if (ended) return;
      state.progress = { ...state.progress, budgetRaised: { lineMbps: r.lineMbps, budgetBytes: r.budgetBytes, capBytes: r.capBytes } };
      this.deps.broadcast({ event: 'state', state });
    };
    let result: Result;
    try {
      await store.setActiveRun(activeRecord(state, state.startedAt, 0));
      this.deps.broadcast({ event: 'state', state });
      result = await this.measureWithin(running, settings, onProgress, onBudgetRaised, () => bytesSeen);
    } catch (err) {
      // The core reports failures as a Result; anything thrown is a bug on our side, and it
      // still ends as a failed run, never as a run that stays "running".
      const message = err instanceof Error ? err.message : String(err);
      result = failedResult(state.endpoint.url, { code: 'internal', detail: message }, this.deps.now() - state.startedAt, bytesSeen);
    }
    ended = true;
    try {
      const finishedAt = this.deps.now();
      await store.appendHistory({
        id: state.runId,
        startedAt: state.startedAt,
        finishedAt,
        endpoint: state.endpoint,
        trigger: state.trigger,
        result,
      });
      await store.addUsage(result.bytesUsed, finishedAt);
      await store.clearActiveRun();
    } catch (err) {
      this.lastError = `the result could not be saved: ${safeText(err instanceof Error ? err.message : String(err), 300)}`;
    } finally {
      stopKeepAlive();
      this.running = undefined;
      this.deps.broadcast({ event: 'finished', runId: state.runId, verdict: result.verdict });
      this.deps.broadcast({ event: 'state', state: this.state() });
    }
  }
}

function activeRecord(state: Extract<RunState, { status: 'running' }>, nowMs: number, bytesUsed: number) {
  return {
    runId: state.runId,
    startedAt: state.startedAt,
    endpoint: state.endpoint,
    trigger: state.trigger,
    lastProgressAt: nowMs,
    bytesUsed,
  };
}

/** Folds one progress event of the core into the view the popup shows. */
export function nextProgress(view: ProgressView, p: Progress): ProgressView {
  const legs = { ...view.legs };
  if (p.leg !== undefined && p.mbps !== undefined) legs[p.leg] = { mbps: p.mbps, bytes: p.bytes ?? 0 };
  return { phase: p.phase, round: p.round, budgetShare: p.budgetShare, leg: p.leg ?? view.leg, legs, ...(view.budgetRaised ? { budgetRaised: view.budgetRaised } : {}) };
}
