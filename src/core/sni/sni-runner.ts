// A whole run by server name against our endpoint: its /info, then the engine with the SNI
// driver (sni-driver.ts). The caller supplies a connection per server name whose certificate
// check is a pin on the endpoint's own certificate (src/cli/sni-io.ts): the name under test is
// not the endpoint's, so the usual name check cannot apply, and turning checks off would let
// anyone on the path answer in the endpoint's place.
import { Engine, runErrorOf } from '../engine/engine.js';
import { failedResult } from '../engine/result.js';
import { resolveTarget, type Target } from '../endpoint.js';
import type { FetchLike } from '../io.js';
import type { RunDeps, RunOptions } from '../runner.js';
import type { Result } from '../types.js';
import { controlNameFor } from './control-name.js';
import { SniDriver } from './sni-driver.js';

export interface SniRunDeps extends RunDeps {
  /** A fetch whose TLS connections send this server name and accept only the pinned certificate. */
  fetchForName(serverName: string): FetchLike;
}

export interface SniRunOptions extends RunOptions {
  /** The server name under test. */
  name: string;
  /** The control name; a random one under a neutral domain when absent (control-name.ts). */
  controlName?: string;
  /** The endpoint's /info already read (zone-runner.ts needed it to pick the names). */
  target?: Target & { mode: 'endpoint' };
}

export async function runSniMeasurement(deps: SniRunDeps, opts: SniRunOptions): Promise<Result> {
  const startedAt = deps.clock.now();
  deps.onProgress?.({ phase: 'info', round: 0, budgetShare: 0 });
  const names = { name: opts.name, controlName: opts.controlName ?? controlNameFor(opts.name, deps.random) };
  const withNames = (r: Result): Result => ({ ...r, sni: { name: names.name, controlName: names.controlName, ...(r.sni?.rateMbps !== undefined ? { rateMbps: r.sni.rateMbps } : {}) } });
  const target = opts.target ?? (await resolveTarget(deps.fetch, opts.url, { ...opts, signal: deps.signal }).catch((err: unknown) => err as Error));
  if (target instanceof Error) return withNames(failedResult(opts.url, runErrorOf(target), deps.clock.now() - startedAt));
  if (target.mode !== 'endpoint') {
    const detail = `${opts.url} is not a tls-throttle endpoint: a run by server name needs one (its /info)`;
    return withNames(failedResult(opts.url, { code: 'bad-endpoint', detail }, deps.clock.now() - startedAt));
  }
  const seed = opts.seed ?? Math.floor(deps.random() * 2 ** 31);
  const fetches = { name: deps.fetchForName(names.name), control: deps.fetchForName(names.controlName) };
  const driver = new SniDriver(deps, target, opts.url, seed, names, fetches, () => deps.deadline?.expired() ?? false);
  const engine = new Engine(deps, { ...opts, diagnose: 'never', orderSeed: seed }, driver);
  try {
    await engine.run();
  } catch (err) {
    return withNames(engine.failed(err));
  }
  const result = withNames(await engine.finish());
  if (result.verdict === 'sni-throttled') {
    // The shaped rate (decision.ts rule 11), or the named leg's median when no shape was read.
    const rateMbps = result.shaping?.rateMbps ?? result.legs.find((l) => l.sni === 'name')?.medianMbps;
    if (rateMbps !== undefined && rateMbps > 0) result.sni = { ...result.sni!, rateMbps };
  }
  return result;
}
