// The measurement engine: interleaved rounds over a driver's legs until every pair has its
// answer or the budget is spent, then the decision (decision.ts). The same loop runs against
// our endpoint, any file served over both schemes, and M-Lab (driver.ts).
//
//   const engine = new Engine(deps, opts, driver);
//   try { await engine.run(); } catch (err) { return engine.failed(err); }
//   return engine.finish();
import { byId, lowEntropyPairMoot, type ById } from '../decision-notes.js';
import { decide, type Decision, type DecisionInput, type StoppingRule } from '../decision.js';
import { MARGIN_RATIO } from '../margin.js';
import { MIN_ROUNDS } from '../interval-rule.js';
import { MIN_FLOW_BYTES, pairNeedsRounds, shortFlowLegs } from '../needs-rounds.js';
import { pathRttMs, type MeasuredLeg } from '../paired-rounds.js';
import { Interference, MeasureError } from '../errors.js';
import type { Clock } from '../io.js';
import { EXTRA_ROUNDS, extendedBudgetBytes, planFastLine, PLANNED_ROUNDS, REPLAN_AFTER_ROUNDS, roundsToPlan, roundsToSettle, type FastLinePlan } from '../fast-line.js';
import { addNote, type Note, type RunError } from '../notes.js';
import { extendedDurationMs } from '../time-budget.js';
import { explains } from '../error-budget.js';
import { legsOf, roundOrder, type PairSpec } from '../plan.js';
import type { Comparison, LegSpec, Progress, Result, Verdict } from '../types.js';
import type { Driver, DriverContext } from './driver.js';
import { Looks } from './looks.js';
import { FlowRenewal } from './flow-renewal.js';
import { resultOf } from './result.js';

/**
 * The slowest upstream, as a share of the downstream, that a late upload pair is admitted for
 * before its ramp: cable and DSL lines commonly send at a tenth of what they receive or more.
 */
const SLOW_UPSTREAM_SHARE = 0.1;

export interface EngineDeps {
  clock: Clock;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** This client's own TLS goodput with no network in between (decision.ts rule 10). */
  clientTlsCapacityMbps?: () => Promise<number>;
  /**
   * The run's hard time limit, when the caller holds every request to one (deadline-fetch.ts):
   * rounds completed before it stay measured, and a diagnosis leg it cuts off is not a failure
   * of that leg.
   */
  deadline?: { expired(): boolean; remainingMs(): number };
  /**
   * A fast line raised the budget (fast-line.ts): called before any round spends more than the
   * budget the run started with, so the user is told the cost first.
   */
  onBudgetRaised?: (raised: BudgetRaised) => void;
  /**
   * After every round, the verdict a run stopped there would give: the stopping-rule
   * simulation (bench/sim-stopping.ts) counts false findings at every stopping time with it.
   */
  onLook?: (look: Look) => void;
  /**
   * The run needs more time than it planned, within the caller's cap (time-budget.ts): called
   * before the rounds that use it, so the user is told the wait first.
   */
  onTimeExtended?: (extended: TimeExtended) => void;
}

export interface TimeExtended {
  /** The run's time from now on, and the cap it grows within. */
  maxDurationMs: number;
  capDurationMs: number;
}

export interface BudgetRaised {
  lineMbps: number;
  /** The budget from now on, and what the planned rounds are expected to cost. */
  budgetBytes: number;
  plannedBytes: number;
  /** What the planned rounds need at full-length-enough transfers: above capBytes, a cap that binds. */
  neededBytes: number;
  capBytes: number;
  targetMs: number;
}

export interface Look {
  round: number;
  bytesUsed: number;
  verdict: Verdict;
  /**
   * What the run would report if its budget or time limit ended it after this round, where
   * that differs from `verdict` (the repeated-interval rule's final look, decision.ts rule 2r).
   */
  verdictIfEnded?: Verdict;
}

export interface EngineOptions {
  /** 'auto': the plan's follow-up pairs only once screening sees a difference. */
  diagnose: 'auto' | 'always' | 'never';
  budgetBytes: number;
  /**
   * The most a fast line may raise the budget to (fast-line.ts); the budget itself when
   * absent, so a run never spends more than its budget unless its caller allows it.
   */
  capBytes?: number;
  /** The time the run plans for (time-budget.ts PLANNED_DURATION_MS, or less). */
  maxDurationMs: number;
  /** How comparisons decide (decision.ts StoppingRule); DEFAULT_STOPPING_RULE when absent. */
  stoppingRule?: StoppingRule;
  /**
   * The longest the run may take when its answer needs more rounds (time-budget.ts);
   * maxDurationMs when absent. Within the caller's hard deadline.
   */
  capDurationMs?: number;
  /** Draws each round's order of legs (plan.ts roundOrder): the run's seed. */
  orderSeed: number;
}

/** What an earlier attempt of the same run spent (a provider that falls back to another server). */
export interface Spent {
  startedAtMs: number;
  bytesUsed: number;
}

interface EngineLeg extends MeasuredLeg {
  prepared: boolean;
}

export class Engine {
  private readonly startedAt: number;
  private bytesUsed: number;
  /** The byte budget: the caller's, or what a fast line raised it to within capBytes. */
  private budgetBytes: number;
  /** The time budget: the caller's planned time, or what an open answer extended it to within capDurationMs. */
  private maxDurationMs: number;
  /** The plan a line asked for (planForLine); `longPath` when its round trips set the transfers' length. */
  private fastLine?: FastLinePlan & { lineMbps: number; longPath?: { rttMs: number; pathTargetMs: number } };
  /**
   * The budget or the time was extended for rounds an open pair's estimate asked for
   * (extendForLine, extendTime): when such a run ends then depends on its data, so it takes no
   * final look (endedComparisons).
   */
  private extendedForEstimate = false;
  /** The fastest line rate a plan was made for (planForLine), to plan again when the line proves faster. */
  private plannedLineMbps = 0;
  private rounds = 0;
  private readonly legs = new Map<string, EngineLeg>();
  private comparisons: Comparison[] = [];
  private readonly notes: Note[] = [];
  private active: PairSpec[];
  /** Under --diagnose, the round from which each port swap runs (startSwaps). */
  private readonly swapFrom = new Map<string, number>();
  private lastProgressAt = -Infinity;
  private referencesPending: boolean;
  /** The references did not fit beside screening (admitReferences): they wait for its answer. */
  private referencesDeferred?: { transferBytes: number; wantedBytes: number };
  /** References admitted once screening had its answer: they live on what the user's budget left. */
  private readonly lateReferences = new Set<string>();
  /** Late references admitted for their ramp to show the upstream's rate (admitDeferredReferences). */
  private readonly pricedByRamp = new Set<string>();
  /** The comparisons at each look (looks.ts), over every pair the plan can hold: they share the error budget (error-budget.ts pairAlpha). */
  private readonly looks: Looks;
  private readonly renewal: FlowRenewal;
  private readonly ctx: DriverContext;

