// A whole measurement against Measurement Lab's ndt7 servers: locate nearby servers, pick the
// first that accepts both a wss:// and a ws:// test (falling back to the next on a refusal),
// then run ndt7 downloads (and uploads) over both schemes, interleaved and repeated, and decide
// with the HTTP runner's statistics (compare.ts, verdict.ts, shaping.ts), so that an
// M-Lab verdict means what an endpoint verdict means.
//
// Usage (the extension and the CLI; index.ts gathers the public API):
//   const result = await runNdt7Measurement(
//     { fetch, webSocket: (url, protocol) => new WebSocket(url, protocol), clock, random, signal, onProgress },
//     { diagnose: 'auto', budgetBytes: 60e6, maxDurationMs: 60_000 },
//   );
// result.mlab.noCapacity tells a scheduler to back off (schedule.ts, mlabBackoffDelayMs).
import { applyDecision, compareLegs, resultSoFar } from '../finish.js';
import { cpuBoundWarning, cpuMayLimitTls } from '../cpu-bound.js';
import { median } from 'simple-statistics';
import { MIN_ROUNDS } from '../compare.js';
import { describeError, MeasureError } from '../errors.js';
import type { Clock, FetchLike } from '../io.js';
import { randomBytes } from '../payload.js';
import { legsOf, roundOrder, type PairSpec } from '../plan.js';
import type { Comparison, LegSpec, Progress, Result } from '../types.js';
import { affordRound, MIN_TEST_MS, PROBE_TEST_MS, TARGET_ROUNDS, testAllowance, type TestAllowance } from './budget.js';
import { ndt7Plan, type Ndt7Plan } from './legs.js';
import { DEFAULT_LOCATE_URL, locateServers, withClientMetadata, type LocateOutcome, type MlabTarget } from './locate.js';
import { NDT7_MAX_UPLOAD_MESSAGE_BYTES } from './protocol.js';
import { Ndt7Error, runSubtest, type SubtestLimits, type SubtestSample } from './subtest.js';
import type { WebSocketFactory } from './websocket.js';

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
}

