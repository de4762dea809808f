// A whole measurement: resolve the endpoint, ramp each leg, run interleaved rounds until the
// verdict is clear or the budget is spent, check the plaintext legs' integrity, and decide.
//
// Looking at the data after every round from MIN_ROUNDS on is a sequential design; it stays
// honest because a finding needs the whole 95% interval beyond a 25% margin, which noise
// around equal speeds almost never reaches (the lab's false-positive runs measure that).
import { cpuBoundWarning, cpuMayLimitTls } from './cpu-bound.js';
import { DEFAULT_MARGIN_RATIO, MIN_ROUNDS } from './compare.js';
import { applyDecision, compareLegs, lastRoundsApart, resultSoFar } from './finish.js';
import { describeError, MeasureError } from './errors.js';
import { digestUrl, payloadUrl, resolveTarget, type Target } from './endpoint.js';
import { parseReprDigest } from './digest.js';
import { endpointPlan, filePlan, legsOf, roundOrder, type PairSpec, type Plan } from './plan.js';
import { makePayload } from './payload.js';
import { DOWNLOAD_SIZER, UPLOAD_SIZER, nextBytes, rampDone, snapBytes, steadyBytes, type SizerOptions } from './sizer.js';
import { timedDownload, timedUpload, type TransferDeps, type TransferSample } from './transfer.js';
import type { Comparison, LegSpec, Progress, Result } from './types.js';

export interface RunOptions {
  url: string;
  httpPort?: number;
  httpsPort?: number;
  /** 'auto': the port swap (plan.followUp) only when screening sees a difference. */
  diagnose: 'auto' | 'always' | 'never';
  budgetBytes: number;
  maxDurationMs: number;
  maxRounds?: number;
  marginRatio?: number;
  targetTransferMs?: number;
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
}

interface LegState {
  spec: LegSpec;
  sizer: SizerOptions;
  nextBytes: number;
  ramped: boolean;
  samples: Map<number, TransferSample>;
  /** Bytes of all this leg's transfers, ramp included: what its connection has carried. */
  carriedBytes: number;
  /** When this leg's last transfer ended, by deps.clock. */
  endedAtMs?: number;
  /** Idle time before each round's transfer, last byte to first byte: a bucket's refill. */
  waitsMs: number[];
}

/** The sizer plans for the longest wait among this many recent rounds. */
const RECENT_WAITS = 6;

/**
 * "No difference" needs each screening leg to have carried this much: some ISPs throttle a
 * flow only after its first megabytes (Wehe saw T-Mobile's drop from 20 to 1.5 Mbit/s after
 * about 7 MB), and a leg's transfers share one kept-alive connection, so short rounds on a
 * slow line would otherwise answer before the throttling begins.
 */
export const MIN_FLOW_BYTES = 8_000_000;

class Interference extends Error {}

/**
 * Rounds are cheap at 200 ms a transfer, and the byte and time budgets bound a run anyway; a
 * 2x throttle under cross traffic still straddled the margin by a few hundredths after 24
 * rounds in the lab (intervals 1.22-1.90x), where a few more rounds settle it.
 */
const DEFAULT_MAX_ROUNDS = 48;

export async function runMeasurement(deps: RunDeps, opts: RunOptions): Promise<Result> {
  const startedAt = deps.clock.now();
  const state = {
    bytesUsed: 0,
    warnings: [] as string[],
    rounds: 0,
    legs: new Map<string, LegState>(),
    comparisons: [] as Comparison[],
  };
  const base = (): Result => resultSoFar(state, opts.url, deps.clock.now() - startedAt);

  let target: Target;
  try {
    deps.onProgress?.({ phase: 'info', round: 0, budgetShare: 0 });
    target = await resolveTarget(deps.fetch, opts.url, opts);
  } catch (err) {
    return { ...base(), error: describeError(err) };
  }
  const runner = new Runner(deps, opts, target, state, startedAt);
  try {
    await runner.run();
  } catch (err) {
    if (err instanceof Interference) return { ...base(), verdict: 'interfered', error: err.message };
    return { ...base(), error: describeError(err) };
  }
  const result = await applyDecision({ ...base(), warnings: [...state.warnings] }, state.legs, (r, slow, fast) =>
    runner.checkCpuBound(r, slow, fast),
  );
  deps.onProgress?.({ phase: 'done', round: state.rounds, budgetShare: runner.budgetShare() });
  return result;
}

class Runner {
  private nonce = 0;
  private readonly seed: number;
  private readonly trustedDigests = new Map<string, string>();
  private readonly plan: Plan;
  private active: PairSpec[];
  private lastProgressAt = -Infinity;