  constructor(
    private readonly deps: EngineDeps,
    private readonly opts: EngineOptions,
    private readonly driver: Driver,
    initialNotes: Note[] = [],
    carried?: Spent,
  ) {
    this.startedAt = carried?.startedAtMs ?? deps.clock.now();
    this.bytesUsed = carried?.bytesUsed ?? 0;
    this.budgetBytes = opts.budgetBytes;
    this.maxDurationMs = opts.maxDurationMs;
    for (const n of initialNotes) addNote(this.notes, n);
    this.active = [...driver.plan.screening];
    const plan = driver.plan;
    const held = [...new Set([...plan.screening, ...plan.references, ...plan.diagnosis, ...plan.followUp, ...plan.uploadFollowUp].map((p) => p.id))];
    this.renewal = new FlowRenewal(driver);
    this.looks = new Looks({ ...(opts.stoppingRule ? { rule: opts.stoppingRule } : {}), held, freshFlows: driver.flowsRenew === true }, (spec) => this.leg(spec));
    // An automatic run admits the references once screening's ramps have shown what the path
    // and the budget allow (admitReferences); --diagnose asks for every pair whatever it costs.
    this.referencesPending = opts.diagnose === 'auto' && driver.plan.references.length > 0;
    if (opts.diagnose === 'always') this.addPairs(driver.plan.diagnosis);
    // Getters over the engine's own fields, so a driver always reads the figures of now.
    const figures = () => ({ bytesUsed: this.bytesUsed, elapsedMs: this.elapsedMs(), rounds: this.rounds, budgetBytes: this.budgetBytes, maxDurationMs: this.maxDurationMs });
    this.ctx = {
      get budgetBytes() {
        return figures().budgetBytes;
      },
      get maxDurationMs() {
        return figures().maxDurationMs;
      },
      get bytesUsed() {
        return figures().bytesUsed;
      },
      get elapsedMs() {
        return figures().elapsedMs;
      },
      get rounds() {
        return figures().rounds;
      },
      spend: (bytes) => {
        this.bytesUsed += bytes;
      },
      note: (n) => addNote(this.notes, n),
      progress: (leg, round, bytes, mbps, transferDone) => this.progress(leg, round, bytes, mbps, transferDone),
      signal: deps.signal,
    };
  }

  /**
   * The references run in every automatic run whose budget lets each full-size leg keep half
   * its target beside them; otherwise the run says what it left out and why, in numbers. True
   * when they were admitted now (their legs then need preparing); on a long path the answer
   * waits for two screening rounds, and the references join from the next.
   */
  private admitReferences(): boolean {
    const references = this.driver.plan.references;
    if (!this.driver.referencesFit) {
      this.referencesPending = false;
      this.addPairs(references);
      return true;
    }
    const fit = this.driver.referencesFit(legsOf(references), this.ctx);
    if (!fit) return false;
    this.referencesPending = false;
    if (fit.fits) {
      this.addPairs(references);
      return true;
    }
    this.referencesDeferred = { transferBytes: fit.transferBytes, wantedBytes: Math.round(fit.wantedBytes) };
    return false;
  }

  /**
   * References that did not fit beside screening get what screening left, once it has said "the
   * same": on a 45 Mbit/s line 26 ms away a default run settled screening in 7 rounds, 5 s and
   * 20 MB of its 60, and never looked at uploads, which a shaper held to a third
   * (bench/RESULTS.md, 2026-12-05 17:19). All of them where the budget and the planned time buy
   * MIN_ROUNDS + 2 rounds of their legs, as admitReferences plans (not on a fast line, below);
   * else the upload pair alone, whose legs are cheap and whose rounds leave the download legs
   * idle, at the downloads' rate or, for its ramp to show the upstream, a tenth of it (below);
   * else neither, and the run says so in the numbers of the first attempt. Screening's
   * answer stands as it was read: the upload pair's rounds add none to it, and with every
   * reference its legs run on as in any run that admitted them at once. Their alpha was held
   * from the start (error-budget.ts), so when they start changes no error rate. Within the
   * user's budget and, until they show a difference (spareCheck), the planned time alone: a
   * budget raised on a fast line or a long path, and the time a run may ask for, were announced
   * for screening's rounds, not for these (the WAN lab's 59 Mbit/s, 100 ms line spent 111-120 MB
   * where screening alone had taken 63, when the upload pair could use a raised budget;
   * withinReach, extendForLine, extendTime).
   */
  private admitDeferredReferences(): void {
    const deferred = this.referencesDeferred;
    if (!deferred || this.screen()?.outcome !== 'same') return;
    this.referencesDeferred = undefined;
    const references = this.driver.plan.references;
    const reach = (pairs: PairSpec[], bytesShare = 1) => this.roundsAffordable(legsOf(pairs), this.remainingMs(), true, bytesShare) >= MIN_ROUNDS + 2;
    const admit = (pairs: PairSpec[]) => {
      for (const p of pairs) this.lateReferences.add(p.id);
      this.addPairs(pairs);
    };
    // On a fast line the plan and its shorter transfers were made for screening's rounds: new
    // download legs would make it anew.
    if (!this.fastLine && reach(references)) {
      admit(references);
      return;
    }
    const uploads = references.filter((p) => p.suspect.direction === 'up');
    // Where the pair is out of reach at the downstream's rate but an upstream a tenth as fast
    // would bring it within, its ramp shows which. On a 13 Mbit/s line 110 ms away whose
    // upstream ran at 2.9 Mbit/s (TLS uploads held to 1), screening's 12 rounds left 20 MB,
    // less than eight rounds at 1.7 MB a leg, where the legs' transfers were 0.2-0.4 MB, and
    // the run said "no difference" (bench/RESULTS.md, 2026-12-05 21:49). On a long path the
    // ramp's one short transfer reads slow start, below the line; so each round the pair must
    // still reach the rounds this admission asks, priced as its legs have run (withinReach).
    const atLineRate = uploads.length > 0 && reach(uploads);
    const byRamp = uploads.length > 0 && !atLineRate && reach(uploads, SLOW_UPSTREAM_SHARE);
    if (atLineRate || byRamp) {
      admit(uploads);
      if (byRamp) for (const p of uploads) this.pricedByRamp.add(p.id);
      addNote(this.notes, { code: 'reference-unchecked', pair: 'tls-vs-low-entropy', rounds: 0, minRounds: MIN_ROUNDS });
      return;
    }
    addNote(this.notes, this.referencesSkipped(deferred));
  }

