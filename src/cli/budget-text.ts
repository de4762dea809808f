// What a run may cost, said on stderr before the bytes are spent (core/fast-line.ts): once
// before the run when a fast line could raise its budget, and again when the measured line
// does raise it, before the first round past the starting budget. The same for time
// (core/time-budget.ts): the planned time and the cap before the run, and the longer wait when
// an open answer needs it.
import { fastLineMbps } from '../core/fast-line.js';
import type { BudgetRaised, TimeExtended } from '../core/engine/engine.js';

const mb = (bytes: number) => (bytes / 1e6).toFixed(0);

/** Before the run: only when --max-budget-mb allows more than --budget-mb. */
export function preRunBudgetLine(budgetBytes: number, capBytes: number): string | undefined {
  if (capBytes <= budgetBytes) return undefined;
  return (
    `Data: up to ${mb(budgetBytes)} MB; on a line faster than about ${Math.round(fastLineMbps(budgetBytes))} Mbit/s ` +
    `(slower over a long path) up to ${mb(capBytes)} MB, said once the line is measured (--max-budget-mb ${mb(budgetBytes)} keeps it at ${mb(budgetBytes)} MB).`
  );
}

/** Once the ramp has measured a line the budget cannot follow. */
export function budgetRaisedLine(r: BudgetRaised): string {
  const capped = r.neededBytes > r.capBytes ? `; a full set of rounds needs about ${mb(r.neededBytes)} MB, above the limit` : '';
  return `The line runs at about ${Math.round(r.lineMbps)} Mbit/s: this run will use up to ${mb(r.budgetBytes)} MB, in transfers of about ${Math.round(r.targetMs)} ms (limit ${mb(r.capBytes)} MB, --max-budget-mb${capped}).`;
}

const seconds = (ms: number) => Math.round(ms / 1000);

/** Before the run: only when --max-seconds allows more than the time a run plans for. */
export function preRunTimeLine(d: { maxDurationMs: number; capDurationMs: number }): string | undefined {
  if (d.capDurationMs <= d.maxDurationMs) return undefined;
  return (
    `Time: about ${seconds(d.maxDurationMs)} s at most; on a long or lossy path, when the answer needs more rounds, ` +
    `up to ${seconds(d.capDurationMs)} s, said when it happens (--max-seconds ${seconds(d.maxDurationMs)} keeps it at ${seconds(d.maxDurationMs)} s).`
  );
}

/** When an open answer makes the run longer than it planned. */
export function timeExtendedLine(t: TimeExtended): string {
  return `The answer is still open: this run will take up to ${seconds(t.maxDurationMs)} s (limit ${seconds(t.capDurationMs)} s, --max-seconds).`;
}