  constructor(
    private readonly deps: RunDeps,
    private readonly opts: RunOptions,
    private readonly target: Target,
    private readonly state: {
      bytesUsed: number;
      warnings: string[];
      rounds: number;
      legs: Map<string, LegState>;
      comparisons: Comparison[];
    },
    private readonly startedAt: number,
  ) {
    this.seed = opts.seed ?? Math.floor(deps.random() * 2 ** 31);
    this.plan =
      target.mode === 'file' ? filePlan(target.tlsPort, target.plainPort) : endpointPlan(target.tlsPort, target.plainPort);
    this.active = [...this.plan.screening];
    if (opts.diagnose === 'always') this.active.push(...this.plan.diagnosis);
    if (target.mode === 'file' && opts.diagnose === 'always') {
      state.warnings.push('a plain file URL allows only the screening pair: diagnosis needs an endpoint of ours');
    }
    if (target.tlsPort === target.plainPort && target.mode === 'endpoint') {
      state.warnings.push(`the endpoint serves one port (${target.tlsPort}): port and protocol cannot be told apart`);
    }
  }

  budgetShare(): number {
    const elapsed = this.deps.clock.now() - this.startedAt;
    return Math.min(1, Math.max(this.state.bytesUsed / this.opts.budgetBytes, elapsed / this.opts.maxDurationMs));
  }

  private sizerFor(spec: LegSpec): SizerOptions {
    const s = spec.direction === 'up' ? UPLOAD_SIZER : DOWNLOAD_SIZER;
    const maxBytes = this.target.mode === 'endpoint' ? Math.min(s.maxBytes, this.target.info.limits.maxBytes) : s.maxBytes;
    return { ...s, maxBytes, targetMs: this.opts.targetTransferMs ?? s.targetMs };
  }

  private legState(spec: LegSpec): LegState {
    let l = this.state.legs.get(spec.id);
    if (!l) {
      const sizer = this.sizerFor(spec);
      l = { spec, sizer, nextBytes: sizer.startBytes, ramped: false, samples: new Map(), carriedBytes: 0, waitsMs: [] };
      this.state.legs.set(spec.id, l);
    }
    return l;
  }

  async run(): Promise<void> {
    if (this.target.mode === 'file') await this.sizeFile();
    const maxRounds = this.opts.maxRounds ?? DEFAULT_MAX_ROUNDS;
    let diagnosisFrom = this.opts.diagnose === 'always' ? 0 : Infinity;
    for (let round = 0; round < maxRounds; round++) {
      const legs = legsOf(this.undecided()).map((s) => this.legState(s));
      const unramped = legs.filter((l) => !l.ramped);
      if (unramped.length) this.capSizes(unramped, legs.length);
      for (const leg of unramped) await this.guardDiagnosis(leg, () => this.ramp(leg));
      if (!this.affordRound(legs)) {
        this.state.warnings.push(`stopped after ${round} rounds: the next round would exceed the budget`);
        break;
      }
      for (const leg of roundOrder(legs)) {
        if (!this.isActive(leg)) continue;
        await this.guardDiagnosis(leg, async () => {
          const sample = await this.transfer(leg, round);
          leg.samples.set(round, sample);
          leg.nextBytes = steadyBytes([...leg.samples.values()], leg.sizer, Math.max(0, ...leg.waitsMs.slice(-RECENT_WAITS))) ?? leg.nextBytes;
        });
      }
      this.state.rounds = round + 1;
      this.state.comparisons = this.active.map((p) => this.compare(p));
      const screen = this.state.comparisons.find((c) => c.id === 'screen');
      const sawDifference = screen?.outcome === 'slower' || screen?.outcome === 'faster';
      if (sawDifference && this.opts.diagnose === 'auto' && diagnosisFrom === Infinity && this.plan.followUp.length) {
        diagnosisFrom = round + 1;
        this.active.push(...this.plan.followUp);
        continue;
      }
      if (this.undecided().length === 0) break;
      this.lengthenShortFlows();
      // The screening answer is what the user asked for; diagnosis pairs that stay unclear
      // once it is clear may run on only while they can still reach MIN_ROUNDS.
      if (screen && screen.outcome !== 'unclear' && round + 1 - diagnosisFrom >= 2 * MIN_ROUNDS) break;
    }
    const screen = this.state.comparisons.find((c) => c.id === 'screen');
    const turned = this.screeningTurned();
    if (screen && screen.outcome !== 'slower' && screen.outcome !== 'faster' && turned) {
      // "Same over all rounds" does not hold if the last rounds say otherwise.
      screen.outcome = 'unclear';
      this.state.warnings.push(
        `the last rounds ran ${turned.ratio.toFixed(1)}x apart, by when the ${turned.leg} leg had carried ${(turned.carriedBytes / 1e6).toFixed(1)} MB: shaping that begins after some megabytes in a flow looks like this, and the run ended before the rounds could show it`,
      );
    }
    const short = this.shortFlowLegs();
    if (screen?.outcome === 'same' && short.length) {
      const mb = (Math.min(...short.map((l) => l.carriedBytes)) / 1e6).toFixed(1);
      this.state.warnings.push(
        `a screening leg carried only ${mb} MB before the run ended: throttling that begins later in a long flow (after ${MIN_FLOW_BYTES / 1e6} MB, say) would not show`,
      );
    }
  }