export interface Ndt7Options {
  /** Default: M-Lab's locate API v2 for ndt7. */
  locateUrl?: string;
  clientName?: string;
  clientVersion?: string;
  /** Uploads: 'auto' adds them only when the downloads differ. */
  diagnose: 'auto' | 'always' | 'never';
  budgetBytes: number;
  maxDurationMs: number;
  maxRounds?: number;
  marginRatio?: number;
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

export const MLAB_PORT_WARNING =
  "M-Lab serves ws:// on port 80 and wss:// on port 443 only: a difference cannot be traced to the port or to the protocol";

const DEFAULT_MAX_ROUNDS = 24;
/** M-Lab's access tokens expire a minute after the locate request: refresh a little before. */
const TOKEN_REFRESH_MS = 50_000;
const CLIENT_NAME = 'tls-throttle-detector';

interface LegState {
  spec: LegSpec;
  samples: Map<number, SubtestSample>;
  allowance: TestAllowance;
  /** Bytes that arrived after our Close in this leg's probe (downloads only have them). */
  overheadBytes: number;
  /** The probe's goodput, 0 when it could not be timed. */
  probeMbps: number;
}

/** A refusal before the test on a server we have not measured on yet: try the next one. */
class TryNextServer extends Error {
  constructor(
    readonly refusal: Ndt7Error,
    readonly plainRefusedAfterTls: boolean,
  ) {
    super(refusal.message);
  }
}

export async function runNdt7Measurement(deps: Ndt7Deps, opts: Ndt7Options): Promise<Ndt7Result> {
  const startedAt = deps.clock.now();
  const locateUrl = opts.locateUrl ?? DEFAULT_LOCATE_URL;
  const mlab: MlabInfo = { noCapacity: false, serversTried: [], testIds: [] };
  const state: RunState = { bytesUsed: 0, warnings: [], rounds: 0, legs: new Map(), comparisons: [] };
  const base = (): Ndt7Result => ({
    ...resultSoFar(state, mlab.machine ? `mlab:${mlab.machine}` : 'mlab', deps.clock.now() - startedAt),
    mlab,
  });
  const locate = async (): Promise<LocateOutcome> => {
    const outcome = await locateServers(deps.fetch, {
      locateUrl,
      clientName: opts.clientName ?? CLIENT_NAME,
      clientVersion: opts.clientVersion ?? '0',
      signal: deps.signal,
    });
    if (outcome.kind !== 'error' && outcome.nextRequest) mlab.nextRequestNotBeforeMs = outcome.nextRequest.notBeforeMs;
    return outcome;
  };

  deps.onProgress?.({ phase: 'info', round: 0, budgetShare: 0 });
  const located = await locate();
  const locatedAt = deps.clock.now();
  if (located.kind === 'no-capacity') {
    mlab.noCapacity = true;
    return { ...base(), error: `M-Lab has no capacity for a test now: ${located.detail}` };
  }
  if (located.kind === 'error') return { ...base(), error: located.detail };
  for (const r of located.rejected) state.warnings.push(`a located server was skipped: ${r}`);

  const targets = located.targets.slice(0, opts.maxServers ?? 4);
  let plainRefusals = 0;
  for (const target of targets) {
    mlab.machine = target.machine;
    delete mlab.city;
    delete mlab.country;
    if (target.city) mlab.city = target.city;
    if (target.country) mlab.country = target.country;
    const runner = new Ndt7Runner(deps, opts, target, state, startedAt, locate, mlab, locatedAt);
    try {
      await runner.run();
      mlab.serversTried.push({ machine: target.machine });
      return await finish(deps, state, base(), runner);
    } catch (err) {
      if (err instanceof TryNextServer) {
        mlab.serversTried.push({ machine: target.machine, error: err.message });
        if (err.plainRefusedAfterTls) plainRefusals++;
        state.legs.clear();
        continue;
      }
      mlab.serversTried.push({ machine: target.machine, error: describeError(err) });
      return { ...base(), error: describeError(err) };
    }
  }
  delete mlab.machine;
  delete mlab.city;
  delete mlab.country;
  const tried = mlab.serversTried.map((s) => `${s.machine}: ${s.error}`).join('; ');
  // A path that lets wss:// through but refuses ws:// on port 80, on every server, is the path's
  // doing (a transparent proxy or a filter), not the servers'.
  if (plainRefusals > 0 && plainRefusals >= Math.min(2, targets.length)) {
    return {
      ...base(),
      verdict: 'interfered',
      error: `on ${plainRefusals} M-Lab server(s) the wss:// test ran but the ws:// test on the plain port was refused: something on the path blocks plain WebSockets (${tried})`,
    };
  }
  mlab.noCapacity = true;
  return { ...base(), error: `all ${targets.length} M-Lab servers refused the test (${tried})` };
}

interface RunState {
  bytesUsed: number;
  warnings: string[];
  rounds: number;
  legs: Map<string, LegState>;
  comparisons: Comparison[];
}

async function finish(deps: Ndt7Deps, state: RunState, result: Ndt7Result, runner: Ndt7Runner): Promise<Ndt7Result> {
  result.warnings = [MLAB_PORT_WARNING, ...state.warnings];
  await applyDecision(result, state.legs, (r, slow, fast) => checkCpuBound(deps, r, slow, fast));
  deps.onProgress?.({ phase: 'done', round: state.rounds, budgetShare: runner.budgetShare() });
  return result;
}

/**
 * As runner.ts (cpu-bound.ts): only the client's capacity is checked, since M-Lab's servers
 * publish none.
 */
async function checkCpuBound(deps: Ndt7Deps, result: Result, slowLeg: string, fastLeg: string): Promise<void> {
  if (result.verdict !== 'tls-throttled' || !deps.clientTlsCapacityMbps) return;
  const leg = result.legs.find((l) => l.id === slowLeg);
  const plainMbps = result.legs.find((l) => l.id === fastLeg)?.medianMbps ?? 0;
  if (!leg || leg.scheme !== 'https') return;
  const capacity = await deps.clientTlsCapacityMbps().catch(() => 0);
  if (!cpuMayLimitTls(leg.medianMbps, plainMbps, capacity)) return;
  result.verdict = 'inconclusive';
  delete result.cause;
  delete result.shaping;
  result.warnings.push(cpuBoundWarning('wss', leg.medianMbps, 'ws', plainMbps, "this computer's", capacity));
}

class Ndt7Runner {
  private readonly plan: Ndt7Plan;
  private active: PairSpec[];
  private readonly uploadPayload: Uint8Array;
  private overheadMs = 300;
  private retriedRefusal = false;
  private locatedAt: number;
  private lastProgressAt = -Infinity;

