// The ndt7 driver (../engine/driver.ts): M-Lab's download and upload tests over ws:// and
// wss:// on one server. Each test is a WebSocket of its own, cut short by a time and byte
// allowance (budget.ts) so that repeated, interleaved tests fit the run's budget. A flow is
// therefore one test: flows cannot grow past the allowance, and a run that ends equal says how
// much each flow carried (decision.ts rule 6).
import { median } from 'simple-statistics';
import { MIN_ROUNDS } from '../interval-rule.js';
import type { Driver, DriverContext, LegGuard, Measured } from '../engine/driver.js';
import { MeasureError } from '../errors.js';
import type { Clock } from '../io.js';
import { randomBytes } from '../payload.js';
import type { Plan } from '../plan.js';
import type { LegSpec } from '../types.js';
import { MIN_TEST_MS, PROBE_TEST_MS, TARGET_ROUNDS, testAllowance, type TestAllowance } from './budget.js';
import { ndt7Plan, type Ndt7Plan } from './legs.js';
import { withClientMetadata, type LocateOutcome, type MlabTarget } from './locate.js';
import { NDT7_MAX_UPLOAD_MESSAGE_BYTES } from './protocol.js';
import { Ndt7Error, SLOW_CLOSE_MS, runSubtest, type SubtestLimits, type SubtestSample } from './subtest.js';
import type { WebSocketFactory } from './websocket.js';

/** M-Lab's access tokens expire a minute after the locate request: refresh a little before. */
export const TOKEN_REFRESH_MS = 50_000;

interface Ndt7Leg {
  allowance: TestAllowance;
  /** Bytes that arrived after our Close in this leg's probe (downloads only have them). */
  overheadBytes: number;
  /** The probe's goodput, 0 when it could not be timed. */
  probeMbps: number;
}

/** What the probes of one prepare() learn together. */
class ProbeRound {
  overheadsMs: number[] = [];
  /** A wss:// test opened on this server: a ws:// refusal after it is the path's doing. */
  tlsOpened = false;
}

/** A refusal before the test on a server we have not measured on yet: try the next one. */
export class TryNextServer extends Error {
  constructor(
    readonly refusal: Ndt7Error,
    readonly plainRefusedAfterTls: boolean,
  ) {
    super(refusal.message);
  }
}

export interface Ndt7DriverDeps {
  webSocket: WebSocketFactory;
  clock: Clock;
  random: () => number;
  limits?: Partial<SubtestLimits>;
  /** Fresh access tokens from the locate service. */
  locate: () => Promise<LocateOutcome>;
}

export interface Ndt7DriverOptions {
  clientName: string;
  clientVersion: string;
  tokenRefreshMs: number;
  locatedAtMs: number;
}

export class Ndt7Driver implements Driver {
  readonly plan: Plan;
  readonly maxRounds = 24;
  readonly flowsMayGrow = false;
  private readonly ndt7: Ndt7Plan;
  private readonly legs = new Map<string, Ndt7Leg>();
  private readonly uploadPayload: Uint8Array;
  private overheadMs = 300;
  private retriedRefusal = false;
  private slowCloseNoted = false;
  private locatedAtMs: number;
  /** Test UUIDs as the server reported them: M-Lab publishes its data under these. */
  readonly testIds: string[] = [];

  constructor(
    private readonly deps: Ndt7DriverDeps,
    private readonly opts: Ndt7DriverOptions,
    private target: MlabTarget,
  ) {
    this.ndt7 = ndt7Plan(target);
    // Uploads are all the diagnosis M-Lab offers: ws only on 80 and wss only on 443 leave no
    // port swap. They follow a difference in downloads as the HTTP port swap does: each ndt7
    // test costs seconds of a shared server, so no reference runs in every run here.
    this.plan = { screening: this.ndt7.screening, references: [], diagnosis: this.ndt7.diagnosis, followUp: this.ndt7.diagnosis, uploadFollowUp: [] };
    this.locatedAtMs = opts.locatedAtMs;
    this.uploadPayload = randomBytes(Math.floor(deps.random() * 2 ** 31), NDT7_MAX_UPLOAD_MESSAGE_BYTES);
  }

  get machine(): string {
    return this.target.machine;
  }

  endpoint(): string {
    return `mlab:${this.target.machine}`;
  }

  private leg(spec: LegSpec): Ndt7Leg {
    let l = this.legs.get(spec.id);
    if (!l) {
      l = { allowance: { durationMs: PROBE_TEST_MS, maxBytes: 0, overheadBytes: 0 }, overheadBytes: 0, probeMbps: 0 };
      this.legs.set(spec.id, l);
    }
    return l;
  }

