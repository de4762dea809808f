// The HTTP driver (driver.ts): downloads and uploads against our endpoint, or byte ranges of a
// public mirror's file (../mirror/session.ts). It sizes each leg's transfers (sizer.ts), times
// them (transfer.ts) and checks that the plaintext legs carry the very bytes the server vouches
// for over TLS (docs/method.md, "Same bytes, verified").
import { mean, median } from 'simple-statistics';
import { MARGIN_RATIO } from '../margin.js';
import { MIN_ROUNDS } from '../interval-rule.js';
import { WINDOW_LIMITED_RTTS, windowLimited, type MeasuredTransfer } from '../paired-rounds.js';
import { parseReprDigest } from '../digest.js';
import { digestUrl, payloadUrl, type Target } from '../endpoint.js';
import { Interference, MeasureError } from '../errors.js';
import { makePayload } from '../payload.js';
import { sustainedMbps } from '../shaping.js';
import { endpointPlan, filePlan, type Plan } from '../plan.js';
import { hardFloorMs, windowFloorMs } from '../fast-line.js';
import { DOWNLOAD_SIZER, UPLOAD_SIZER, nextBytes, rampDone, snapBytes, steadyBytes, targetForRtt, type SizerOptions } from '../sizer.js';
import { timedDownload, timedUpload, type TransferDeps, type TransferSample } from '../transfer.js';
import type { LegSpec } from '../types.js';
import type { Driver, DriverContext, LegGuard, LineEstimate, Measured } from './driver.js';
import type { MirrorRefusal, MirrorSession } from '../mirror/session.js';
import type { Note } from '../notes.js';

interface HttpLeg {
  spec: LegSpec;
  sizer: SizerOptions;
  /** What a transfer at the target would carry at the rate the ramp ended on (0 before). */
  wantedBytes: number;
  nextBytes: number;
  /** Transfers by round: what the sizer follows. */
  samples: TransferSample[];
  /** Bytes of this leg's transfers on its present connection, ramp included. */
  carriedBytes: number;
  /** Which of the leg's connections carries its transfers: 0 the first, one more after each renewFlow. */
  connection: number;
  /** The next transfer ends the leg's connection (renewFlow). */
  closeNext: boolean;
  /** When this leg's last transfer ended, by deps.clock. */
  endedAtMs?: number;
  /** Idle time before each round's transfer, last byte to first byte: a bucket's refill. */
  waitsMs: number[];
  /** The largest transfer the budget allows this leg (capSizes), whether or not it is held cheap. */
  fullMaxBytes: number;
  /** An upload leg held to CHEAP_UPLOAD_BYTES until its pair shows a difference (growLeg). */
  cheap: boolean;
  /** The last transfer's rate, ramp included: known once a leg has moved any bytes. */
  lastMbps: number;
  /** The last ramp transfer's rate (what lineEstimate reads before the rounds). */
  rampMbps: number;
  /** The least time to a first byte so far: about one round trip. */
  minTtfbMs: number;
  /** The transfer duration a fast line's budget allows (fast-line.ts), when it is shorter. */
  targetCapMs?: number;
  /** The least the next transfer may carry: a short flow's lengthening (lengthenFlow), which sharing keeps. */
  floorBytes: number;
  /** The largest transfer this leg may ask for, before a budget share bounded it (what the endpoint serves). */
  limitBytes: number;
}

/**
 * Uploads run in every run (plan.ts references) but cost the user's upstream, often the
 * scarcer direction, so each transfer is held to this size until the upload pair shows a
 * difference (engine.ts growDifferingUploads). At 20 Mbit/s upstream this is the usual 200 ms
 * transfer; faster upstreams get shorter transfers, the same on both legs, until a difference
 * shows. A Rogers-style cap (80 kbit/s) or the WAN lab's 1 Mbit/s never reaches it.
 */
export const CHEAP_UPLOAD_BYTES = 512 * 1024;

/** The sizer plans for the longest wait among this many recent rounds. */
const RECENT_WAITS = 6;
/**
 * Rounds are cheap at 200 ms a transfer, and the byte and time budgets bound a run anyway; a
 * 2x throttle under cross traffic still straddled the margin by a few hundredths after 24
 * rounds in the lab (intervals 1.22-1.90x), where a few more rounds settle it.
 */
const MAX_ROUNDS = 48;

export class HttpDriver implements Driver {
  readonly plan: Plan;
  readonly maxRounds = MAX_ROUNDS;
  readonly flowsMayGrow = true;

