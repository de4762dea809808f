// A whole measurement against our endpoint or any file served over both schemes: resolve the
// target, then run the engine (engine/engine.ts) with the HTTP driver (engine/http-driver.ts).
import type { RunDeadline } from './deadline-fetch.js';
import { Engine, runErrorOf } from './engine/engine.js';
import { HttpDriver } from './engine/http-driver.js';
import { failedResult } from './engine/result.js';
import { resolveTarget, type Target } from './endpoint.js';
import type { Progress, Result } from './types.js';
import type { TransferDeps } from './transfer.js';

export interface RunOptions {
  url: string;
  httpPort?: number;
  httpsPort?: number;
  /** 'auto': the port swap (plan.followUp) only when screening sees a difference. */
  diagnose: 'auto' | 'always' | 'never';
  budgetBytes: number;
  maxDurationMs: number;
  /** The payloads' seed; random when absent. */
  seed?: number;
}

export interface RunDeps extends TransferDeps {
  /**
   * TLS goodput this client reaches through the same fetch path with no network in between
   * (the CLI measures it against a loopback server); undefined where it cannot be measured.
   */
  clientTlsCapacityMbps?: () => Promise<number>;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  random: () => number;
  /** The run's hard time limit, when every request is held to it (deadline-fetch.ts). */
  deadline?: RunDeadline;
}

export async function runMeasurement(deps: RunDeps, opts: RunOptions): Promise<Result> {
  const startedAt = deps.clock.now();
  deps.onProgress?.({ phase: 'info', round: 0, budgetShare: 0 });
  let target: Target;
  try {
    target = await resolveTarget(deps.fetch, opts.url, { ...opts, signal: deps.signal });
  } catch (err) {
    return failedResult(opts.url, runErrorOf(err), deps.clock.now() - startedAt);
  }
  const seed = opts.seed ?? Math.floor(deps.random() * 2 ** 31);
  const driver = new HttpDriver(deps, target, opts.url, seed);
  const engine = new Engine(deps, opts, driver, driver.initialNotes(opts.diagnose));
  try {
    await engine.run();
  } catch (err) {
    return engine.failed(err);
  }
  return engine.finish();
}
