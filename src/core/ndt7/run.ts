// A whole measurement against Measurement Lab's ndt7 servers: locate nearby servers, pick the
// first that accepts both a wss:// and a ws:// test (falling back to the next on a refusal),
// then run ndt7 downloads (and uploads) over both schemes through the same engine as our
// endpoints (../engine/engine.ts with driver.ts), so that an M-Lab verdict means what an
// endpoint verdict means, under the same stopping rules.
//
// Usage (the extension and the CLI; index.ts gathers the public API):
//   const result = await runNdt7Measurement(
//     { fetch, webSocket: (url, protocol) => new WebSocket(url, protocol), clock, random, signal, onProgress },
//     { diagnose: 'auto', budgetBytes: 60e6, maxDurationMs: 60_000 },
//   );
// result.mlab.noCapacity tells a scheduler to back off (schedule.ts, mlabBackoffDelayMs).
import type { RunDeadline } from '../deadline-fetch.js';
import { Engine } from '../engine/engine.js';
import { failedResult } from '../engine/result.js';
import type { Clock, FetchLike } from '../io.js';
import type { Note } from '../notes.js';
import type { Progress, Result } from '../types.js';
import { Ndt7Driver, TOKEN_REFRESH_MS, TryNextServer } from './driver.js';
import { DEFAULT_LOCATE_URL, locateServers, type LocateOutcome } from './locate.js';
import type { SubtestLimits } from './subtest.js';
import type { WebSocketFactory } from './websocket.js';
import type { StoppingRule } from '../decision.js';

export interface Ndt7Deps {
  fetch: FetchLike;
  webSocket: WebSocketFactory;
  clock: Clock;
  random: () => number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** This client's own TLS goodput with no network in between (as RunDeps in runner.ts). */
  clientTlsCapacityMbps?: () => Promise<number>;
  limits?: Partial<SubtestLimits>;
  /** The run's hard time limit, when every request is held to it (../deadline-fetch.ts). */
  deadline?: RunDeadline;
}

export interface Ndt7Options {
  /** Default: M-Lab's locate API v2 for ndt7. */
  locateUrl?: string;
  clientName?: string;
  clientVersion?: string;
  /** Uploads: 'auto' adds them only when the downloads differ. */
  diagnose: 'auto' | 'always' | 'never';
  budgetBytes: number;
  /** The time the run plans for; capDurationMs the most it may grow to (time-budget.ts). */
  maxDurationMs: number;
  /** How comparisons decide (decision.ts StoppingRule); DEFAULT_STOPPING_RULE when absent. */
  stoppingRule?: StoppingRule;
  capDurationMs?: number;
  /** Servers to try before giving up (locate returns up to four). */
  maxServers?: number;
  /** Ask for fresh access tokens once the current ones are this old (default 50 s). */
  tokenRefreshMs?: number;
}

export interface MlabInfo {
  machine?: string;
  city?: string;
  country?: string;
  /** M-Lab said it had no room (locate, or every server refused): back off before retrying. */
  noCapacity: boolean;
  /** The locate service's own "not before" for the next request, ms since the epoch. */
  nextRequestNotBeforeMs?: number;
  serversTried: { machine: string; error?: string }[];
  /** ndt7 test UUIDs as the server reported them: M-Lab publishes its data under these. */
  testIds: string[];
}

export interface Ndt7Result extends Result {
  mlab: MlabInfo;
}

const CLIENT_NAME = 'tls-throttle-detector';