  /**
   * Our endpoint ends a connection when a request asks it to (close=1), from any client. A
   * file's or a mirror's server cannot be asked that way, but a client that may send
   * `Connection: close` ends the connection itself (TransferDeps.endsConnections: the CLI;
   * a browser may not).
   */
  get flowsRenew(): boolean {
    return this.target.mode === 'endpoint' || this.deps.endsConnections === true;
  }

  renewFlow(spec: LegSpec): void {
    if (this.flowsRenew) this.leg(spec).closeNext = true;
  }
  readonly endpointTlsMbps: number | undefined;
  private nonce = 0;
  private readonly legs = new Map<string, HttpLeg>();
  private readonly trustedDigests = new Map<string, string>();
  /** The least time to a first byte of any download of the run: the path's round trip, about. */
  private leastTtfbMs = Infinity;

  constructor(
    private readonly deps: TransferDeps,
    private readonly target: Target,
    private readonly url: string,
    private readonly seed: number,
    /** Present for a public mirror: every download is a fresh byte range of its file. */
    private readonly mirror?: MirrorSession,
  ) {
    this.plan = target.mode === 'endpoint' ? endpointPlan(target.tlsPort, target.plainPort) : filePlan(target.tlsPort, target.plainPort);
    this.endpointTlsMbps = target.mode === 'endpoint' ? target.info.tlsCapacityMbps : undefined;
  }

  /** What a user should know before the rounds begin. */
  initialNotes(diagnose: 'auto' | 'always' | 'never'): Note[] {
    const notes: Note[] = [];
    if (this.target.mode !== 'endpoint' && diagnose === 'always') notes.push({ code: 'file-screening-only' });
    if (this.target.mode === 'endpoint' && this.target.tlsPort === this.target.plainPort) {
      notes.push({ code: 'single-port', port: this.target.tlsPort });
    }
    return notes;
  }

  endpoint(): string {
    return this.url;
  }

  private leg(spec: LegSpec): HttpLeg {
    let l = this.legs.get(spec.id);
    if (!l) {
      const s = spec.direction === 'up' ? UPLOAD_SIZER : DOWNLOAD_SIZER;
      const maxBytes =
        this.target.mode === 'endpoint'
          ? Math.min(s.maxBytes, this.target.info.limits.maxBytes)
          : this.target.mode === 'mirror'
            ? Math.min(s.maxBytes, this.target.fileBytes)
            : s.maxBytes;
      const cheap = spec.direction === 'up';
      const sizer = { ...s, maxBytes: cheap ? Math.min(maxBytes, CHEAP_UPLOAD_BYTES) : maxBytes };
      l = {
        spec,
        sizer,
        wantedBytes: 0,
        nextBytes: sizer.startBytes,
        samples: [],
        carriedBytes: 0,
        connection: 0,
        closeNext: false,
        waitsMs: [],
        fullMaxBytes: maxBytes,
        cheap,
        lastMbps: 0,
        rampMbps: 0,
        minTtfbMs: Infinity,
        limitBytes: maxBytes,
        floorBytes: 0,
      };
      this.legs.set(spec.id, l);
    }
    return l;
  }

  async prepare(fresh: LegSpec[], active: LegSpec[], ctx: DriverContext, guard: LegGuard): Promise<void> {
    this.capSizes(fresh, active, ctx);
    for (const spec of fresh) await guard(spec, () => this.ramp(spec, ctx));
  }

  /**
   * The largest transfer each full-size leg may make: a fair share of what is left for
   * MIN_ROUNDS rounds plus its ramp, after the cheap upload legs' own share. (Planning for
   * twice as many rounds, so more and shorter transfers, left as many unshaped 100 Mbit/s runs
   * inconclusive in the lab: 3 of 10.)
   */
  private shareBytes(active: LegSpec[], ctx: DriverContext, rounds = MIN_ROUNDS + 2): number {
    const cheap = active.filter((s) => this.leg(s).cheap).length;
    const full = Math.max(1, active.length - cheap);
    const remaining = ctx.budgetBytes - ctx.bytesUsed - cheap * CHEAP_UPLOAD_BYTES * rounds;
    return Math.floor(Math.max(0, remaining) / (full * rounds));
  }

  /** On a line faster than the budget can follow, transfers shorter than the target are the price of a verdict within budget. */
  private capSizes(fresh: LegSpec[], active: LegSpec[], ctx: DriverContext): void {
    const cap = this.shareBytes(active, ctx);
    for (const spec of fresh) {
      const leg = this.leg(spec);
      leg.fullMaxBytes = Math.max(leg.sizer.minBytes, Math.min(leg.fullMaxBytes, cap));
      leg.sizer = { ...leg.sizer, maxBytes: leg.cheap ? Math.min(leg.fullMaxBytes, CHEAP_UPLOAD_BYTES) : leg.fullMaxBytes };
      leg.nextBytes = Math.min(leg.nextBytes, leg.sizer.maxBytes);
    }
  }

