// A whole measurement against our endpoint or a public mirror's file served over both schemes:
// resolve the target (an endpoint's /info, or the mirror's pre-use check, mirror/check.ts), then
// run the engine (engine/engine.ts) with the HTTP driver (engine/http-driver.ts).
import type { RunDeadline } from './deadline-fetch.js';
import { Engine, runErrorOf, type EngineDeps } from './engine/engine.js';
import { HttpDriver } from './engine/http-driver.js';
import { failedResult } from './engine/result.js';
import { resolveTarget, type Target } from './endpoint.js';
import { checkMirror } from './mirror/check.js';
import { MirrorSession } from './mirror/session.js';
import type { StoppingRule } from './decision.js';
import type { Note } from './notes.js';
import type { Progress, Result } from './types.js';
import type { TransferDeps } from './transfer.js';

export interface RunOptions {
  url: string;
  httpPort?: number;
  httpsPort?: number;
  /** 'auto': the port swap (plan.followUp) only when screening sees a difference. */
  diagnose: 'auto' | 'always' | 'never';
  budgetBytes: number;
  /** The most a fast line may raise the budget to (fast-line.ts); budgetBytes when absent. */
  capBytes?: number;
  /** The time the run plans for; capDurationMs the most it may grow to (time-budget.ts). */
  maxDurationMs: number;
  capDurationMs?: number;
  /** The payloads' seed; random when absent. */
  seed?: number;
  /** How comparisons decide (decision.ts StoppingRule); DEFAULT_STOPPING_RULE when absent. */
  stoppingRule?: StoppingRule;
}

export interface RunDeps extends TransferDeps {
  /**
   * TLS goodput this client reaches through the same fetch path with no network in between
   * (the CLI measures it against a loopback server); undefined where it cannot be measured.
   */
  clientTlsCapacityMbps?: () => Promise<number>;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** The verdict at every look (engine/engine.ts EngineDeps.onLook). */
  onLook?: EngineDeps['onLook'];
  random: () => number;
  /** The run's hard time limit, when every request is held to it (deadline-fetch.ts). */
  deadline?: RunDeadline;
  /** A fast line raised the budget: called before a round spends more than budgetBytes. */
  onBudgetRaised?: EngineDeps['onBudgetRaised'];
  /** An open answer extended the run's time within capDurationMs: called before it is used. */
  onTimeExtended?: EngineDeps['onTimeExtended'];
  /**
   * The address the newest connection to an origin reached, where the platform shows it (the
   * CLI): a mirror whose schemes reach different servers is refused.
   */
  remoteAddressOf?: (origin: string) => string | undefined;
}

/** A URL with a path names a file; a bare origin, an endpoint of ours (its /info). */
function namesAFile(rawUrl: string): boolean {
  try {
    const u = new URL(rawUrl);
    return u.pathname !== '/' || u.search !== '';
  } catch {
    return false;
  }
}

export async function runMeasurement(deps: RunDeps, opts: RunOptions): Promise<Result> {
  const startedAt = deps.clock.now();
  deps.onProgress?.({ phase: 'info', round: 0, budgetShare: 0 });
  const seed = opts.seed ?? Math.floor(deps.random() * 2 ** 31);
  const notes: Note[] = [];
  let target: Target;
  let mirror: MirrorSession | undefined;
  if (namesAFile(opts.url)) {
    // Any server's file: checked on both schemes first, then measured in fresh byte ranges.
    const check = await checkMirror(
      { fetch: deps.fetch, hasher: deps.hasher, clock: deps.clock, signal: deps.signal, remoteAddressOf: deps.remoteAddressOf },
      opts.url,
      { httpPort: opts.httpPort, httpsPort: opts.httpsPort },
    );
    const durationMs = () => deps.clock.now() - startedAt;
    if (check.outcome === 'interfered') return { ...failedResult(opts.url, { code: 'interfered', detail: check.reason }, durationMs()), verdict: 'interfered' };
    if (check.outcome === 'busy') {
      const detail = check.retryAfter ? `${check.reason} (Retry-After: ${check.retryAfter})` : check.reason;
      return failedResult(opts.url, { code: 'busy', detail }, durationMs());
    }
    if (check.outcome !== 'usable') {
      // A browser that learnt HTTP/3 from the server's first answers uses it from here on.
      const code = check.outcome === 'not-usable' && check.overQuic ? 'not-tcp' : check.outcome;
      return failedResult(opts.url, { code, detail: check.reason }, durationMs());
    }
    target = check.target;
    mirror = new MirrorSession({ ...deps, random: deps.random }, check.target);
    notes.push({ code: 'mirror-checked', checks: check.checks });
  } else {
    try {
      target = await resolveTarget(deps.fetch, opts.url, { ...opts, signal: deps.signal });
    } catch (err) {
      return failedResult(opts.url, runErrorOf(err), deps.clock.now() - startedAt);
    }
  }
  const driver = new HttpDriver(deps, target, opts.url, seed, mirror);
  const engine = new Engine(deps, { ...opts, orderSeed: seed }, driver, [...notes, ...driver.initialNotes(opts.diagnose)]);
  try {
    await engine.run();
  } catch (err) {
    return engine.failed(err);
  }
  return engine.finish();
}
