// One test at a time: starts a run (or joins the one running), relays its progress, keeps the
// service worker alive while it lasts, and files every run in history, including one that a
// stopped worker left behind (design notes, convention 5: "runs resumable or cleanly abandoned").
import type { RunDeps, RunOptions } from '../../core/runner.js';
import type { Progress, Result } from '../../core/types.js';
import type { EndpointRef } from '../shared/endpoints.js';
import type { BackgroundEvent, ProgressView, RunState, Trigger } from '../shared/messages.js';
import type { Settings } from '../shared/storage-schema.js';
import type { Store } from '../shared/store.js';

/**
 * The measurement itself: the core's runMeasurement, or another provider with its contract;
 * the endpoint says which (background/measure-provider.ts).
 */
export type Measure = (deps: RunDeps, opts: RunOptions, endpoint: EndpointRef, ctx: MeasureContext) => Promise<Result>;

export interface MeasureContext {
  trigger: Trigger;
  /** The server an automatic choice settled on: history files the run under it. */
  onChosen: (endpoint: EndpointRef) => void;
}

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
}

interface Running {
  state: Extract<RunState, { status: 'running' }>;
  controller: AbortController;
  done: Promise<void>;
  lastSavedAt: number;
}

/** How often the stored record of a running run is refreshed (its last sign of life). */
const ACTIVE_RUN_SAVE_MS = 2000;

export function failedResult(endpointUrl: string, error: string, durationMs: number, bytesUsed: number): Result {
  return {
    verdict: 'failed',
    ratio: NaN,
    ci95: [NaN, NaN],
    pValue: NaN,
    rounds: 0,
    bytesUsed,
    durationMs,
    endpoint: endpointUrl,
    legs: [],
    comparisons: [],
    warnings: [],
    error,
  };
}

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
      result: failedResult(active.endpoint.url, error, stoppedAfterMs, active.bytesUsed),
    });
    await store.addUsage(active.bytesUsed, this.deps.now());
    await store.clearActiveRun();
  }

  /** Starts a run, or answers with the one already running (a second request joins it). */
  async start(endpoint: EndpointRef, trigger: Trigger, settings: Settings): Promise<RunState> {
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

  private async execute(running: Running, settings: Settings): Promise<void> {
    const { store } = this.deps;
    const { state } = running;
    const stopKeepAlive = this.deps.keepAlive();
    let bytesSeen = 0;
    const onProgress = (p: Progress) => {
      state.progress = nextProgress(state.progress, p);
      if (p.transferDone && p.bytes) bytesSeen += p.bytes;
      this.deps.broadcast({ event: 'state', state });
      const t = this.deps.now();
      if (t - running.lastSavedAt >= ACTIVE_RUN_SAVE_MS) {
        running.lastSavedAt = t;
        void store.setActiveRun(activeRecord(state, t, bytesSeen)).catch(() => undefined);
      }
    };
    let result: Result;
    try {
      await store.setActiveRun(activeRecord(state, state.startedAt, 0));
      this.deps.broadcast({ event: 'state', state });
      const opts = {
        url: state.endpoint.url,
        diagnose: 'auto' as const,
        budgetBytes: settings.runBudgetMb * 1e6,
        maxDurationMs: settings.maxRunSeconds * 1000,
      };
      const onChosen = (endpoint: EndpointRef) => {
        state.endpoint = endpoint;
        this.deps.broadcast({ event: 'state', state });
      };
      result = await this.deps.measure(this.deps.runDeps(running.controller.signal, onProgress), opts, state.endpoint, {
        trigger: state.trigger,
        onChosen,
      });
    } catch (err) {
      // The core reports failures as a Result; anything thrown is a bug on our side, and it
      // still ends as a failed run, never as a run that stays "running".
      const message = err instanceof Error ? err.message : String(err);
      result = failedResult(state.endpoint.url, `the run stopped on an internal error: ${message}`, this.deps.now() - state.startedAt, bytesSeen);
    }
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
      this.lastError = `the result could not be saved: ${err instanceof Error ? err.message : String(err)}`;
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
  return { phase: p.phase, round: p.round, budgetShare: p.budgetShare, leg: p.leg ?? view.leg, legs };
}