  /**
   * Whether the references' legs fit beside the legs measured so far (the screening pair):
   * whether each full-size leg's share of the budget would still reach half the transfer its
   * target wants at the rate it has shown, so half of ten round trips on a long path
   * (paired-rounds.ts WINDOW_LIMITED_RTTS). A third full-size leg cut a 150 ms path's transfers to
   * 1.5 MB, about two round trips, and twelve of thirteen rounds carried no ratio in the WAN
   * lab (bench/RESULTS.md). On a long path a ramp's short transfers show slow start, not the
   * line, so the answer waits for two rounds of the screening legs (undefined until then), and
   * the whole target must fit.
   */
  referencesFit(references: LegSpec[], ctx: DriverContext): { fits: boolean; transferBytes: number; wantedBytes: number } | undefined {
    const measured = [...this.legs.values()].filter((l) => l.wantedBytes > 0);
    const longPath = measured.some((l) => l.sizer.targetMs > DOWNLOAD_SIZER.targetMs);
    if (longPath && measured.some((l) => l.samples.length < 2)) return undefined;
    const wanted = (l: HttpLeg) => {
      if (!longPath) return l.wantedBytes;
      // The fastest rate any of its transfers showed, doubled: on a long path they are still
      // partly in slow start, and a leg whose connection lost packets early reads slower
      // still (a 150 ms, 1% loss run read 7-9 Mbit/s after two rounds of a 50 Mbit/s line,
      // admitted the references, and ran out of budget with a false 3x).
      const fastestMbps = Math.max(0, ...l.samples.map((t) => sustainedMbps(t).mbps));
      return (2 * fastestMbps * 1000 * l.sizer.targetMs) / 8;
    };
    const wantedBytes = Math.max(0, ...measured.map(wanted));
    const all = [...[...this.legs.values()].map((l) => l.spec), ...references.filter((r) => !this.legs.has(r.id))];
    const transferBytes = this.shareBytes(all, ctx);
    // A long path asks for the whole target: its rate estimate comes from transfers still partly
    // in slow start (so low), and beside the references even "half" left 150 ms runs at 6-8
    // rounds when the budget ran out (the WAN lab, bench/RESULTS.md).
    const needBytes = longPath ? wantedBytes : wantedBytes / 2;
    return { fits: !measured.length || transferBytes >= needBytes, transferBytes, wantedBytes };
  }

  /**
   * Lifts a cheap leg to its full size; and a leg whose last transfer was window-limited
   * (paired-rounds.ts windowLimited) to the bound its direction's rates set now. That bound
   * was last set by a plan (limitTransfers) from transfers read in slow start, and a transfer
   * held to it stays there. On the first 150 simulated unshaped lines (bench/sim-stopping.ts,
   * seed 1) the upload pair of 52 of the 135 runs that ran it had window-limited rounds, 353 in
   * all, which its interval counts for nothing; a 27 Mbit/s line 52 ms away (57 ms to a first
   * byte) held its uploads to 240 KB, which took 207-429 ms where five round trips are 285, and
   * ran them 22 rounds, 9 of them unread (bench/RESULTS.md, 2026-12-06 15:42). Called every
   * round while its pair is unreadable, it grows the bound as the rates read rise.
   */
  growLeg(spec: LegSpec): void {
    const leg = this.leg(spec);
    const last = leg.samples.at(-1);
    const limited = !!last && Number.isFinite(this.leastTtfbMs) && windowLimited(last, this.leastTtfbMs);
    if (!leg.cheap && !limited) return;
    leg.cheap = false;
    if (limited) leg.fullMaxBytes = Math.max(leg.fullMaxBytes, this.boundBytes(leg, this.fastestMbps(spec.direction), leg.sizer.targetMs));
    leg.sizer = { ...leg.sizer, maxBytes: leg.fullMaxBytes };
    // The next transfer follows the leg's measured rate to the usual target at once.
    leg.nextBytes = steadyBytes(leg.samples, leg.sizer, Math.max(0, ...leg.waitsMs.slice(-RECENT_WAITS))) ?? leg.nextBytes;
  }

