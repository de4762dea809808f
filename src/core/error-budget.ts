// The family-wise error budget of the repeated-interval rule (decision.ts, 'repeated-ci'):
// every hypothesis a run can reject (a pair's true ratio lies within the margin) gets a weight
// before the first round, and the weights of a run's pairs sum to at most one. A pair that only
// names a cause starts with none: it receives the weight of the finding it explains once that
// finding is made. This is the graphical procedure of Bretz, Maurer, Brannath & Posch (Stat.
// Med. 2009), which controls the family-wise error in the strong sense; with group-sequential
// boundaries set by spending functions at each hypothesis's current level it does so at every
// look and whenever the run stops (Maurer & Bretz, Stat. Biopharm. Res. 2013). So the chance
// that a run ever makes a false finding or names a false cause, at any look, is at most
// FAMILY_ALPHA (docs/method.md, "The stopping rule: repeated confidence intervals").
//
// The low-entropy reference's two pairs hold one weight between them, each tested at all of
// it: their one finding (a classifier of encrypted-looking flows, decision.ts findingOf) needs
// both, an intersection-union test (Berger, Technometrics 1982), which is at the level of its
// parts without any split. The entropy pair alone also names a cause beside screening's
// finding (decision.ts diagnoseCause); that claim and the classifier's both need the entropy
// pair rejected, so while its hypothesis is true their errors together are its own alpha, and
// while it is false only the classifier's claim can be wrong, which needs the other pair
// rejected as well: either way at most the shared weight's alpha. 'tls-vs-low-entropy' makes
// no claim alone (halfMade in decision.ts only holds an answer open).
import type { ComparisonId } from './plan.js';

/**
 * Two-sided, over the whole run and every pair: the chance of a false finding of either
 * direction at a true ratio exactly on the margin is at most half of a pair's share.
 */
export const FAMILY_ALPHA = 0.1;

/**
 * The weights at the start of a run, by what holds them (weightHolder). An endpoint run
 * (plan.ts endpointPlan) can hold screening and the references: screening decides most runs
 * and gets 0.7; the low-entropy reference's two pairs (a classifier of encrypted-looking flows
 * is a finding only when both are slower) share 0.2, each tested at all of it (above); uploads
 * 0.1: 1 in all. A run by server name (sni/sni-plan.ts) holds screening and the name's pair:
 * 0.7 + 0.3. A file run holds screening alone, and gets all of it (pairAlpha).
 */
const INITIAL: Readonly<Record<string, number>> = {
  screen: 0.7,
  'low-entropy': 0.2,
  upload: 0.1,
  sni: 0.3,
};

/** Pairs that hold one weight between them (the intersection-union test above). */
const SHARED: Partial<Record<ComparisonId, string>> = {
  'tls-vs-low-entropy': 'low-entropy',
  entropy: 'low-entropy',
};

/**
 * The graph's edges: a port swap pair only names the cause of a finding, so it starts at zero
 * and, once the finding it explains is made, the two pairs of its swap share that finding's
 * weight (rejected hypotheses pass their weight on; Bretz et al. 2009, sec. 2).
 */
const PASSED_FROM: Partial<Record<ComparisonId, { from: ComparisonId; share: number }>> = {
  'protocol-on-plain-port': { from: 'screen', share: 0.5 },
  'port-for-plaintext': { from: 'screen', share: 0.5 },
  'upload-protocol-on-plain-port': { from: 'upload', share: 0.5 },
  'upload-port-for-plaintext': { from: 'upload', share: 0.5 },
};

/** The pair whose finding a pair that only names a cause explains (undefined for any other pair). */
export function explains(id: string): ComparisonId | undefined {
  return (PASSED_FROM as Record<string, { from: ComparisonId } | undefined>)[id]?.from;
}

/** The pairs whose finding has been made in this run (their hypotheses are rejected). */
export type Rejected = ReadonlySet<string>;

/**
 * The two-sided alpha a pair spends over all its looks, given the findings made so far. An
 * unknown pair spends nothing: it can never clear the margin, rather than break the budget.
 *
 * `held`: every pair the run's plan can hold, fixed before the first round. The weights of
 * pairs a plan cannot hold go to those it can, in proportion (a file run, screening alone,
 * gets all of the budget, not its 0.7; an M-Lab run's screening and uploads share what the
 * low-entropy reference would have had): the weights still sum to at most one, and which
 * pairs a plan holds does not depend on any data.
 */
export function pairAlpha(id: string, rejected: Rejected = new Set(), held?: readonly string[]): number {
  const total = held ? initialWeights(held) : 1;
  const scale = total > 0 && total < 1 ? 1 / total : 1;
  const own = INITIAL[weightHolder(id)] ?? 0;
  const edge = (PASSED_FROM as Record<string, { from: ComparisonId; share: number } | undefined>)[id];
  const passed = edge && rejected.has(edge.from) ? edge.share * (INITIAL[edge.from] ?? 0) : 0;
  return (own + passed) * scale * FAMILY_ALPHA;
}

/** What holds a pair's weight: the pair itself, or the name of the weight it shares (SHARED). */
export function weightHolder(id: string): string {
  return (SHARED as Record<string, string | undefined>)[id] ?? id;
}

/** The weights a run holding these pairs starts with, summed (a shared weight once): never above one for any plan. */
export function initialWeights(ids: readonly string[]): number {
  return [...new Set(ids.map(weightHolder))].reduce((sum, holder) => sum + (INITIAL[holder] ?? 0), 0);
}

/** The weight every edge out of a pair passes on, summed: never above one. */
export function passedWeights(from: ComparisonId): number {
  return Object.values(PASSED_FROM).reduce((sum, e) => sum + (e && e.from === from ? e.share : 0), 0);
}