  private referencesSkipped(fit: { transferBytes: number; wantedBytes: number }): Note {
    return { code: 'references-skipped', transferBytes: fit.transferBytes, wantedBytes: fit.wantedBytes, budgetBytes: this.opts.budgetBytes };
  }

  private addPairs(pairs: PairSpec[]): void {
    for (const p of pairs) if (!this.active.some((a) => a.id === p.id)) this.active.push(p);
  }

  private elapsedMs(): number {
    return this.deps.clock.now() - this.startedAt;
  }

  spent(): Spent {
    return { startedAtMs: this.startedAt, bytesUsed: this.bytesUsed };
  }

  /** Share of the byte or time budget spent, whichever is larger. */
  budgetShare(): number {
    return Math.min(1, Math.max(this.bytesUsed / this.budgetBytes, this.elapsedMs() / Math.max(this.maxDurationMs, this.opts.capDurationMs ?? 0)));
  }

  private progress(leg: string, round: number, bytes: number, mbps: number, transferDone = false): void {
    const t = this.deps.clock.now();
    if (t - this.lastProgressAt < 100 && !transferDone) return;
    this.lastProgressAt = t;
    this.deps.onProgress?.({
      phase: round < 0 ? 'ramp' : 'rounds',
      leg,
      bytes,
      mbps,
      round: Math.max(round + 1, 0),
      transferDone,
      budgetShare: this.budgetShare(),
    });
  }

  private leg(spec: LegSpec): EngineLeg {
    let l = this.legs.get(spec.id);
    if (!l) {
      l = { spec, samples: new Map(), flowBytes: 0, prepared: false };
      this.legs.set(spec.id, l);
    }
    return l;
  }

  private screen(): Comparison | undefined {
    return this.comparisons.find((c) => c.id === 'screen');
  }

  /**
   * The pairs that still need rounds (decision.ts rules 6 and 7). The port swap of uploads
   * asks "this way too?" of the upload pair's direction, as the download one does of screening's.
   */
  private needingRounds(): PairSpec[] {
    const c = byId(this.comparisons);
    const uploadSwap = new Set(this.driver.plan.uploadFollowUp.map((p) => p.id));
    return this.active.filter(
      (p) =>
        !this.moot(p, c) &&
        pairNeedsRounds(p, c[p.id], (uploadSwap.has(p.id) ? c['upload'] : c['screen'])?.outcome, this.legs, this.driver.flowsMayGrow),
    );
  }

  /**
   * References a download finding makes moot while it stands: TLS against the low-entropy body
   * (the verdict then rests on screening, and the entropy pair alone tells the cause), and
   * uploads that have shown no difference (they add no cause to one found in downloads). Each
   * would cost a leg per round of the port swap; in the WAN lab they raised a port cap's run
   * from 32 to 53 MB. Should screening lose its finding, they run again. And port swaps whose
   * pair settled without a finding (below), or, under --diagnose, whose pair has shown no
   * difference yet (startSwaps). And a pair of the low-entropy reference whose partner has
   * shown no difference, while screening has no finding (decision-notes.ts lowEntropyPairMoot): on
   * 1000 simulated unshaped lines it took the median run from 34.0 to 32.1 MB (bench/RESULTS.md).
   */
  private moot(p: PairSpec, c: ById): boolean {
    const screen = c['screen']?.outcome;
    const upload = c['upload'];
    // A port swap only names the cause of its pair's finding: once that pair has settled
    // without one (or is moot itself), the swap has nothing left to explain. Under the
    // repeated-interval rule it has no alpha until then (error-budget.ts), so a swap that
    // leans past the margin would otherwise run to the end of the budget.
    const parent = explains(p.id);
    if (parent && this.opts.diagnose === 'always' && !this.swapFrom.has(p.id)) return true;
    if (parent === 'screen' && screen === 'same') return true;
    if (parent === 'upload') {
      const uploadPair = this.active.find((q) => q.id === 'upload');
      if (upload?.outcome === 'same' || (uploadPair && this.moot(uploadPair, c))) return true;
    }
    if (lowEntropyPairMoot(p.id, c)) return true;
    if (screen !== 'slower' && screen !== 'faster') return false;
    // Only a reference: where uploads are what a download finding adds (M-Lab), they run.
    if (!this.driver.plan.references.some((r) => r.id === p.id)) return false;
    return p.id === 'tls-vs-low-entropy' || (p.id === 'upload' && (!upload || !shows(upload)));
  }

  /**
   * The upload pair runs cheap (http-driver.ts CHEAP_UPLOAD_BYTES) until it shows a
   * difference (an estimate past the margin after two rounds, or a finding) or until two of
   * its rounds were too short to read. Then its legs grow to the usual transfer (and, every
   * round their transfers stay too short, past the bound a plan set from such reads), and an
   * automatic run adds the port swap of uploads, whose legs start grown. True when that swap
   * was added now.
   */
  private growDifferingUploads(): boolean {
    const upload = this.comparisons.find((c) => c.id === 'upload');
    const pair = this.active.find((p) => p.id === 'upload');
    // A cheap transfer that lasts under five round trips reads TCP's window, not the line
    // (decision.ts rule 1): on such an upstream the legs need the usual size to show anything.
    const unreadable = (upload?.windowLimitedRounds ?? 0) >= 2;
    if (!upload || !pair || !(shows(upload) || unreadable)) return false;
    const swap = this.driver.plan.uploadFollowUp;
    // The swap's legs grow with the pair's (under --diagnose they start now, startSwaps).
    const grow = (pairs: PairSpec[]) => {
      for (const p of pairs) for (const l of [p.suspect, p.reference]) this.driver.growLeg?.(l);
    };
    grow([pair, ...swap.filter((p) => this.active.some((a) => a.id === p.id))]);
    const differs = upload.outcome === 'slower' || upload.outcome === 'faster';
    if (!differs || this.opts.diagnose !== 'auto' || !swap.length || swap.every((p) => this.active.some((a) => a.id === p.id))) return false;
    this.addPairs(swap);
    grow(swap);
    return true;
  }