  private async ramp(spec: LegSpec, ctx: DriverContext): Promise<void> {
    const leg = this.leg(spec);
    for (;;) {
      if (ctx.bytesUsed + leg.nextBytes > ctx.budgetBytes) {
        throw new MeasureError('timeout', `the byte budget (${ctx.budgetBytes} bytes) ran out while sizing ${spec.id}`);
      }
      const sample = await this.transfer(spec, -1, ctx);
      ctx.spend(sample.bytes);
      if (sample.mbps > 0) leg.rampMbps = sample.mbps;
      this.followRtt(leg, [sample]);
      if (!leg.cheap) leg.wantedBytes = (sample.mbps * 1000 * leg.sizer.targetMs) / 8;
      leg.nextBytes = nextBytes(sample.bytes, sample.durationMs, leg.sizer);
      if (rampDone(sample.durationMs, sample.bytes, leg.sizer)) return;
    }
  }

  lineEstimate(legs: LegSpec[]): LineEstimate | undefined {
    const known = legs.map((s) => this.leg(s)).filter((l) => l.lastMbps > 0);
    if (!known.length) return undefined;
    const rttMs = Math.min(...known.map((l) => l.minTtfbMs));
    const rtt = Number.isFinite(rttMs) ? rttMs : 0;
    // The line's rate is the downloads': an upstream runs at its own rate, and the cheap upload
    // legs' sizes follow it (limitTransfers reads each leg's own). Beside a 20 Mbit/s paced
    // download an unpaced loopback upload read 5 Gbit/s, and planning every leg for that rate
    // cut the downloads to 15 ms transfers that no round could read.
    const downloads = known.filter((l) => l.spec.direction === 'down');
    const rated = downloads.length ? downloads : known;
    // A cheap upload leg costs its held size a round, whatever the plan's transfer length.
    const held = legs.map((s) => this.leg(s)).filter((l) => l.cheap);
    return {
      mbps: Math.max(...rated.map(recentMbps)),
      rttMs: rtt,
      targetMs: targetForRtt(DOWNLOAD_SIZER.targetMs, rtt),
      baseTargetMs: DOWNLOAD_SIZER.targetMs,
      sizedLegs: legs.length - held.length,
      heldRoundBytes: held.reduce((sum, l) => sum + l.sizer.maxBytes, 0),
    };
  }

  /**
   * Time-capped transfers: each leg aims at targetMs from now on, at its own recent rate, and
   * may grow to half as much again (a slower round, a bucket's burst) within what the endpoint
   * serves. Twice as much let the sizer's refill rule (sizer.ts steadyBytes) take every
   * transfer to the bound under a loaded processor's stalls: 6 rounds cost 210 MB on a gigabit
   * lab line planned for 58 ms transfers.
   *
   * The bound itself follows the fastest leg of the same direction, as the plan does
   * (lineEstimate): a bound from a leg's own rate would hold a leg that happened to read slow
   * when the plan was made to transfers that read slow for being short (slow start), and they
   * never grow again. In the simulation an unshaped line's plaintext upload leg, planned after
   * a ramp that read 2 Mbit/s, was held to 0.16 MB transfers at 7 Mbit/s beside TLS's 0.44 MB
   * at 9 for 28 rounds: a false "plaintext throttled" at 0.76x (bench/RESULTS.md).
   */
  limitTransfers(legs: LegSpec[], targetMs: number): void {
    const fastestMbps = new Map<LegSpec['direction'], number>();
    for (const spec of legs) fastestMbps.set(spec.direction, Math.max(fastestMbps.get(spec.direction) ?? 0, recentMbps(this.leg(spec))));
    for (const spec of legs) {
      const leg = this.leg(spec);
      leg.targetCapMs = targetMs;
      const rttMs = Number.isFinite(leg.minTtfbMs) ? leg.minTtfbMs : 0;
      // A later plan may also lengthen them again, up to the path's usual target.
      const legTargetMs = Math.min(targetForRtt(DOWNLOAD_SIZER.targetMs, rttMs), Math.max(targetMs, hardFloorMs(rttMs)));
      const rateMbps = recentMbps(leg);
      const wanted = (rateMbps * 1000 * legTargetMs) / 8;
      leg.fullMaxBytes = this.boundBytes(leg, fastestMbps.get(spec.direction)!, legTargetMs);
      // A cheap upload leg stays within its cheap size (growLeg lifts it to fullMaxBytes).
      leg.sizer = { ...leg.sizer, targetMs: legTargetMs, maxBytes: leg.cheap ? Math.min(leg.sizer.maxBytes, leg.fullMaxBytes) : leg.fullMaxBytes };
      if (rateMbps > 0) leg.nextBytes = snapBytes(wanted, leg.sizer);
    }
  }

  /**
   * The largest transfer a leg may make at `targetMs`: half as much again as the target at
   * `fastestMbps`, its direction's fastest recent rate, within what the endpoint serves.
   */
  private boundBytes(leg: HttpLeg, fastestMbps: number, targetMs: number): number {
    return Math.min(leg.limitBytes, Math.max(leg.sizer.minBytes, Math.floor(1.5 * ((fastestMbps * 1000 * targetMs) / 8))));
  }