  constructor(
    private readonly deps: Ndt7Deps,
    private readonly opts: Ndt7Options,
    private target: MlabTarget,
    private readonly state: RunState,
    private readonly startedAt: number,
    private readonly locate: () => Promise<LocateOutcome>,
    private readonly mlab: MlabInfo,
    locatedAt: number,
  ) {
    this.locatedAt = locatedAt;
    this.plan = ndt7Plan(target);
    this.active = [...this.plan.screening];
    if (opts.diagnose === 'always') {
      if (this.plan.diagnosis.length) this.active.push(...this.plan.diagnosis);
      else state.warnings.push(`${target.machine} offered no upload URLs: uploads were not measured`);
    }
    this.uploadPayload = randomBytes(Math.floor(deps.random() * 2 ** 31), NDT7_MAX_UPLOAD_MESSAGE_BYTES);
  }

  budgetShare(): number {
    const elapsed = this.deps.clock.now() - this.startedAt;
    return Math.min(1, Math.max(this.state.bytesUsed / this.opts.budgetBytes, elapsed / this.opts.maxDurationMs));
  }

  private remaining(): { remainingMs: number; remainingBytes: number } {
    return {
      remainingMs: this.opts.maxDurationMs - (this.deps.clock.now() - this.startedAt),
      remainingBytes: this.opts.budgetBytes - this.state.bytesUsed,
    };
  }

  private legState(spec: LegSpec): LegState {
    let l = this.state.legs.get(spec.id);
    if (!l) {
      l = { spec, samples: new Map(), allowance: { durationMs: PROBE_TEST_MS, maxBytes: 0, overheadBytes: 0 }, overheadBytes: 0, probeMbps: 0 };
      this.state.legs.set(spec.id, l);
    }
    return l;
  }

  async run(): Promise<void> {
    await this.probe(legsOf(this.active).map((s) => this.legState(s)));
    this.allot(legsOf(this.active).map((s) => this.legState(s)));
    const maxRounds = this.opts.maxRounds ?? DEFAULT_MAX_ROUNDS;
    let diagnosisFrom = this.opts.diagnose === 'always' ? 0 : Infinity;
    for (let round = 0; round < maxRounds; round++) {
      const legs = legsOf(this.active).map((s) => this.legState(s));
      const elapsedMs = this.deps.clock.now() - this.startedAt;
      if (!affordRound(legs.map((l) => this.expected(l)), this.overheadMs, { elapsedMs, bytes: this.state.bytesUsed }, this.opts)) {
        this.state.warnings.push(`stopped after ${round} rounds: the next round would exceed the budget`);
        break;
      }
      try {
        for (const leg of roundOrder(legs)) {
          const sample = await this.test(leg, round, leg.allowance);
          leg.samples.set(round, sample);
          // What arrives after our Close grows with the line's speed: keep the budget honest.
          leg.allowance.overheadBytes = Math.max(leg.allowance.overheadBytes, sample.afterCloseBytes);
        }
      } catch (err) {
        // After complete rounds, a server that stops cooperating ends the run, not the answer.
        if (round === 0 || (err instanceof MeasureError && (err.kind === 'aborted' || err.kind === 'not-plaintext'))) throw err;
        this.state.warnings.push(`stopped after ${round} rounds: ${describeError(err)}`);
        for (const l of legs) l.samples.delete(round);
        break;
      }
      this.state.rounds = round + 1;
      this.state.comparisons = this.active.map((p) => this.compare(p));
      const screen = this.state.comparisons.find((c) => c.id === 'screen');
      const sawDifference = screen?.outcome === 'slower' || screen?.outcome === 'faster';
      if (sawDifference && this.opts.diagnose === 'auto' && diagnosisFrom === Infinity && this.plan.diagnosis.length) {
        diagnosisFrom = round + 1;
        this.active.push(...this.plan.diagnosis);
        const uploads = legsOf(this.plan.diagnosis).map((s) => this.legState(s));
        let failure: string | undefined;
        try {
          await this.probe(uploads);
          const untimed = uploads.find((l) => !(l.probeMbps > 0));
          if (untimed) failure = `${untimed.spec.id} could not be timed within the budget that was left`;
        } catch (err) {
          if (err instanceof MeasureError && err.kind === 'aborted') throw err;
          failure = describeError(err);
        }
        if (failure) {
          this.active = [...this.plan.screening];
          for (const l of uploads) this.state.legs.delete(l.spec.id);
          this.state.comparisons = this.active.map((p) => this.compare(p));
          this.state.warnings.push(`uploads were not compared: ${failure}`);
          break;
        }
        this.allot(legsOf(this.active).map((s) => this.legState(s)));
        continue;
      }
      if (this.state.comparisons.every((c) => c.outcome !== 'unclear')) break;
      if (screen && screen.outcome !== 'unclear' && round + 1 - diagnosisFrom >= 2 * MIN_ROUNDS) break;
    }
  }

