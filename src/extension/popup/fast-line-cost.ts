// What a test may cost on a fast line, said before the user starts it (core/fast-line.ts): a
// test the user starts may raise its data budget up to the fast-line limit in the options. The
// first-run text names the line rate from which that happens; after a test, the line under the
// Run button estimates the next test's cost from what the newest test measured and planned (its
// rate, and its fast-line note: core/notes.ts).
import { expectedBudgetBytes, fastLineMbps } from '../../core/fast-line.js';
import { longPathOf, type Note } from '../../core/notes.js';
import type { Result } from '../../core/types.js';
import type { Translate } from '../platform/ports.js';
import type { LocaleFormat } from '../shared/locale-format.js';

type FastLineNote = Extract<Note, { code: 'fast-line' }>;

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
 * The line under the Run button: shown when the next test is expected to use more than the run
 * budget. The estimate is the larger of two: the plan a line of the newest test's rate (its
 * fastest leg) gets, over its path's round trip when that test found the path long; and the
 * budget the newest test's own plan asked for (its fast-line note's neededBytes), which counts
 * every leg it ran, within today's settings. Over a long path each transfer must last several
 * round trips, so even a slow line can cost more; the words then name the round trip.
 */
export function fastLineCostText(latest: Result | undefined, s: FastLineSettings, t: Translate, f: LocaleFormat): string | undefined {
  const lineMbps = Math.max(0, ...(latest?.legs ?? []).map((l) => (Number.isFinite(l.medianMbps) ? l.medianMbps : 0)));
  if (!(lineMbps > 0)) return undefined;
  const budgetBytes = s.runBudgetMb * 1e6;
  const capBytes = Math.max(budgetBytes, s.fastLineBudgetMb * 1e6);
  const note = latest?.warnings?.find((n): n is FastLineNote => n.code === 'fast-line');
  const path = note ? longPathOf(note) : undefined;
  const rttMs = path && path.rttMs > 0 ? path.rttMs : 0;
  const lastPlan = note && Number.isFinite(note.neededBytes) ? Math.min(capBytes, Math.max(budgetBytes, note.neededBytes)) : budgetBytes;
  const expected = Math.max(expectedBudgetBytes(lineMbps, budgetBytes, capBytes, rttMs), lastPlan);
  if (expected <= budgetBytes) return undefined;
  const args = [f.mbps(lineMbps), f.count(Math.round(expected / 1e6)), f.count(s.fastLineBudgetMb)];
  const byRate = expectedBudgetBytes(lineMbps, budgetBytes, capBytes);
  // Where the round trip adds to what the rate alone would cost, the words name it.
  if (rttMs > 0 && byRate < expected) return t('fastLineCostLongPath', [...args, f.count(Math.round(rttMs))]);
  // The words call the line fast only when its rate alone costs more than the budget. A plan
  // that asked for more on a slower line, where the note names no round trip (a note stored
  // before it did), is told as the last test's plan.
  return t(byRate > budgetBytes ? 'fastLineCost' : 'fastLineCostLastPlan', args);
}
