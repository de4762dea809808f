// What a test may cost on a fast line, said before the user starts it (core/fast-line.ts): a
// test the user starts may raise its data budget up to the fast-line limit in the options. The
// first-run text names the line rate from which that happens; after a test, the line under the
// Run button estimates the next test's cost from the rate the newest test measured.
import { expectedBudgetBytes, fastLineMbps } from '../../core/fast-line.js';
import type { Result } from '../../core/types.js';
import type { Translate } from '../platform/ports.js';
import type { LocaleFormat } from '../shared/locale-format.js';

export interface FastLineSettings {
  runBudgetMb: number;
  fastLineBudgetMb: number;
}

/** The first-run sentence, when the fast-line limit allows more than the run budget. */
export function firstRunFastLineText(s: FastLineSettings, t: Translate, f: LocaleFormat): string | undefined {
  if (s.fastLineBudgetMb <= s.runBudgetMb) return undefined;
  return t('firstRunFastLine', [f.count(Math.round(fastLineMbps(s.runBudgetMb * 1e6))), f.count(s.fastLineBudgetMb)]);
}

/**
 * The line under the Run button: shown when the newest test's line rate (its fastest leg)
 * means the next test is expected to use more than the run budget.
 */
export function fastLineCostText(latest: Result | undefined, s: FastLineSettings, t: Translate, f: LocaleFormat): string | undefined {
  const lineMbps = Math.max(0, ...(latest?.legs ?? []).map((l) => (Number.isFinite(l.medianMbps) ? l.medianMbps : 0)));
  if (!(lineMbps > 0)) return undefined;
  const budgetBytes = s.runBudgetMb * 1e6;
  const expected = expectedBudgetBytes(lineMbps, budgetBytes, Math.max(budgetBytes, s.fastLineBudgetMb * 1e6));
  if (expected <= budgetBytes) return undefined;
  return t('fastLineCost', [f.mbps(lineMbps), f.count(Math.round(expected / 1e6)), f.count(s.fastLineBudgetMb)]);
}