  /** The fastest recent rate of this run's legs of a direction. */
  private fastestMbps(direction: LegSpec['direction']): number {
    return Math.max(0, ...[...this.legs.values()].filter((l) => l.spec.direction === direction).map(recentMbps));
  }

  /**
   * The same bytes on every leg of a direction in a round, where the legs read alike. Legs
   * within the margin of the fastest (margin.ts MARGIN_RATIO) all move one size, the
   * geometric mean of what their sizers ask for, so a round costs what it did; a leg that
   * reads slower by more than the margin moves that size scaled by how far (a leg a shaper
   * holds at half the line 0.625 of it, a transfer of 1.25 targets), never less than its own.
   * A size above 1.25 targets at the fastest leg's rate is not shared but kept by its leg:
   * the sizer grows a leg past a token bucket's refill (sizer.ts steadyBytes), the refill
   * grows with the other legs' transfers, and sharing it made every leg's grow round after
   * round (a simulated 1% loss line, whose rates jump as a bucket's do, went from 0.2 to 3.5
   * MB transfers in 8 rounds). A short flow's lengthening (lengthenFlow) is kept too, and
   * cheap upload legs keep their held size.
   *
   * Why: where transfers end in slow start (a long path, a server whose TCP restarts its window
   * after idle, as CUBIC does), a smaller transfer reads slower, and a leg sized from its own
   * rate is then sized smaller again. On the WAN lab's 80 Mbit/s, 150 ms clean path with a
   * CUBIC server every run's plain leg, whose ramp happened to end at 0.6 MB against TLS's
   * 0.9, settled at 4.2 MB against 5.0-5.9 and read about 10% slower: unshaped ratios
   * 0.83-1.02, 95% intervals down to 0.73, the nearest any lab line came to a false finding
   * (bench/RESULTS.md "CUBIC's slower second leg"). The sizes of a round are fixed before it
   * from the rates so far, the ramps' included, so no leg's size follows its partner's
   * transfer in the same round.
   */
  shareSizes(legs: LegSpec[]): void {
    for (const direction of ['down', 'up'] as const) {
      const group = legs
        .map((s) => this.leg(s))
        .filter((l) => l.spec.direction === direction && !l.cheap)
        .map((leg) => ({ leg, mbps: recentMbps(leg) }))
        .filter((g) => g.mbps > 0);
      if (group.length < 2) continue;
      const fastestMbps = Math.max(...group.map((g) => g.mbps));
      const ceiling = (l: HttpLeg) => (MARGIN_RATIO * fastestMbps * 1000 * l.sizer.targetMs) / 8;
      const scaled = group.map(({ leg, mbps }) => ({ leg, scale: Math.min(1, (MARGIN_RATIO * mbps) / fastestMbps) }));
      const within = scaled.filter((g) => g.scale === 1).map((g) => g.leg);
      const sharedBytes = Math.exp(mean(within.map((l) => Math.log(Math.min(l.nextBytes, ceiling(l))))));
      for (const { leg, scale } of scaled) {
        const bytes = Math.min(leg.sizer.maxBytes, snapBytes(sharedBytes * scale, leg.sizer));
        // Within the margin the shared size replaces the leg's own, unless its own is a size grown past the ceiling.
        const ownBytes = scale === 1 && leg.nextBytes <= ceiling(leg) ? 0 : leg.nextBytes;
        leg.nextBytes = Math.max(bytes, ownBytes, leg.floorBytes);
      }
    }
  }

  /**
   * The next round does not fit what is left of the budget: each leg's transfers shrink to an
   * even share of it over `rounds` rounds, but never below the path's window-limited floor
   * (shorter ones read TCP's window, and rule 1 would leave their rounds out), so a run may
   * then afford fewer rounds than an interval needs and say so. A budget that does not buy one
   * round at the floor ends the run before it, inconclusive with what a round needs (engine.ts,
   * `budget-too-small`): an explicit --budget-mb 12 on loopback at 5 Gbit/s, where the floor
   * is 9 MB a transfer. Cheap upload legs keep their held size, which the share leaves them.
   * True when a transfer was made smaller.
   */
  fitToBudget(legs: LegSpec[], ctx: DriverContext, rounds: number): boolean {
    const share = this.shareBytes(legs, ctx, Math.max(1, rounds));
    const floorOf = (leg: HttpLeg) => {
      const rttMs = Number.isFinite(leg.minTtfbMs) ? leg.minTtfbMs : this.leastTtfbMs;
      return Math.max(leg.sizer.minBytes, Number.isFinite(rttMs) ? Math.ceil((recentMbps(leg) * 1000 * windowFloorMs(rttMs)) / 8) : 0);
    };
    let smaller = false;
    for (const spec of legs) {
      const leg = this.leg(spec);
      if (leg.cheap) continue;
      const bytes = Math.max(share, floorOf(leg));
      if (bytes >= leg.nextBytes) continue;
      leg.fullMaxBytes = Math.min(leg.fullMaxBytes, bytes);
      leg.sizer = { ...leg.sizer, maxBytes: Math.min(leg.sizer.maxBytes, bytes) };
      leg.nextBytes = bytes;
      smaller = true;
    }
    return smaller;
  }