  async prepare(fresh: LegSpec[], active: LegSpec[], ctx: DriverContext, guard: LegGuard): Promise<void> {
    const kept: LegSpec[] = [];
    const probe = new ProbeRound();
    for (const spec of fresh) {
      // A probe whose Close the browser held back may alone have spent the budget (noteSlowClose):
      // no further test, whatever it would show, could be paid for.
      if (ctx.bytesUsed >= ctx.budgetBytes) break;
      const ok = await guard(spec, async () => {
        await this.probe(spec, fresh.length, probe, ctx);
        // A leg added mid-run whose probe could not be timed cannot be compared.
        if (!(this.leg(spec).probeMbps > 0) && ctx.rounds > 0) {
          throw new MeasureError('timeout', `${spec.id} could not be timed within the budget that was left`);
        }
      });
      if (ok) kept.push(spec);
    }
    if (probe.overheadsMs.length) this.overheadMs = Math.max(this.overheadMs, median(probe.overheadsMs));
    const dropped = new Set(fresh.filter((s) => !kept.includes(s)).map((s) => s.id));
    this.allot(active.filter((s) => !dropped.has(s.id)), ctx);
  }

  /**
   * One short test of a leg before its rounds: it warms the path, measures the connection
   * overhead, and is where a server's refusal sends us to the next server.
   */
  private async probe(spec: LegSpec, fresh: number, round: ProbeRound, ctx: DriverContext): Promise<void> {
    const leg = this.leg(spec);
    // Like the HTTP ramp: an upload the server could not time (it ended within one 250 ms
    // measurement) is repeated with four times the bytes, while the budget lasts.
    let maxBytes = Math.max(256 * 1024, Math.floor(ctx.budgetBytes / (fresh * (TARGET_ROUNDS + 2) * 2)));
    for (let attempt = 0; attempt < 4; attempt++) {
      let s: SubtestSample;
      try {
        s = await this.test(spec, -1, { durationMs: PROBE_TEST_MS, maxBytes, overheadBytes: 0 }, ctx);
      } catch (err) {
        if (err instanceof Ndt7Error && err.phase === 'connect' && err.kind !== 'not-plaintext' && ctx.rounds === 0) {
          throw new TryNextServer(err, round.tlsOpened && spec.scheme === 'http');
        }
        throw err;
      }
      ctx.spend(s.wireBytes);
      this.noteSlowClose(s, ctx);
      round.overheadsMs.push(s.overheadMs);
      if (spec.scheme === 'https') round.tlsOpened = true;
      leg.overheadBytes = s.afterCloseBytes;
      leg.probeMbps = s.mbps;
      if (s.mbps > 0) break;
      maxBytes *= 4;
      if (ctx.bytesUsed + maxBytes > ctx.budgetBytes / 2) break;
    }
  }

  /** Shares what is left among the active legs for the rounds still wanted. */
  private allot(active: LegSpec[], ctx: DriverContext): void {
    const roundsLeft = Math.max(MIN_ROUNDS, TARGET_ROUNDS - ctx.rounds);
    for (const spec of active) {
      const l = this.leg(spec);
      l.allowance = testAllowance({
        remainingMs: ctx.maxDurationMs - ctx.elapsedMs,
        remainingBytes: ctx.budgetBytes - ctx.bytesUsed,
        legs: active.length,
        rounds: roundsLeft,
        overheadMs: this.overheadMs,
        overheadBytes: l.overheadBytes,
      });
      // An upload is timed by the server's 250 ms measurements, so it must last about a
      // second whatever the byte share says; the budget check then decides if it fits.
      if (spec.direction === 'up' && l.probeMbps > 0) {
        l.allowance.maxBytes = Math.max(l.allowance.maxBytes, Math.round((l.probeMbps * 1e6 * MIN_TEST_MS) / 8 / 1000));
      }
    }
  }

  /** A leg's next test as it will likely run: a byte allowance ends it early on a fast line. */
  private expected(spec: LegSpec): TestAllowance {
    const l = this.leg(spec);
    if (!(l.probeMbps > 0)) return l.allowance;
    const byBytesMs = (l.allowance.maxBytes * 8) / (l.probeMbps * 1000);
    return { ...l.allowance, durationMs: Math.min(l.allowance.durationMs, byBytesMs) };
  }

  roundCost(legs: LegSpec[]): { bytes: number; ms: number } {
    const allowances = legs.map((l) => this.expected(l));
    return {
      bytes: allowances.reduce((s, a) => s + a.maxBytes + a.overheadBytes, 0),
      ms: allowances.reduce((s, a) => s + a.durationMs + this.overheadMs, 0),
    };
  }