  /**
   * Under --diagnose a port swap runs from the first look at which the pair whose cause it
   * names shows a difference (its estimate past the margin after two rounds, or a finding),
   * not from the first round: on a line with no difference it has nothing to explain, and
   * its legs were a third of a diagnosing run's bytes (simulation, 1000 unshaped lines: a
   * median 50.3 MB against 37.6 MB so held; bench/RESULTS.md). An automatic run waits for
   * the finding itself. Swap pairs have no alpha before that finding either way
   * (error-budget.ts), so when they start changes no error rate.
   */
  private startSwaps(round: number): void {
    for (const p of [...this.driver.plan.followUp, ...this.driver.plan.uploadFollowUp]) {
      if (this.swapFrom.has(p.id)) continue;
      const pair = this.comparisons.find((c) => c.id === explains(p.id));
      if (pair && shows(pair)) this.swapFrom.set(p.id, round);
    }
  }

  /** The round from which the port swap of these pairs has run (Infinity: not yet). */
  private swapStart(pairs: PairSpec[], autoFrom: number): number {
    if (this.opts.diagnose !== 'always') return autoFrom;
    return Math.min(Infinity, ...pairs.map((p) => this.swapFrom.get(p.id) ?? Infinity));
  }

  private isScreening(spec: LegSpec): boolean {
    return legsOf(this.driver.plan.screening).some((s) => s.id === spec.id);
  }

  /**
   * A diagnosis leg that fails (a middlebox refusing HTTP on 443, say) must not cost the
   * screening answer: its pairs are dropped with a note, and the cause stays unknown.
   */
  private async guardDiagnosis(spec: LegSpec, work: () => Promise<void>): Promise<void> {
    if (this.isScreening(spec)) return work();
    try {
      await work();
    } catch (err) {
      if ((err instanceof MeasureError && err.kind === 'aborted') || this.driver.abandonsServer?.(err) || this.deps.deadline?.expired()) throw err;
      this.active = this.active.filter((p) => p.suspect.id !== spec.id && p.reference.id !== spec.id);
      this.legs.delete(spec.id);
      addNote(this.notes, { code: 'diagnosis-dropped', leg: spec.id, detail: describe(err) });
    }
  }

  /** The time left for rounds: the planned time, and the caller's hard deadline when it holds one. */
  private remainingMs(): number {
    return Math.min(this.maxDurationMs - this.elapsedMs(), this.deps.deadline?.remainingMs() ?? Infinity);
  }

  private affordRound(legs: LegSpec[]): boolean {
    const cost = this.driver.roundCost(legs);
    return this.bytesUsed + cost.bytes <= this.budgetBytes && cost.ms <= this.remainingMs();
  }

  async run(): Promise<void> {
    let diagnosisFrom = Infinity;
    let uploadDiagnosisFrom = Infinity;
    for (let round = 0; round < this.driver.maxRounds; round++) {
      try {
        await this.prepareNewLegs();
        if (this.referencesPending && this.admitReferences()) await this.prepareNewLegs();
      } catch (err) {
        // The time limit ending a ramp or probe keeps the rounds before it.
        if (this.rounds === 0 || !this.deps.deadline?.expired()) throw err;
        addNote(this.notes, { code: 'stopped-early', rounds: this.rounds, detail: describe(err) });
        break;
      }
      const legs = legsOf(this.withinReach(this.leanFirst(this.screeningFirst(this.needingRounds()))));
      // Every pair that needed rounds lost its legs in preparation: nothing is left to measure.
      if (!legs.length) break;
      this.driver.shareSizes?.(legs);
      // A round that does not fit: a fast line may buy more within the cap; before an interval
      // exists, shorter transfers may make the rounds it needs fit.
      const fits = () =>
        this.affordRound(legs) ||
        (this.extendForLine(legs) && this.affordRound(legs)) ||
        (this.rounds < MIN_ROUNDS && !!this.driver.fitToBudget?.(legs, this.ctx, MIN_ROUNDS - this.rounds) && this.affordRound(legs)) ||
        (this.extendTime(legs) && this.affordRound(legs));
      if (!fits()) {
        if (round === 0) this.noteBudgetTooSmall(legs);
        else addNote(this.notes, { code: 'budget-spent', rounds: round });
        break;
      }
      if (!(await this.runRound(round, legs))) break;
      this.rounds = round + 1;
      if (this.rounds === REPLAN_AFTER_ROUNDS || this.lineMoved(legs)) this.planForLine(legs);
      const runRttMs = pathRttMs(...this.legs.values());
      this.comparisons = this.looks.compare(this.active, runRttMs);
      this.renewal.renew(this.comparisons, this.legs, runRttMs);
      const verdict = this.decideRun(this.decisionInput()).verdict;
      const ended = this.looks.rule === 'repeated-ci' ? this.decideRun({ ...this.decisionInput(), comparisons: this.endedComparisons() }).verdict : verdict;
      this.deps.onLook?.({ round: this.rounds, bytesUsed: this.bytesUsed, verdict, ...(ended !== verdict ? { verdictIfEnded: ended } : {}) });
      if (this.growDifferingUploads()) uploadDiagnosisFrom = round + 1;
      if (this.opts.diagnose === 'always') this.startSwaps(round + 1);
      const screen = this.screen();
      // A difference that waits for new connections (decision.ts rule 1f) is not explained yet:
      // the bytes go to the rounds that make it a finding (in the WAN lab's delayed throttle,
      // a 60 MB budget paid for the port swaps or for the new connections, not both).
      const sawDifference = screen?.outcome === 'slower' || screen?.outcome === 'faster';
      if (sawDifference && this.opts.diagnose === 'auto' && diagnosisFrom === Infinity && this.driver.plan.followUp.length) {
        diagnosisFrom = round + 1;
        this.addPairs(this.driver.plan.followUp);
        continue;
      }
      this.admitDeferredReferences();
      if (this.needingRounds().length === 0) break;
      this.lengthenShortFlows();
      // The screening answer is what the user asked for; diagnosis pairs that stay unclear
      // once it is clear may run on only while they can still reach their first look.
      const swapFrom = this.swapStart(this.driver.plan.followUp, diagnosisFrom);
      if (screen && screen.outcome !== 'unclear' && round + 1 - swapFrom >= this.diagnosisRounds(this.driver.plan.followUp)) break;
      // The same for the port swap of uploads, once the upload pair has its direction.
      const upload = this.comparisons.find((c) => c.id === 'upload')?.outcome;
      if (screen && screen.outcome !== 'unclear' && (upload === 'slower' || upload === 'faster') && round + 1 - this.swapStart(this.driver.plan.uploadFollowUp, uploadDiagnosisFrom) >= this.diagnosisRounds(this.driver.plan.uploadFollowUp)) break;
    }
    if (this.looks.rule === 'repeated-ci') this.comparisons = this.endedComparisons();
  }