  roundCost(legs: LegSpec[], asRead = false): { bytes: number; ms: number } {
    const costs = legs.map((spec) => this.legCost(spec, asRead));
    return { bytes: costs.reduce((s, c) => s + c.bytes, 0), ms: costs.reduce((s, c) => s + c.ms, 0) };
  }

  /**
   * A measured (or ramped) leg costs its next transfer. One not yet measured (a reference
   * admitted once screening has its answer, engine.ts admitDeferredReferences) would cost what
   * the measured downloads make, an upload its cheap size on this path (followRtt) or what
   * lasts its target at the downloads' rate, whichever is less; its ramp would otherwise
   * count as a transfer of 128 KiB.
   *
   * `asRead`: a cheap upload whose transfers last under WINDOW_LIMITED_RTTS round trips at the
   * rate it has shown grows to the usual size after two unreadable rounds (engine.ts
   * growDifferingUploads), so it costs that size. Asked of the late upload pair once its ramp
   * has shown the upstream: on the WAN lab's 50 Mbit/s, 50 ms line (an upstream as fast as
   * the downstream) the pair planned at the cheap size ramped, ran two unreadable rounds, grew,
   * and could no longer reach an interval: 8-12 MB for nothing. Before the ramp the upstream is
   * unknown, and most lines' is slower than their downstream, where the cheap size reads; a
   * ramp on a long path reads slow start, so a pair may still run a round before it shows.
   */
  private legCost(spec: LegSpec, asRead: boolean): { bytes: number; ms: number } {
    const rttMs = Number.isFinite(this.leastTtfbMs) ? this.leastTtfbMs : 0;
    const known = this.legs.get(spec.id);
    if (known && (known.samples.length || known.rampMbps > 0)) {
      const ms = known.sizer.targetMs * 1.5 + 50;
      // The fastest it has shown: on a long path a fresh connection's ramp reads slow start.
      const mbps = Math.max(known.rampMbps, ...known.samples.map((t) => t.mbps));
      const unreadable = asRead && known.cheap && mbps > 0 && (known.sizer.maxBytes * 8) / (mbps * 1000) < WINDOW_LIMITED_RTTS * rttMs;
      return { bytes: unreadable ? Math.max(known.nextBytes, (mbps * 1000 * known.sizer.targetMs) / 8) : known.nextBytes, ms };
    }
    const targetMs = targetForRtt(DOWNLOAD_SIZER.targetMs, rttMs);
    const leg = this.leg(spec);
    const downloads = [...this.legs.values()].filter((l) => l.spec.direction === 'down' && l.samples.length);
    const cheapBytes = Math.min(leg.fullMaxBytes, Math.round((CHEAP_UPLOAD_BYTES * targetMs) / DOWNLOAD_SIZER.targetMs));
    // Its ramp sizes an upload to its target at its own rate, up to the cheap size; that rate
    // is unknown before the ramp, and most lines' upstream is no faster than the downstream
    // the downloads have shown. The cheap size alone (2.9 MB a transfer at 110 ms) priced the
    // pair out on a 13 Mbit/s line whose TLS uploads a shaper held to 1 Mbit/s (bench/RESULTS.md,
    // 2026-12-05 20:13). An upstream faster than that shows in the ramp, and withinReach then
    // counts the legs as measured.
    const downloadMbps = Math.max(0, ...downloads.map(recentMbps));
    const atLineBytes = downloadMbps > 0 ? Math.round((downloadMbps * 1000 * targetMs) / 8) : Infinity;
    const bytes = leg.cheap ? Math.min(cheapBytes, atLineBytes) : Math.max(leg.nextBytes, ...downloads.map((l) => l.nextBytes));
    return { bytes, ms: Math.max(targetMs, ...downloads.map((l) => l.sizer.targetMs)) * 1.5 + 50 };
  }