  async measure(spec: LegSpec, round: number, ctx: DriverContext): Promise<Measured> {
    const leg = this.leg(spec);
    const sample = await this.test(spec, round, leg.allowance, ctx);
    this.noteSlowClose(sample, ctx);
    // What arrives after our Close grows with the line's speed: keep the budget honest.
    leg.allowance.overheadBytes = Math.max(leg.allowance.overheadBytes, sample.afterCloseBytes);
    if (spec.direction === 'up' && sample.timedBy === 'client') ctx.note({ code: 'upload-client-timed' });
    if (spec.direction === 'up' && sample.timedBy === 'untimed') ctx.note({ code: 'upload-untimed' });
    return { sample, bytesUsed: sample.wireBytes, flowBytes: sample.bytes };
  }

  /**
   * Says once when a test's Close took long to take effect while the server went on sending
   * (subtest.ts unseenAfterClose): the bytes are counted, and the person should know where
   * the data went.
   */
  private noteSlowClose(s: SubtestSample, ctx: DriverContext): void {
    if (this.slowCloseNoted || s.closeWaitMs < SLOW_CLOSE_MS || s.unseenAfterCloseBytes <= 0) return;
    this.slowCloseNoted = true;
    ctx.note({ code: 'mlab-slow-close', closeWaitMs: Math.round(s.closeWaitMs), unseenBytes: s.unseenAfterCloseBytes });
  }

  lengthenFlow(): boolean {
    return false;
  }

  /** After complete rounds, a server that stops cooperating ends the run, not the answer. */
  keepsRoundsOn(err: unknown): boolean {
    return !(err instanceof MeasureError && err.kind === 'not-plaintext');
  }

  abandonsServer(err: unknown): boolean {
    return err instanceof TryNextServer;
  }

  /** Fresh URLs for this machine from the locate service; false if it no longer lists it. */
  private async refreshTokens(): Promise<boolean> {
    const again = await this.deps.locate();
    this.locatedAtMs = this.deps.clock.now();
    const same = again.kind === 'ok' ? again.targets.find((t) => t.machine === this.target.machine) : undefined;
    if (!same) return false;
    this.target = same;
    for (const [id, url] of ndt7Plan(same).urls) this.ndt7.urls.set(id, url);
    return true;
  }

  /**
   * One ndt7 test. Access tokens last a minute (m-lab/locate handler.go), so a run that goes
   * on longer asks for fresh ones before they run out; a refused connection is still retried
   * once with fresh tokens, and a dropped test once.
   */
  private async test(spec: LegSpec, round: number, allowance: TestAllowance, ctx: DriverContext): Promise<SubtestSample> {
    if (this.deps.clock.now() - this.locatedAtMs > this.opts.tokenRefreshMs) await this.refreshTokens();
    try {
      return await this.counted(spec, round, allowance, ctx);
    } catch (err) {
      if (!(err instanceof Ndt7Error) || err.kind === 'aborted' || ctx.rounds === 0) throw err;
      if (err.phase === 'connect' && !this.retriedRefusal) {
        this.retriedRefusal = true;
        if (!(await this.refreshTokens())) throw err;
        ctx.note({ code: 'mlab-retried', machine: this.target.machine, detail: err.message });
        return this.counted(spec, round, allowance, ctx);
      }
      if (err.kind === 'dropped') return this.counted(spec, round, allowance, ctx);
      throw err;
    }
  }

  /** One attempt; a test cut off midway moved bytes all the same, and the budget counts them. */
  private async counted(spec: LegSpec, round: number, allowance: TestAllowance, ctx: DriverContext): Promise<SubtestSample> {
    try {
      return await this.testOnce(spec, round, allowance, ctx);
    } catch (err) {
      if (err instanceof Ndt7Error) ctx.spend(err.wireBytes);
      throw err;
    }
  }

  private async testOnce(spec: LegSpec, round: number, allowance: TestAllowance, ctx: DriverContext): Promise<SubtestSample> {
    const url = this.ndt7.urls.get(spec.id)!;
    // A ws:// leg the browser turned into wss:// fails the run as the HTTP driver's scheme
    // check does (transfer.ts): that is this computer's doing, not the path's.
    const sample = await runSubtest(
      { webSocket: this.deps.webSocket, clock: this.deps.clock, limits: this.deps.limits },
      {
        url: withClientMetadata(url, this.opts.clientName, this.opts.clientVersion),
        direction: spec.direction,
        tls: spec.scheme === 'https',
        durationMs: allowance.durationMs,
        maxBytes: allowance.maxBytes,
        uploadPayload: spec.direction === 'up' ? this.uploadPayload : undefined,
        signal: ctx.signal,
        onBytes: (bytes, ms) => ctx.progress(spec.id, round, bytes, ms > 0 ? (bytes * 8) / (ms * 1000) : 0),
      },
    );
    if (sample.uuid && !this.testIds.includes(sample.uuid)) this.testIds.push(sample.uuid);
    ctx.progress(spec.id, round, sample.bytes, sample.mbps, true);
    return sample;
  }
}