  private screeningTurned() {
    const [pair] = this.plan.screening;
    const suspect = pair && this.state.legs.get(pair.suspect.id);
    const reference = pair && this.state.legs.get(pair.reference.id);
    if (!suspect || !reference) return undefined;
    const apart = lastRoundsApart(suspect, reference);
    if (!apart) return undefined;
    const slow = apart.slowLeg === 'suspect' ? suspect : reference;
    return { ratio: apart.ratio, leg: slow.spec.id, carriedBytes: slow.carriedBytes };
  }

  /** Screening legs whose connection has not yet carried MIN_FLOW_BYTES. */
  private shortFlowLegs(): LegState[] {
    return legsOf(this.plan.screening)
      .map((s) => this.state.legs.get(s.id))
      .filter((l): l is LegState => !!l && l.carriedBytes < MIN_FLOW_BYTES);
  }

  /**
   * Screening looks equal but a leg has carried too little: grow its transfers so that the
   * rest arrives within a few rounds, rather than many short ones.
   */
  private lengthenShortFlows(): void {
    const screen = this.state.comparisons.find((c) => c.id === 'screen');
    if (screen?.outcome !== 'same') return;
    for (const leg of this.shortFlowLegs()) {
      const wanted = snapBytes((MIN_FLOW_BYTES - leg.carriedBytes) / 4, leg.sizer);
      leg.nextBytes = Math.min(leg.sizer.maxBytes, Math.max(leg.nextBytes, wanted));
    }
  }

  /**
   * The pairs still without an answer. A pair that has its answer stops costing bytes: its
   * legs run on only while an undecided pair needs them (the plaintext leg is the reference
   * of most pairs), and its comparison keeps the rounds it was decided on.
   */
  private undecided(): PairSpec[] {
    const byId = (id: string) => this.state.comparisons.find((c) => c.id === id);
    const screen = byId('screen')?.outcome;
    const margin = this.opts.marginRatio ?? DEFAULT_MARGIN_RATIO;
    return this.active.filter((p) => {
      const c = byId(p.id);
      if (!c) return true;
      if (c.outcome === 'same' && p.id === 'screen') return this.shortFlowLegs().length > 0 || !!this.screeningTurned();
      if (c.outcome !== 'unclear') return false;
      // Once screening has found one direction, a diagnosis pair asks only "this way too?"
      // (verdict.ts reads causes from 'slower' pairs): an interval that has left that side of
      // the margin answers it, even before it fits inside the margin for a 'same'.
      if (p.id !== 'screen' && c.rounds >= MIN_ROUNDS) {
        if (screen === 'slower' && c.ci95[1] < margin) return false;
        if (screen === 'faster' && c.ci95[0] > 1 / margin) return false;
      }
      return true;
    });
  }

  private isActive(leg: LegState): boolean {
    return this.active.some((p) => p.suspect.id === leg.spec.id || p.reference.id === leg.spec.id);
  }

  /**
   * A diagnosis leg that fails (a middlebox refusing HTTP on 443, say) must not cost the
   * screening answer: its pairs are dropped with a warning, and the cause stays unknown.
   */
  private async guardDiagnosis(leg: LegState, work: () => Promise<void>): Promise<void> {
    const screening = legsOf(this.plan.screening).some((s) => s.id === leg.spec.id);
    if (screening) return work();
    try {
      await work();
    } catch (err) {
      if (err instanceof MeasureError && err.kind === 'aborted') throw err;
      this.active = this.active.filter((p) => p.suspect.id !== leg.spec.id && p.reference.id !== leg.spec.id);
      this.state.legs.delete(leg.spec.id);
      this.state.warnings.push(`diagnosis leg ${leg.spec.id} failed, so its comparisons were dropped: ${describeError(err)}`);
    }
  }