  /** A leg's next test as it will likely run: a byte allowance ends it early on a fast line. */
  private expected(l: LegState): TestAllowance {
    if (!(l.probeMbps > 0)) return l.allowance;
    const byBytesMs = (l.allowance.maxBytes * 8) / (l.probeMbps * 1000);
    return { ...l.allowance, durationMs: Math.min(l.allowance.durationMs, byBytesMs) };
  }

  /** Shares what is left among the active legs for the rounds still wanted. */
  private allot(legs: LegState[]): void {
    const roundsLeft = Math.max(MIN_ROUNDS, TARGET_ROUNDS - this.state.rounds);
    for (const l of legs) {
      l.allowance = testAllowance({
        ...this.remaining(),
        legs: legs.length,
        rounds: roundsLeft,
        overheadMs: this.overheadMs,
        overheadBytes: l.overheadBytes,
      });
      // An upload is timed by the server's 250 ms measurements, so it must last about a
      // second whatever the byte share says; the budget check then decides if it fits.
      if (l.spec.direction === 'up' && l.probeMbps > 0) {
        l.allowance.maxBytes = Math.max(l.allowance.maxBytes, Math.round((l.probeMbps * 1e6 * MIN_TEST_MS) / 8 / 1000));
      }
    }
  }

  /**
   * One short test per leg before the rounds: it warms the path, measures the connection
   * overhead, and is where a server's refusal sends us to the next server.
   */
  private async probe(legs: LegState[]): Promise<void> {
    const overheads: number[] = [];
    let tlsOpened = false;
    for (const leg of legs) {
      // Like the HTTP runner's ramp: an upload the server could not time (it ended within
      // one 250 ms measurement) is repeated with four times the bytes, while the budget lasts.
      let maxBytes = Math.max(256 * 1024, Math.floor(this.opts.budgetBytes / (legs.length * (TARGET_ROUNDS + 2) * 2)));
      for (let attempt = 0; attempt < 4; attempt++) {
        let s: SubtestSample;
        try {
          s = await this.test(leg, -1, { durationMs: PROBE_TEST_MS, maxBytes, overheadBytes: 0 });
        } catch (err) {
          if (err instanceof Ndt7Error && err.phase === 'connect' && err.kind !== 'not-plaintext' && this.state.rounds === 0) {
            throw new TryNextServer(err, tlsOpened && leg.spec.scheme === 'http');
          }
          throw err;
        }
        overheads.push(s.overheadMs);
        if (leg.spec.scheme === 'https') tlsOpened = true;
        leg.overheadBytes = s.afterCloseBytes;
        leg.probeMbps = s.mbps;
        if (s.mbps > 0) break;
        maxBytes *= 4;
        if (this.state.bytesUsed + maxBytes > this.opts.budgetBytes / 2) break;
      }
    }
    if (overheads.length) this.overheadMs = Math.max(this.overheadMs, median(overheads));
  }

