// The comparisons at each look: after every round the engine (engine.ts) compares every active
// pair, and once more with `finalLook` when a run ends (engine.ts endedComparisons). Under the
// repeated-interval rule (decision.ts rule 2r) a finding once made stands and passes its alpha
// to the pairs that explain it (error-budget.ts); a finding that waits for new connections
// (rule 1f) keeps the comparison that made it until they have shown it again.
import { compareLegs, DEFAULT_STOPPING_RULE, type StoppingRule } from '../decision.js';
import { explains } from '../error-budget.js';
import { awaitsFreshFlows, withFreshFlows } from '../fresh-flows.js';
import type { MeasuredLeg } from '../paired-rounds.js';
import type { PairSpec } from '../plan.js';
import type { Comparison, LegSpec } from '../types.js';

export interface LookRules {
  rule?: StoppingRule;
  /** Every pair the run may compare (error-budget.ts shares alpha among them). */
  held: readonly string[];
  /** Whether the driver can renew a leg's connection (driver.ts flowsRenew): rule 1f. */
  freshFlows: boolean;
}

export class Looks {
  /**
   * Rule 2r: each pair's finding as the look that made it saw it. A finding once made stands:
   * the repeated intervals hold at every look at once, so the look that cleared the margin is
   * as valid as the last, and the weight it passed on (error-budget.ts) stays passed.
   */
  private readonly findings = new Map<string, Comparison>();
  /**
   * Rule 1f: the comparison at the look whose rounds made a finding that waits for new
   * connections. The repeated interval that made it holds at every look together, so the
   * finding stands at later looks whatever their own interval says, as any finding does
   * (`findings`); it waits only for the new connections' rounds.
   */
  private readonly awaiting = new Map<string, Comparison>();

  constructor(
    private readonly rules: LookRules,
    private readonly leg: (spec: LegSpec) => MeasuredLeg,
  ) {}

  get rule(): StoppingRule {
    return this.rules.rule ?? DEFAULT_STOPPING_RULE;
  }

  /**
   * Every active pair at this look. Under rule 2r a finding made at this look passes its alpha
   * to the pairs that explain it at this look already; `finalLook`: the run ends here, and the
   * pairs still open take their final look.
   */
  compare(active: readonly PairSpec[], runRttMs: number | undefined, finalLook = false): Comparison[] {
    const rule = this.rule;
    const { held, freshFlows } = this.rules;
    const compare = (p: PairSpec, rejected?: ReadonlySet<string>) =>
      compareLegs(p, this.leg(p.suspect), this.leg(p.reference), runRttMs, { rule, held, freshFlows, ...(rejected ? { rejected } : {}) });
    if (rule !== 'repeated-ci') return active.map((p) => compare(p));
    const rejected = new Set(this.findings.keys());
    const lookAt = (p: PairSpec): Comparison => {
      const found = this.findings.get(p.id);
      if (found) return found;
      const going = this.awaitingFresh(p, compare(p, rejected), runRttMs);
      if (!finalLook || going.outcome !== 'unclear') return going;
      return compareLegs(p, this.leg(p.suspect), this.leg(p.reference), runRttMs, { rule, finalLook, rejected, held, freshFlows });
    };
    let out = active.map(lookAt);
    const fresh = out.filter((c) => (c.outcome === 'slower' || c.outcome === 'faster') && !rejected.has(c.id));
    for (const c of fresh) rejected.add(c.id);
    // Only the pairs that explain a fresh finding have new alpha to look with.
    if (fresh.length) out = out.map((c, i) => (fresh.some((f) => f.id === explains(active[i]!.id)) ? lookAt(active[i]!) : c));
    if (!finalLook) for (const c of out) if (c.outcome === 'slower' || c.outcome === 'faster') this.findings.set(c.id, c);
    return out;
  }

  private awaitingFresh(p: PairSpec, c: Comparison, runRttMs: number | undefined): Comparison {
    if (awaitsFreshFlows(c)) {
      if (!this.awaiting.has(p.id)) this.awaiting.set(p.id, c);
      return c;
    }
    const first = this.awaiting.get(p.id);
    if (!first || c.outcome === 'slower' || c.outcome === 'faster') return c;
    return withFreshFlows({ ...first, outcome: first.ratio > 1 ? 'slower' : 'faster' }, this.leg(p.suspect), this.leg(p.reference), runRttMs);
  }
}