  private compare(pair: PairSpec): Comparison {
    return compareLegs(pair, this.legState(pair.suspect), this.legState(pair.reference), this.opts.marginRatio);
  }

  /** Would one more round of these legs, at their current sizes and speeds, fit the budget? */
  private affordRound(legs: LegState[]): boolean {
    const bytes = legs.reduce((s, l) => s + l.nextBytes, 0);
    const ms = legs.reduce((s, l) => s + l.sizer.targetMs * 1.5 + 50, 0);
    const elapsed = this.deps.clock.now() - this.startedAt;
    return this.state.bytesUsed + bytes <= this.opts.budgetBytes && elapsed + ms <= this.opts.maxDurationMs;
  }

  /**
   * On a line faster than the budget can follow, transfers shorter than the target are the
   * price of a verdict within budget: each leg may use a fair share of what is left for
   * MIN_ROUNDS rounds plus its ramp. (Planning for twice as many rounds, so more and shorter
   * transfers, left as many unshaped 100 Mbit/s runs inconclusive in the lab: 3 of 10.)
   */
  private capSizes(legs: LegState[], activeLegs: number): void {
    const remaining = this.opts.budgetBytes - this.state.bytesUsed;
    const cap = Math.floor(remaining / (activeLegs * (MIN_ROUNDS + 2)));
    for (const leg of legs) {
      if (this.target.mode === 'file') continue;
      leg.sizer = { ...leg.sizer, maxBytes: Math.max(leg.sizer.minBytes, Math.min(leg.sizer.maxBytes, cap)) };
      leg.nextBytes = Math.min(leg.nextBytes, leg.sizer.maxBytes);
    }
  }

  private async ramp(leg: LegState): Promise<void> {
    while (!leg.ramped) {
      if (this.state.bytesUsed + leg.nextBytes > this.opts.budgetBytes) {
        throw new MeasureError('timeout', `the byte budget (${this.opts.budgetBytes} bytes) ran out while sizing ${leg.spec.id}`);
      }
      const sample = await this.transfer(leg, -1);
      leg.ramped = rampDone(sample.durationMs, sample.bytes, leg.sizer) || this.target.mode === 'file';
      leg.nextBytes = this.target.mode === 'file' ? sample.bytes : nextBytes(sample.bytes, sample.durationMs, leg.sizer);
    }
  }

  private async sizeFile(): Promise<void> {
    const url = digestUrl(this.target, 'random', 0, 0);
    const res = await this.deps.fetch(url, { method: 'HEAD', redirect: 'manual', cache: 'no-store', signal: this.deps.signal });
    const length = Number(res.headers.get('content-length'));
    if (res.status !== 200 || !Number.isFinite(length) || length <= 0) {
      throw new MeasureError('bad-endpoint', `${url} answered HTTP ${res.status} with no usable Content-Length`);
    }
    if (length < 1_000_000) {
      this.state.warnings.push(`the file is only ${length} bytes: transfers this short measure latency more than goodput`);
    }
    for (const spec of legsOf([...this.plan.screening])) {
      const l = this.legState(spec);
      l.nextBytes = length;
      l.sizer = { ...l.sizer, minBytes: length, maxBytes: length, startBytes: length };
    }
  }

  private async transfer(leg: LegState, round: number): Promise<TransferSample> {
    const { spec } = leg;
    const bytes = leg.nextBytes;
    const url = payloadUrl(this.target, spec, bytes, this.seed, ++this.nonce);
    const report = (got: number, mbps: number, transferDone = false) => {
      const t = this.deps.clock.now();
      if (t - this.lastProgressAt < 100 && !transferDone) return;
      this.lastProgressAt = t;
      this.deps.onProgress?.({
        phase: round < 0 ? 'ramp' : 'rounds',
        leg: spec.id,
        bytes: got,
        mbps,
        round: Math.max(round + 1, 0),
        transferDone,
        budgetShare: this.budgetShare(),
      });
    };
    let sample: TransferSample;
    const requestedAt = this.deps.clock.now();
    try {
      if (spec.direction === 'up') {
        sample = await timedUpload(this.deps, {
          url,
          body: makePayload(spec.payload, this.seed, bytes),
          scheme: spec.scheme,
          signal: this.deps.signal,
        });
      } else {
        sample = await timedDownload(this.deps, {
          url,
          expectBytes: bytes,
          scheme: spec.scheme,
          signal: this.deps.signal,
          onBytes: (got, ms) => report(got, ms > 0 ? (got * 8) / (ms * 1000) : 0),
        });
      }
    } catch (err) {
      this.state.bytesUsed += bytes;
      if (spec.scheme === 'http' && err instanceof MeasureError && (err.kind === 'redirect' || err.kind === 'http-status')) {
        throw new Interference(`the plaintext leg was interfered with: ${err.message}`);
      }
      throw err;
    }
    this.state.bytesUsed += sample.bytes;
    leg.carriedBytes += sample.bytes;
    if (round >= 0 && leg.endedAtMs !== undefined) leg.waitsMs.push(requestedAt + sample.ttfbMs - leg.endedAtMs);
    leg.endedAtMs = this.deps.clock.now();
    report(sample.bytes, sample.mbps, true);
    await this.checkIntegrity(spec, bytes, sample);
    return sample;
  }