  /**
   * The comparisons as a run that ends now reads them under the repeated-interval rule
   * (decision.ts rule 2r): every pair still open takes its final look, which spends the alpha
   * its earlier looks left. Valid where what ended the run (the budget, the time limit, the
   * round limit) does not depend on the pair's own estimate, so not once the budget was
   * extended for it (extendForLine asks how far the estimate lies from the margin).
   */
  private endedComparisons(): Comparison[] {
    if (this.extendedForEstimate) return this.comparisons;
    return this.looks.compare(this.active, pathRttMs(...this.legs.values()), true);
  }

  /**
   * The rounds diagnosis pairs may run once the answer they explain is clear: enough to reach
   * an interval, with as many again for rounds lost to a busy line. Under rule 2r their first
   * look comes later than MIN_ROUNDS (a port swap shares its finding's alpha: 11 rounds for the
   * upload swap's 0.005), and a cut at 12 rounds left the upload swap without any look.
   */
  private diagnosisRounds(pairs: PairSpec[]): number {
    const looks = pairs.map((p) => this.comparisons.find((c) => c.id === p.id)?.repeatedCi?.firstLook ?? MIN_ROUNDS);
    return Math.max(2 * MIN_ROUNDS, ...looks.map((first) => first + MIN_ROUNDS));
  }

  /**
   * Screening first. The references (plan.ts) add a leg or three to every round; on a long
   * path a round then lasts 5-10 s, and the time limit ended 15% of simulated unshaped runs
   * with screening's interval still open, against 2.5% without them (bench/RESULTS.md "Every
   * run's references"). So when what is left of the budget, in bytes and in time, cannot pay
   * for the rounds screening is expected to need with the references beside it, but buys more
   * of them without, the references rest for this round: screening's answer is the one the
   * user asked for. They run again once screening has its answer (an 'unclear' that needs no
   * more rounds, or the rounds to spare); a reference left with too few rounds to tell is
   * said so by the decision (pair-unsettled), never read as a finding. --diagnose asks for
   * every pair whatever it costs, so it never rests them.
   */
  private screeningFirst(pairs: PairSpec[]): PairSpec[] {
    const references = new Set(this.driver.plan.references.map((p) => p.id));
    if (this.opts.diagnose !== 'auto' || !pairs.some((p) => references.has(p.id))) return pairs;
    const screen = this.screen();
    if (screen && screen.outcome !== 'unclear') return pairs;
    const alone = pairs.filter((p) => !references.has(p.id));
    if (!alone.some((p) => this.driver.plan.screening.some((s) => s.id === p.id))) return pairs;
    const screened = screen?.rounds ?? 0;
    const needed = screened < MIN_ROUNDS ? MIN_ROUNDS - screened : roundsToSettle(screen!) - screened;
    return this.restIfItPays(pairs, alone, needed);
  }

  /**
   * `kept` alone for this round when what is left of the bytes and the planned time cannot pay
   * for the `needed` rounds with every pair, but buys more rounds of `kept` without the rest
   * (screeningFirst, leanFirst); else every pair.
   */
  private restIfItPays(pairs: PairSpec[], kept: PairSpec[], needed: number): PairSpec[] {
    const withAll = this.roundsAffordable(legsOf(pairs), this.remainingMs());
    return needed > withAll && this.roundsAffordable(legsOf(kept), this.remainingMs()) > withAll ? kept : pairs;
  }

  /**
   * The lean first. Once screening has said "the same", the references are all that can still
   * find anything, and the one that shows a difference (its estimate past the margin after two
   * rounds) is the run's open answer. When what is left of the bytes and the time cannot pay
   * for the rounds it is expected to need (fast-line.ts roundsToSettle) with every reference
   * beside it, but buys more of them without, the references that show nothing rest for this
   * round, as the references rest for screening (screeningFirst). A pair sharing a leg with
   * the lean keeps its place: a classifier of encrypted-looking flows is a finding only when
   * both low-entropy pairs read it (decision.ts rule 8), and resting one saves no leg of the
   * other's. On a long path a round of five legs took 10 s, and a classifier at 3x left the
   * low-entropy pairs 5-10 rounds before the two minutes ended, where their repeated interval
   * first looked at ten (nine since they share one weight, error-budget.ts); in
   * simulation (`--entropy`) classifiers at 1.5x/2x/3x were then found in 87/146/159 runs of
   * 200 rather than 71/136/155, upload caps as often or more, and unshaped lines read as
   * before (bench/RESULTS.md, "The lean first"). Which rounds a pair gets depends on the other
   * pairs' data but never on its own rounds to come, so each pair's repeated interval keeps its
   * level (docs/method.md, "The lean first"); a rested pair left short is said so as any other
   * (reference-unchecked, pair-unsettled). --diagnose asks for every pair whatever it costs, so
   * it never rests them.
   */
  private leanFirst(pairs: PairSpec[]): PairSpec[] {
    const lean = this.lean(pairs);
    if (!lean || lean.kept.length === pairs.length) return pairs;
    return this.restIfItPays(pairs, lean.kept, lean.needed);
  }

  /**
   * The lean among these pairs (leanFirst): once screening has said "the same" in a default
   * run, the references that show a difference, the rounds they are expected to need (the
   * most of any), and the pairs that keep their place beside them (screening, and every pair
   * sharing a leg with them). Undefined when no reference shows one.
   */
  private lean(pairs: PairSpec[]): { kept: PairSpec[]; needed: number } | undefined {
    if (this.opts.diagnose !== 'auto' || this.screen()?.outcome !== 'same') return undefined;
    const references = new Set(this.driver.plan.references.map((p) => p.id));
    const c = byId(this.comparisons);
    const leaning = pairs.filter((p) => references.has(p.id) && c[p.id] && shows(c[p.id]!));
    if (!leaning.length) return undefined;
    const leaningLegs = new Set(legsOf(leaning).map((l) => l.id));
    const kept = pairs.filter((p) => !references.has(p.id) || leaningLegs.has(p.suspect.id) || leaningLegs.has(p.reference.id));
    return { kept, needed: Math.max(...leaning.map((p) => roundsToSettle(c[p.id]!) - c[p.id]!.rounds)) };
  }

