// The live progress of a run, by time: what is being measured now in words ("encrypted
// download (HTTPS, port 443)"), the time elapsed against the most a test may take (the
// engine stops by then: core/engine/engine.ts), each leg's latest Mbit/s, and the data the run
// may use once it raised its budget for the line it measured. The bar follows
// the clock, which a reader understands, rather than the share of the data budget.
import type { Translate } from '../platform/ports.js';
import { el } from '../shared/dom.js';
import type { LocaleFormat } from '../shared/locale-format.js';
import type { RunState } from '../shared/messages.js';
import { legWords } from './leg-words.js';

export interface ProgressElements {
  box: HTMLElement;
  label: HTMLElement;
  time: HTMLElement;
  bar: HTMLProgressElement;
  legs: HTMLElement;
  /** The data the run may use, once it raised its budget for the line it measured. */
  budget: HTMLElement;
}

export function renderProgress(els: ProgressElements, state: RunState, t: Translate, f: LocaleFormat, maxRunMs: number, nowMs: number): void {
  if (state.status !== 'running') {
    els.box.hidden = true;
    return;
  }
  const p = state.progress;
  els.box.hidden = false;
  const elapsedMs = Math.max(0, nowMs - state.startedAt);
  // The engine stops on whichever budget, bytes or time, runs out first: the larger share.
  els.bar.value = Math.min(1, Math.max(elapsedMs / maxRunMs, p.budgetShare));
  els.time.textContent = t('progressTime', [f.clock(elapsedMs), f.clock(maxRunMs)]);
  els.label.textContent =
    p.phase === 'info'
      ? t('progressContacting', [state.endpoint.name])
      : p.phase === 'ramp'
        ? t('progressSizingWords')
        : p.leg
          ? t('progressMeasuring', [legWords(p.leg, t), f.count(p.round)])
          : t('progressRoundWords', [f.count(p.round)]);
  const raised = p.budgetRaised;
  const shown = !!raised && [raised.lineMbps, raised.budgetBytes, raised.capBytes].every(Number.isFinite);
  els.budget.hidden = !shown;
  const budgetText = shown ? t('progressBudgetRaised', [f.mbps(raised.lineMbps), f.count(Math.round(raised.budgetBytes / 1e6)), f.count(Math.round(raised.capBytes / 1e6))]) : '';
  // A status region: screen readers say it when it changes, so it is not rewritten every second.
  if (els.budget.textContent !== budgetText) els.budget.textContent = budgetText;
  els.legs.replaceChildren(
    ...Object.entries(p.legs).map(([leg, v]) =>
      el('li', { 'aria-current': leg === p.leg ? 'true' : undefined }, t('legSpeed', [legWords(leg, t), f.mbps(v.mbps), t('unitMbps')])),
    ),
  );
}