  /** The plaintext leg must carry the very bytes the endpoint vouches for over TLS. */
  private async checkIntegrity(spec: LegSpec, bytes: number, sample: TransferSample): Promise<void> {
    if (spec.direction === 'up') {
      if (spec.scheme === 'http' && sample.middleboxHeaders.length) {
        throw new Interference(`a middlebox answered the plaintext upload (${sample.middleboxHeaders.join('; ')})`);
      }
      return;
    }
    const key = `${spec.payload}/${bytes}`;
    if (spec.scheme === 'https') {
      if (!this.trustedDigests.has(key) && sample.digest) {
        if (this.target.mode === 'endpoint' && sample.announcedDigest && sample.announcedDigest !== sample.digest) {
          throw new MeasureError('bad-endpoint', `the endpoint's TLS body does not match its own digest (${key})`);
        }
        this.trustedDigests.set(key, sample.digest);
      }
      return;
    }
    if (sample.middleboxHeaders.length) {
      throw new Interference(`a middlebox handled the plaintext leg (${sample.middleboxHeaders.join('; ')})`);
    }
    const trusted = await this.trustedDigest(spec, bytes, key);
    if (trusted !== sample.digest) {
      throw new Interference(
        `the plaintext body of ${bytes} bytes differs from what the endpoint sent over TLS (digest ${sample.digest} instead of ${trusted})`,
      );
    }
  }

  private async trustedDigest(spec: LegSpec, bytes: number, key: string): Promise<string> {
    const known = this.trustedDigests.get(key);
    if (known) return known;
    const url = digestUrl(this.target, spec.payload, bytes, this.seed);
    if (this.target.mode === 'file') {
      // Any server's file: only its TLS body can vouch for the plaintext one.
      const sample = await timedDownload(this.deps, { url, expectBytes: bytes, scheme: 'https', signal: this.deps.signal });
      this.state.bytesUsed += sample.bytes;
      this.trustedDigests.set(key, sample.digest!);
      return sample.digest!;
    }
    const res = await this.deps.fetch(url, { method: 'HEAD', redirect: 'manual', cache: 'no-store', signal: this.deps.signal });
    const digest = parseReprDigest(res.headers.get('repr-digest'));
    if (res.status !== 200 || !digest) {
      throw new MeasureError('bad-endpoint', `${url} gave no Repr-Digest (HTTP ${res.status}): the plaintext leg cannot be verified`);
    }
    this.trustedDigests.set(key, digest);
    return digest;
  }

  /**
   * An HTTPS leg near the TLS capacity of either computer may be slow because of its CPU, not
   * the line: then no finding, only a warning (loopback tests meet this; real lines rarely).
   */
  async checkCpuBound(result: Result, slowLeg: string, fastLeg: string): Promise<void> {
    if (result.verdict !== 'tls-throttled') return;
    const leg = result.legs.find((l) => l.id === slowLeg);
    const reference = result.legs.find((l) => l.id === fastLeg);
    if (!leg || leg.scheme !== 'https') return;
    const near = (capacity: number) => cpuMayLimitTls(leg.medianMbps, reference?.medianMbps ?? 0, capacity);
    const endpointCapacity = this.target.mode === 'endpoint' ? this.target.info.tlsCapacityMbps : 0;
    let which: string | undefined;
    let capacity = 0;
    if (near(endpointCapacity)) {
      which = "the endpoint's";
      capacity = endpointCapacity;
    } else if (this.deps.clientTlsCapacityMbps) {
      capacity = await this.deps.clientTlsCapacityMbps().catch(() => 0);
      if (near(capacity)) which = "this computer's";
    }
    if (!which) return;
    result.verdict = 'inconclusive';
    delete result.cause;
    delete result.shaping;
    result.warnings.push(
      cpuBoundWarning('HTTPS', leg.medianMbps, 'HTTP', reference?.medianMbps ?? 0, which, capacity),
    );
  }
}