  async measure(spec: LegSpec, round: number, ctx: DriverContext): Promise<Measured> {
    const leg = this.leg(spec);
    const flow = { connection: leg.connection, carriedBytes: leg.carriedBytes };
    const sample = { ...(await this.transfer(spec, round, ctx)), flow };
    leg.floorBytes = 0;
    leg.samples.push(sample);
    this.followRtt(leg, leg.samples.slice(-RECENT_WAITS));
    leg.nextBytes = steadyBytes(leg.samples, leg.sizer, Math.max(0, ...leg.waitsMs.slice(-RECENT_WAITS))) ?? leg.nextBytes;
    return { sample: sample satisfies MeasuredTransfer, bytesUsed: sample.bytes, flowBytes: flow.carriedBytes + sample.bytes };
  }

  /**
   * On a long path a transfer must last more round trips than the usual 200 ms allow (sizer.ts
   * targetForRtt). A download's time to its first byte, on a kept-alive connection, is about
   * one round trip plus the endpoints' own delays, so the least of the recent ones is taken
   * (as paired-rounds.ts pathRttMs). Uploads have none of their own; they cross the same path, so
   * they follow the least the run's downloads have shown, and a cheap upload leg's cap grows
   * with its target (a 512 KiB upload on a 150 ms path is a few round trips of slow start,
   * whose rate the connection's own loss history sets, not any shaper).
   */
  private followRtt(leg: HttpLeg, samples: TransferSample[]): void {
    for (const s of samples) if (s.ttfbMs > 0) this.leastTtfbMs = Math.min(this.leastTtfbMs, s.ttfbMs);
    const ttfbs = samples.map((s) => s.ttfbMs).filter((ms) => ms > 0);
    const rttMs = ttfbs.length ? Math.min(...ttfbs) : this.leastTtfbMs;
    if (!Number.isFinite(rttMs)) return;
    leg.minTtfbMs = Math.min(leg.minTtfbMs, rttMs);
    const targetMs = targetForRtt(DOWNLOAD_SIZER.targetMs, rttMs);
    // A fast line's shorter transfers stay above the window-limited floor of this path.
    const capMs = leg.targetCapMs === undefined ? Infinity : Math.max(leg.targetCapMs, hardFloorMs(rttMs));
    leg.sizer = { ...leg.sizer, targetMs: Math.min(targetMs, capMs) };
    if (leg.cheap) {
      leg.sizer.maxBytes = Math.min(leg.fullMaxBytes, Math.round((CHEAP_UPLOAD_BYTES * targetMs) / DOWNLOAD_SIZER.targetMs));
    }
  }

  lengthenFlow(spec: LegSpec, bytesPerTransfer: number): boolean {
    const leg = this.leg(spec);
    const wanted = snapBytes(bytesPerTransfer, leg.sizer);
    leg.nextBytes = Math.min(leg.sizer.maxBytes, Math.max(leg.nextBytes, wanted));
    leg.floorBytes = leg.nextBytes;
    return true;
  }

  /** An endpoint that stops answering fails the run: there is no partial answer to keep. */
  keepsRoundsOn(): boolean {
    return false;
  }

  private async transfer(spec: LegSpec, round: number, ctx: DriverContext): Promise<TransferSample> {
    const leg = this.leg(spec);
    const bytes = leg.nextBytes;
    const endpoint = this.target.mode === 'endpoint';
    const url = payloadUrl(this.target, spec, bytes, this.seed, ++this.nonce, endpoint && leg.closeNext);
    // Elsewhere the client ends the connection itself (flowsRenew).
    const closeConnection = !endpoint && leg.closeNext;
    let sample: TransferSample;
    const requestedAt = this.deps.clock.now();
    if (this.mirror && spec.direction === 'down') return this.mirrorTransfer(this.mirror, spec, bytes, round, requestedAt, closeConnection, ctx);
    try {
      if (spec.direction === 'up') {
        sample = await timedUpload(this.deps, { url, body: makePayload(spec.payload, this.seed, bytes), scheme: spec.scheme, signal: ctx.signal, flow: spec.id, closeConnection });
      } else {
        sample = await timedDownload(this.deps, {
          url,
          expectBytes: bytes,
          scheme: spec.scheme,
          signal: ctx.signal,
          flow: spec.id,
          closeConnection,
          onBytes: (got, ms) => ctx.progress(spec.id, round, got, ms > 0 ? (got * 8) / (ms * 1000) : 0),
        });
      }
    } catch (err) {
      ctx.spend(bytes);
      if (spec.scheme === 'http' && err instanceof MeasureError && (err.kind === 'redirect' || err.kind === 'http-status')) {
        throw new Interference(`the plaintext leg was interfered with: ${err.message}`);
      }
      throw err;
    }
    this.afterTransfer(spec, round, requestedAt, sample, ctx);
    await this.checkIntegrity(spec, bytes, sample, ctx);
    return sample;
  }

