// The family-wise error budget of the repeated-interval rule (decision.ts, 'repeated-ci'):
// every pair that can produce a finding or a cause gets a fixed share of FAMILY_ALPHA before
// the first round, so by Bonferroni's inequality the chance that ANY of them ever excludes its
// true ratio, at any look of the run, is at most FAMILY_ALPHA (docs/method.md, "Repeated
// confidence intervals").
import type { ComparisonId } from './plan.js';

/**
 * Two-sided, over the whole run and every pair: the chance of a false finding of either
 * direction at a true ratio exactly on the margin is at most half of a pair's share.
 */
export const FAMILY_ALPHA = 0.1;

/**
 * Shares of FAMILY_ALPHA; they sum to 1 over every pair any plan can hold (plan.ts,
 * sni/sni-plan.ts). Screening decides most runs and gets half. The other routes to a verdict
 * (the low-entropy reference, uploads, a server name) a tenth each; the pairs that only name a
 * cause (the entropy pair and the port swaps) share the rest.
 */
const SHARES: Record<ComparisonId, number> = {
  screen: 0.5,
  'tls-vs-low-entropy': 0.1,
  upload: 0.1,
  sni: 0.1,
  entropy: 0.04,
  'protocol-on-plain-port': 0.04,
  'port-for-plaintext': 0.04,
  'upload-protocol-on-plain-port': 0.04,
  'upload-port-for-plaintext': 0.04,
};

/** The two-sided alpha a pair spends over all its looks. */
export function pairAlpha(id: string): number {
  const share = (SHARES as Record<string, number | undefined>)[id];
  // An unknown pair spends nothing: it can never clear the margin, rather than break the budget.
  return share === undefined ? 0 : share * FAMILY_ALPHA;
}

export function totalShare(): number {
  return Object.values(SHARES).reduce((a, b) => a + b, 0);
}