  private compare(pair: PairSpec): Comparison {
    return compareLegs(pair, this.legState(pair.suspect), this.legState(pair.reference), this.opts.marginRatio);
  }

  /** Fresh URLs for this machine from the locate service; false if it no longer lists it. */
  private async refreshTokens(): Promise<boolean> {
    const again = await this.locate();
    this.locatedAt = this.deps.clock.now();
    const same = again.kind === 'ok' ? again.targets.find((t) => t.machine === this.target.machine) : undefined;
    if (!same) return false;
    this.target = same;
    for (const [id, url] of ndt7Plan(same).urls) this.plan.urls.set(id, url);
    return true;
  }

  /**
   * One ndt7 test. Access tokens last a minute (m-lab/locate handler.go), so a run that goes
   * on longer asks for fresh ones before they run out; a refused connection is still retried
   * once with fresh tokens, and a dropped test once.
   */
  private async test(leg: LegState, round: number, allowance: TestAllowance): Promise<SubtestSample> {
    if (this.deps.clock.now() - this.locatedAt > (this.opts.tokenRefreshMs ?? TOKEN_REFRESH_MS)) await this.refreshTokens();
    try {
      return await this.testOnce(leg, round, allowance);
    } catch (err) {
      if (!(err instanceof Ndt7Error) || err.kind === 'aborted' || this.state.rounds === 0) throw err;
      if (err.phase === 'connect' && !this.retriedRefusal) {
        this.retriedRefusal = true;
        if (!(await this.refreshTokens())) throw err;
        this.state.warnings.push(`${this.target.machine} refused a test mid-run (${err.message}); it was retried with fresh access tokens`);
        return this.testOnce(leg, round, allowance);
      }
      if (err.kind === 'dropped') return this.testOnce(leg, round, allowance);
      throw err;
    }
  }

  private async testOnce(leg: LegState, round: number, allowance: TestAllowance): Promise<SubtestSample> {
    const url = this.plan.urls.get(leg.spec.id)!;
    const report = (bytes: number, mbps: number, transferDone = false) => {
      const t = this.deps.clock.now();
      if (t - this.lastProgressAt < 100 && !transferDone) return;
      this.lastProgressAt = t;
      this.deps.onProgress?.({
        phase: round < 0 ? 'ramp' : 'rounds',
        leg: leg.spec.id,
        bytes,
        mbps,
        round: Math.max(round + 1, 0),
        transferDone,
        budgetShare: this.budgetShare(),
      });
    };
    // A ws:// leg the browser turned into wss:// fails the run as the HTTP runner's scheme
    // check does (transfer.ts): that is this computer's doing, not the path's.
    const sample = await runSubtest(
      { webSocket: this.deps.webSocket, clock: this.deps.clock, limits: this.deps.limits },
      {
        url: withClientMetadata(url, this.opts.clientName ?? CLIENT_NAME, this.opts.clientVersion ?? '0'),
        direction: leg.spec.direction,
        tls: leg.spec.scheme === 'https',
        durationMs: allowance.durationMs,
        maxBytes: allowance.maxBytes,
        uploadPayload: leg.spec.direction === 'up' ? this.uploadPayload : undefined,
        signal: this.deps.signal,
        onBytes: (bytes, ms) => report(bytes, ms > 0 ? (bytes * 8) / (ms * 1000) : 0),
      },
    );
    this.state.bytesUsed += sample.wireBytes;
    if (sample.uuid && !this.mlab.testIds.includes(sample.uuid)) this.mlab.testIds.push(sample.uuid);
    let note: string | undefined;
    if (leg.spec.direction === 'up' && round >= 0 && sample.timedBy === 'client') {
      note = 'an upload was timed by this client because the server sent no measurements: its send buffer can flatter the rate';
    } else if (leg.spec.direction === 'up' && round >= 0 && sample.timedBy === 'untimed') {
      note = 'an upload ended before the server could time it (it measures every 250 ms), so that round has no upload figure';
    }
    if (note && !this.state.warnings.includes(note)) this.state.warnings.push(note);
    report(sample.bytes, sample.mbps, true);
    return sample;
  }
}