  /**
   * Once screening has its answer, a reference that cannot reach MIN_ROUNDS rounds (an
   * interval) within what is left of the budget, in bytes and in time up to the caller's cap,
   * is not run: it could never settle, only lean past the margin on a round or two (decision.ts
   * rule 8 then leaves the answer open). With downloads paced at 20 Mbit/s and a 60 MB budget,
   * screening settled with room for one or two cheap upload rounds, which read 4-10x apart
   * (the test line left loopback uploads unpaced, where TLS is the processor's limit) and left
   * 2 of 3 CLI runs open. The decision says such a reference was not checked
   * (reference-unchecked), so "no difference" covers downloads only, in words.
   */
  private withinReach(pairs: PairSpec[]): PairSpec[] {
    const screen = this.screen();
    if (!screen || screen.outcome === 'unclear') return pairs;
    const references = new Set(this.driver.plan.references.map((p) => p.id));
    const capMs = Math.min((this.opts.capDurationMs ?? this.maxDurationMs) - this.elapsedMs(), this.deps.deadline?.remainingMs() ?? Infinity);
    const kept: PairSpec[] = [];
    for (const p of pairs) {
      const have = this.comparisons.find((c) => c.id === p.id)?.rounds ?? 0;
      const late = this.lateReferences.has(p.id);
      const spare = this.spareCheck(p.id);
      const affordable = this.roundsAffordable(legsOf([...kept, p]), spare ? this.remainingMs() : capMs, late);
      // A pair admitted on its ramp's word keeps to the rounds its admission asked, as measured.
      const wanted = spare && this.pricedByRamp.has(p.id) ? MIN_ROUNDS + 2 : MIN_ROUNDS;
      const reachable = have + Math.floor(affordable) >= wanted && (!late || affordable >= 1);
      if (!references.has(p.id) || reachable) kept.push(p);
    }
    return kept;
  }

  /**
   * A late reference (admitDeferredReferences) that has shown no difference: a check made with
   * what screening left, kept to the planned time. One that shows a difference (its estimate
   * past the margin after two rounds) is the run's open answer, and may take the time any open
   * answer may, up to the caller's cap (extendTime), still on the user's own bytes. Through
   * Firefox a 3x upload cap on a 13 Mbit/s, 110 ms line ended `inconclusive` at 57 s, the
   * upload pair at 2.99x (95% 2.77-3.09x) after 10 rounds and one short of settling, when the
   * planned minute left less than a round (bench/RESULTS.md, 2026-12-05 21:49).
   */
  private spareCheck(id: string): boolean {
    if (!this.lateReferences.has(id)) return false;
    const c = this.comparisons.find((x) => x.id === id);
    return !(c && shows(c));
  }

  /**
   * The rounds of these legs (a fraction) that what is left of the budget buys, in bytes and in
   * `timeLeftMs`; `late`: of the user's own budget; `bytesShare`: at that share of their cost in bytes.
   */
  private roundsAffordable(legs: LegSpec[], timeLeftMs: number, late = false, bytesShare = 1): number {
    // Late references (admitDeferredReferences) live on the user's own budget, at the size
    // their legs must run at to be read (http-driver.ts legCost).
    const cost = this.driver.roundCost(legs, late);
    const bytes = cost.bytes * bytesShare;
    const budgetBytes = late ? this.opts.budgetBytes : this.fastLine ? Math.max(this.budgetBytes, this.opts.capBytes ?? 0) : this.budgetBytes;
    const remainingBytes = budgetBytes - this.bytesUsed;
    return Math.min(bytes > 0 ? remainingBytes / bytes : Infinity, cost.ms > 0 ? timeLeftMs / cost.ms : Infinity);
  }

  /** Legs the pairs still needing rounds bring in for the first time get their ramp or probe. */
  private async prepareNewLegs(): Promise<void> {
    const specs = legsOf(this.needingRounds());
    const fresh = specs.filter((s) => !this.leg(s).prepared);
    if (!fresh.length) return;
    await this.driver.prepare(fresh, specs, this.ctx, async (spec, work) => {
      await this.guardDiagnosis(spec, work);
      return this.legs.has(spec.id);
    });
    for (const s of fresh) if (this.legs.has(s.id)) this.leg(s).prepared = true;
    this.planForLine(legsOf(this.needingRounds()));
  }

  /**
   * Once the legs' ramps have measured the line: the transfer length and budget that let the
   * planned rounds fit (fast-line.ts), applied to every leg still measuring. A raised budget
   * is announced before a round spends it, and noted in the Result.
   */
  private planForLine(specs: LegSpec[]): void {
    const line = this.driver.lineEstimate?.(specs);
    if (!line || !specs.length) return;
    this.plannedLineMbps = Math.max(this.plannedLineMbps, line.mbps);
    const capBytes = Math.max(this.budgetBytes, this.opts.capBytes ?? this.opts.budgetBytes);
    const plan = planFastLine({
      lineMbps: line.mbps,
      rttMs: line.rttMs,
      legs: line.sizedLegs,
      heldRoundBytes: line.heldRoundBytes,
      rounds: roundsToPlan(this.rounds),
      targetMs: line.targetMs,
      budgetBytes: this.budgetBytes,
      capBytes,
      bytesUsed: this.bytesUsed,
    });
    // A line the budget follows at full length: nothing to change, unless an earlier plan did.
    // Rounds of uploads alone (the upload pair once screening has its answer, its port swap)
    // read the upstream: where they change nothing, the downloads' plan stands, and its note
    // (a 5 Mbit/s upstream had replaced a 43 Mbit/s line's figures in the lab).
    const downloads = specs.some((s) => s.direction === 'down');
    if (plan.targetMs >= line.targetMs && plan.budgetBytes === this.budgetBytes && (!this.fastLine || !downloads)) return;
    this.driver.limitTransfers?.(specs, plan.targetMs);
    this.raiseBudget(plan.budgetBytes, line.mbps, plan, capBytes);
    const longPath = line.targetMs > line.baseTargetMs ? { rttMs: line.rttMs, pathTargetMs: line.targetMs } : undefined;
    this.fastLine = { ...plan, budgetBytes: this.budgetBytes, lineMbps: line.mbps, ...(longPath ? { longPath } : {}) };
  }