  private afterTransfer(spec: LegSpec, round: number, requestedAt: number, sample: TransferSample, ctx: DriverContext): void {
    const leg = this.leg(spec);
    leg.carriedBytes += sample.bytes;
    if (leg.closeNext) Object.assign(leg, { closeNext: false, connection: leg.connection + 1, carriedBytes: 0 });
    if (sample.mbps > 0) leg.lastMbps = sample.mbps;
    if (round >= 0 && leg.endedAtMs !== undefined) leg.waitsMs.push(requestedAt + sample.ttfbMs - leg.endedAtMs);
    leg.endedAtMs = this.deps.clock.now();
    ctx.progress(spec.id, round, sample.bytes, sample.mbps, true);
  }

  /**
   * A byte range of a mirror's file. The session compares every plaintext range with the same
   * bytes over TLS (in this round's TLS transfer, or at endRound), so no digest is asked for.
   */
  private async mirrorTransfer(
    mirror: MirrorSession,
    spec: LegSpec,
    bytes: number,
    round: number,
    requestedAt: number,
    closeConnection: boolean,
    ctx: DriverContext,
  ): Promise<TransferSample> {
    const out = await mirror.transfer({
      scheme: spec.scheme,
      port: spec.port,
      bytes,
      round,
      signal: ctx.signal,
      flow: spec.id,
      closeConnection,
      onBytes: (got, ms) => ctx.progress(spec.id, round, got, ms > 0 ? (got * 8) / (ms * 1000) : 0),
    });
    if (out.outcome !== 'sample') {
      ctx.spend(out.bytesUsed);
      throw refusalError(out);
    }
    this.afterTransfer(spec, round, requestedAt, out.sample, ctx);
    return out.sample;
  }

  async endRound(ctx: DriverContext): Promise<void> {
    if (!this.mirror) return;
    const verified = await this.mirror.verifyPending(ctx.signal);
    if (verified.outcome === 'verified') {
      ctx.spend(verified.verifyBytes);
      return;
    }
    ctx.spend(verified.bytesUsed);
    throw refusalError(verified);
  }

  /** The plaintext leg must carry the very bytes the endpoint vouches for over TLS (its Repr-Digest). */
  private async checkIntegrity(spec: LegSpec, bytes: number, sample: TransferSample, ctx: DriverContext): Promise<void> {
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
    const trusted = await this.trustedDigest(spec, bytes, key, ctx);
    if (trusted !== sample.digest) {
      throw new Interference(
        `the plaintext body of ${bytes} bytes differs from what the endpoint sent over TLS (digest ${sample.digest} instead of ${trusted})`,
      );
    }
  }

  private async trustedDigest(spec: LegSpec, bytes: number, key: string, ctx: DriverContext): Promise<string> {
    const known = this.trustedDigests.get(key);
    if (known) return known;
    const url = digestUrl(this.target, spec.payload, bytes, this.seed);
    const res = await this.deps.fetch(url, { method: 'HEAD', redirect: 'manual', cache: 'no-store', signal: ctx.signal });
    const digest = parseReprDigest(res.headers.get('repr-digest'));
    if (res.status !== 200 || !digest) {
      throw new MeasureError('bad-endpoint', `${url} gave no Repr-Digest (HTTP ${res.status}): the plaintext leg cannot be verified`);
    }
    this.trustedDigests.set(key, digest);
    return digest;
  }
}

/**
 * A leg's recent rate: the median of its last rounds and, until there are a few, its last ramp
 * transfer too. A single very short transfer can read far above the line (bytes already in the
 * socket's buffer when its first byte is timed: 4854 Mbit/s on a gigabit lab line), and the
 * median of two is their mean.
 */
function recentMbps(l: HttpLeg): number {
  const rounds = l.samples.slice(-RECENT_WAITS).map((t) => t.mbps);
  const rampMbps = l.rampMbps > 0 ? [l.rampMbps] : [];
  const xs = rounds.length >= 3 ? rounds : [...rounds, ...rampMbps];
  return xs.length ? median(xs) : 0;
}

/** A mirror's refusal as the run's end: interference is a verdict, the rest a failure with its reason. */
function refusalError(r: MirrorRefusal): Error {
  if (r.outcome === 'interfered') return new Interference(r.reason);
  return new MeasureError(r.outcome, r.reason, r.outcome === 'busy' ? r.retryAfter : undefined);
}