export async function runNdt7Measurement(deps: Ndt7Deps, opts: Ndt7Options): Promise<Ndt7Result> {
  const startedAt = deps.clock.now();
  const locateUrl = opts.locateUrl ?? DEFAULT_LOCATE_URL;
  const clientName = opts.clientName ?? CLIENT_NAME;
  const clientVersion = opts.clientVersion ?? '0';
  const mlab: MlabInfo = { noCapacity: false, serversTried: [], testIds: [] };
  const notes: Note[] = [];
  let spent = { startedAtMs: startedAt, bytesUsed: 0 };
  const failed = (code: 'mlab-no-capacity' | 'mlab-refused' | 'interfered', detail: string): Ndt7Result => {
    // Probes on servers that refused later still moved bytes.
    const result = failedResult('mlab', { code, detail }, deps.clock.now() - startedAt, spent.bytesUsed);
    if (code === 'interfered') result.verdict = 'interfered';
    return { ...result, warnings: notes, mlab };
  };
  const locate = async (): Promise<LocateOutcome> => {
    const outcome = await locateServers(deps.fetch, { locateUrl, clientName, clientVersion, signal: deps.signal });
    if (outcome.kind !== 'error' && outcome.nextRequest) mlab.nextRequestNotBeforeMs = outcome.nextRequest.notBeforeMs;
    return outcome;
  };

  deps.onProgress?.({ phase: 'info', round: 0, budgetShare: 0 });
  const located = await locate();
  const locatedAtMs = deps.clock.now();
  if (located.kind === 'no-capacity') {
    mlab.noCapacity = true;
    return failed('mlab-no-capacity', located.detail);
  }
  if (located.kind === 'error') return failed('mlab-refused', located.detail);
  for (const r of located.rejected) notes.push({ code: 'mlab-server-skipped', detail: r });

  const targets = located.targets.slice(0, opts.maxServers ?? 4);
  let plainRefusals = 0;
  for (const target of targets) {
    const driver = new Ndt7Driver(
      { webSocket: deps.webSocket, clock: deps.clock, random: deps.random, limits: deps.limits, locate },
      { clientName, clientVersion, tokenRefreshMs: opts.tokenRefreshMs ?? TOKEN_REFRESH_MS, locatedAtMs },
      target,
    );
    const initial: Note[] = [{ code: 'mlab-scope' }, ...notes];
    if (opts.diagnose === 'always' && !driver.plan.diagnosis.length) initial.push({ code: 'mlab-no-uploads', machine: target.machine });
    // Bytes and time spent on servers that refused count against the same budget.
    const engine = new Engine(deps, { ...opts, orderSeed: Math.floor(deps.random() * 2 ** 32) }, driver, initial, spent);
    const withServer = (result: Result): Ndt7Result => {
      mlab.machine = driver.machine;
      if (target.city) mlab.city = target.city;
      if (target.country) mlab.country = target.country;
      mlab.testIds.push(...driver.testIds.filter((id) => !mlab.testIds.includes(id)));
      return { ...result, mlab };
    };
    try {
      await engine.run();
    } catch (err) {
      mlab.testIds.push(...driver.testIds.filter((id) => !mlab.testIds.includes(id)));
      if (err instanceof TryNextServer) {
        spent = engine.spent();
        mlab.serversTried.push({ machine: target.machine, error: err.message });
        if (err.plainRefusedAfterTls) plainRefusals++;
        continue;
      }
      const result = engine.failed(err);
      mlab.serversTried.push({ machine: target.machine, error: result.error?.detail ?? String(err) });
      return withServer(result);
    }
    mlab.serversTried.push({ machine: target.machine });
    return withServer(await engine.finish());
  }
  const tried = mlab.serversTried.map((s) => `${s.machine}: ${s.error}`).join('; ');
  // A path that lets wss:// through but refuses ws:// on port 80, on every server, is the path's
  // doing (a transparent proxy or a filter), not the servers'.
  if (plainRefusals > 0 && plainRefusals >= Math.min(2, targets.length)) {
    return failed(
      'interfered',
      `on ${plainRefusals} M-Lab server(s) the wss:// test ran but the ws:// test on the plain port was refused: something on the path blocks plain WebSockets (${tried})`,
    );
  }
  mlab.noCapacity = true;
  return failed('mlab-refused', `all ${targets.length} M-Lab servers refused the test (${tried})`);
}