  /**
   * The line has proved faster, past the margin, than any plan was made for, within the
   * planned rounds. On a long path a ramp's transfers are in slow start, and the median of a
   * leg's first two rounds still held the ramp's reading: the WAN lab's 150 ms, 1% loss line
   * was planned at 12 Mbit/s while its rounds ran at 30-35, so transfers sized for 1.3 s lasted
   * 0.5-0.7 s, under five round trips, and 11 of 12 rounds were window-limited (no interval at
   * all). A line that slows is left to the sizer: its transfers only last longer.
   */
  private lineMoved(specs: LegSpec[]): boolean {
    if (!(this.plannedLineMbps > 0) || this.rounds > PLANNED_ROUNDS) return false;
    const line = this.driver.lineEstimate?.(specs);
    return !!line && line.mbps > MARGIN_RATIO * this.plannedLineMbps;
  }

  /**
   * A higher budget, announced before any round spends it. A plan made again that asks for a
   * few percent more keeps the budget already announced: it is an estimate, and a second line
   * saying 169 MB after 168 MB tells the user nothing.
   */
  private raiseBudget(budgetBytes: number, lineMbps: number, plan: Pick<FastLinePlan, 'plannedBytes' | 'neededBytes' | 'targetMs'>, capBytes: number): void {
    const announced = this.budgetBytes > this.opts.budgetBytes;
    if (budgetBytes <= this.budgetBytes || (announced && budgetBytes < 1.05 * this.budgetBytes && budgetBytes < capBytes)) return;
    this.budgetBytes = budgetBytes;
    this.deps.onBudgetRaised?.({ lineMbps, budgetBytes, plannedBytes: plan.plannedBytes, neededBytes: plan.neededBytes, capBytes, targetMs: plan.targetMs });
  }

  /**
   * The planned rounds are spent on a fast line and a pair still needs rounds: the rounds its
   * interval is expected to need at their present size, when they fit within the cap
   * (fast-line.ts roundsToSettle). False when they do not, or the cap is reached.
   */
  private extendForLine(legs: LegSpec[]): boolean {
    const capBytes = Math.max(this.budgetBytes, this.opts.capBytes ?? this.opts.budgetBytes);
    if (!this.fastLine || this.budgetBytes >= capBytes) return false;
    const pairs = this.needingRounds().filter((p) => !this.lateReferences.has(p.id));
    const open = pairs.map((p) => this.comparisons.find((c) => c.id === p.id));
    if (!open.length) return false;
    // Once screening has said "the same", the rounds are the lean's (leanFirst). Else a
    // reference that shows nothing refuses them all: in simulation, against a 2x classifier on
    // a 56 Mbit/s line 19 ms away, the uploads at 0.96x after 12 rounds asked 129 more, more
    // than the cap buys, where the low-entropy pairs at 1.53-1.55x needed 22 (66 MB), and the
    // run ended `inconclusive` with 190 MB of the cap unspent (bench/RESULTS.md, 2026-12-07
    // 12:00, "one weight for the low-entropy pairs").
    const needed = this.lean(pairs)?.needed ?? Math.max(0, ...open.map((c) => (c ? roundsToSettle(c) - c.rounds : Infinity)));
    const roundBytes = this.driver.roundCost(legs).bytes;
    const rounds = Math.max(EXTRA_ROUNDS, needed);
    if (this.bytesUsed + rounds * roundBytes > capBytes) return false;
    const budgetBytes = extendedBudgetBytes(this.budgetBytes, this.bytesUsed, roundBytes, capBytes, rounds);
    this.raiseBudget(budgetBytes, this.fastLine.lineMbps, { ...this.fastLine, plannedBytes: budgetBytes }, capBytes);
    this.fastLine = { ...this.fastLine, budgetBytes: this.budgetBytes };
    this.extendedForEstimate = true;
    return true;
  }

  /**
   * The planned time is spent and the pairs measured in this round still need rounds: the time
   * they are expected to need (fast-line.ts roundsToSettle, or what an interval needs at all),
   * within the cap, while the bytes pay for another round (time-budget.ts). False when no
   * estimate exists, the bytes are spent, or the cap is reached.
   */
  private extendTime(legs: LegSpec[]): boolean {
    const capDurationMs = Math.min(this.opts.capDurationMs ?? this.maxDurationMs, this.elapsedMs() + (this.deps.deadline?.remainingMs() ?? Infinity));
    if (this.maxDurationMs >= capDurationMs) return false;
    const measured = new Set(legs.map((l) => l.id));
    const open = this.needingRounds().filter((p) => measured.has(p.suspect.id) && measured.has(p.reference.id) && !this.spareCheck(p.id));
    // At least EXTRA_ROUNDS, as a fast line's bytes grow (fast-line.ts): a few seconds more
    // at a time would announce a new limit every round.
    let fromEstimate = false;
    const rounds = Math.max(
      0,
      ...open.map((p) => {
        const c = this.comparisons.find((x) => x.id === p.id);
        const have = c?.rounds ?? 0;
        if (have >= MIN_ROUNDS) fromEstimate = true;
        return have < MIN_ROUNDS ? MIN_ROUNDS - have : roundsToSettle(c!) - have;
      }),
    );
    const cost = this.driver.roundCost(legs);
    const byteCap = this.fastLine ? Math.max(this.budgetBytes, this.opts.capBytes ?? 0) : this.budgetBytes;
    if (!(rounds > 0) || this.bytesUsed + cost.bytes > byteCap) return false;
    const maxDurationMs = extendedDurationMs({ elapsedMs: this.elapsedMs(), maxDurationMs: this.maxDurationMs, capDurationMs, rounds: Math.max(EXTRA_ROUNDS, rounds), roundMs: cost.ms });
    if (maxDurationMs === undefined || maxDurationMs <= this.maxDurationMs) return false;
    this.maxDurationMs = maxDurationMs;
    // Rounds asked for by an estimate's distance from the margin: the end now depends on the data.
    if (fromEstimate) this.extendedForEstimate = true;
    this.deps.onTimeExtended?.({ maxDurationMs, capDurationMs });
    return true;
  }

  /**
   * Not one round fits before any was run, even at the shortest transfers the path can be read
   * with (fitToBudget): what a round costs then, and what the rounds a run plans for would, so
   * the user can allow it. Not the fewest an interval needs (MIN_ROUNDS): a larger budget
   * also buys longer ramps, and a simulated gigabit line 20 ms away given 6 rounds' worth ran
   * 5 (test/core/runner.test.ts); the run stops as soon as its answer is clear anyway. Where
   * time, not bytes, is short, the budget note says so.
   */
  private noteBudgetTooSmall(legs: LegSpec[]): void {
    const roundBytes = this.driver.roundCost(legs).bytes;
    if (this.bytesUsed + roundBytes <= this.budgetBytes) {
      addNote(this.notes, { code: 'budget-spent', rounds: 0 });
      return;
    }
    addNote(this.notes, {
      code: 'budget-too-small',
      roundBytes,
      rounds: PLANNED_ROUNDS,
      neededBytes: Math.ceil(this.bytesUsed + PLANNED_ROUNDS * roundBytes),
      budgetBytes: this.budgetBytes,
    });
  }

  /** One round; false when an error after complete rounds ended the run (driver.keepsRoundsOn). */
  private async runRound(round: number, legs: LegSpec[]): Promise<boolean> {
    try {
      for (const spec of roundOrder(legs, this.opts.orderSeed, round)) {
        if (!this.legs.has(spec.id)) continue;
        await this.guardDiagnosis(spec, async () => {
          const leg = this.leg(spec);
          const m = await this.driver.measure(spec, round, this.ctx);
          this.bytesUsed += m.bytesUsed;
          leg.samples.set(round, m.sample);
          leg.flowBytes = Math.max(leg.flowBytes, m.flowBytes);
        });
      }
      await this.driver.endRound?.(this.ctx);
      return true;
    } catch (err) {
      // The time limit ending a round keeps the rounds before it, whatever the provider.
      const keep = this.deps.deadline?.expired() || (!(err instanceof MeasureError && err.kind === 'aborted') && this.driver.keepsRoundsOn(err));
      if (round === 0 || !keep) throw err;
      addNote(this.notes, { code: 'stopped-early', rounds: round, detail: describe(err) });
      for (const l of this.legs.values()) l.samples.delete(round);
      return false;
    }
  }

  /**
   * Screening looks equal but a leg's flow has carried too little (decision.ts rule 6): grow
   * its transfers so that the rest arrives within a few rounds, rather than many short ones.
   */
  private lengthenShortFlows(): void {
    const [screenPair] = this.driver.plan.screening;
    if (!screenPair || this.screen()?.outcome !== 'same' || !this.driver.flowsMayGrow) return;
    for (const leg of shortFlowLegs(screenPair, this.legs)) {
      this.driver.lengthenFlow(leg.spec, (MIN_FLOW_BYTES - leg.flowBytes) / 4);
    }
  }

  private measuredSoFar() {
    const notes = [...this.notes];
    // References still waiting for screening's answer when the run ended.
    if (this.referencesDeferred) addNote(notes, this.referencesSkipped(this.referencesDeferred));
    // How the rounds were sized: nothing to say of a run that ran none.
    if (this.fastLine && this.rounds > 0) {
      const { lineMbps, targetMs, budgetBytes, neededBytes, fullBytes, longPath } = this.fastLine;
      addNote(notes, {
        code: 'fast-line',
        lineMbps: Math.round(lineMbps),
        targetMs: Math.round(targetMs),
        budgetBytes,
        capBytes: Math.max(this.opts.budgetBytes, this.opts.capBytes ?? this.opts.budgetBytes),
        neededBytes,
        fullBytes: Math.round(fullBytes),
        ...(longPath ? { rttMs: Math.round(longPath.rttMs), pathTargetMs: Math.round(longPath.pathTargetMs) } : {}),
      });
    }
    return { rounds: this.rounds, bytesUsed: this.bytesUsed, legs: this.legs.values(), comparisons: this.comparisons, notes };
  }

  /** The Result of a run that ended on an error: interfered, or failed with the reason. */
  failed(err: unknown): Result {
    const error = runErrorOf(err);
    const result = resultOf(this.driver.endpoint(), this.elapsedMs(), this.measuredSoFar(), error);
    if (error.code === 'interfered') result.verdict = 'interfered';
    return result;
  }

  /** Decides from the rounds measured. */
  private decisionInput() {
    return {
      comparisons: this.comparisons,
      screening: this.driver.plan.screening[0],
      legs: this.legs,
      capacities: { endpointTlsMbps: this.driver.endpointTlsMbps },
    };
  }

  /** The driver's own decision where it has one (a run by server name), else decision.ts. */
  private decideRun(input: DecisionInput): Decision {
    return this.driver.decide ? this.driver.decide(input) : decide(input);
  }

  async finish(): Promise<Result> {
    if (this.rounds === 0 && this.notes.some((n) => n.code === 'budget-too-small')) {
      // Nothing failed and nothing was measured: the answer is not known, and the note says
      // what it would cost. The decision (decision.ts) has no comparison to read here.
      const result = resultOf(this.driver.endpoint(), this.elapsedMs(), this.measuredSoFar());
      result.verdict = 'inconclusive';
      this.deps.onProgress?.({ phase: 'done', round: 0, budgetShare: this.budgetShare() });
      return result;
    }
    const input = this.decisionInput();
    let decision = this.decideRun(input);
    if (decision.wantsClientCapacity && this.deps.clientTlsCapacityMbps) {
      const clientTlsMbps = await this.deps.clientTlsCapacityMbps().catch(() => 0);
      decision = this.decideRun({ ...input, capacities: { ...input.capacities, clientTlsMbps } });
    }
    const result = resultOf(this.driver.endpoint(), this.elapsedMs(), this.measuredSoFar());
    result.verdict = decision.verdict;
    for (const n of decision.notes) addNote(result.warnings, n);
    if (decision.cause) result.cause = decision.cause;
    if (decision.shaping) result.shaping = decision.shaping;
    if (decision.basis) {
      result.ratio = decision.basis.ratio;
      result.ci95 = decision.basis.ci95;
      result.pValue = decision.basis.pValue;
    }
    this.deps.onProgress?.({ phase: 'done', round: this.rounds, budgetShare: this.budgetShare() });
    return result;
  }
}

/** Whether a pair shows a difference worth paying for: a finding, or an estimate past the margin after two rounds. */
function shows(c: Comparison): boolean {
  if (c.outcome === 'slower' || c.outcome === 'faster') return true;
  return c.rounds >= 2 && (c.ratio > MARGIN_RATIO || c.ratio < 1 / MARGIN_RATIO);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** An error as the Result carries it: a code, and the detail with its numbers. */
export function runErrorOf(err: unknown): RunError {
  if (err instanceof Interference) return { code: 'interfered', detail: err.message };
  if (err instanceof MeasureError) return { code: err.kind, detail: err.message };
  return { code: 'internal', detail: describe(err) };
}
