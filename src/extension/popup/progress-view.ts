// The live progress of a run: a bar for the share of the budget spent, and each leg's Mbit/s.
import type { Translate } from '../platform/ports.js';
import { el } from '../shared/dom.js';
import type { RunState } from '../shared/messages.js';
import { formatMbps } from '../shared/verdict-text.js';

export interface ProgressElements {
  box: HTMLElement;
  label: HTMLElement;
  bar: HTMLProgressElement;
  legs: HTMLElement;
}

export function renderProgress(els: ProgressElements, state: RunState, t: Translate): void {
  if (state.status !== 'running') {
    els.box.hidden = true;
    return;
  }
  const p = state.progress;
  els.box.hidden = false;
  els.bar.value = p.budgetShare;
  const percent = String(Math.round(p.budgetShare * 100));
  els.label.textContent =
    p.phase === 'info'
      ? t('progressContacting', [state.endpoint.name])
      : p.phase === 'ramp'
        ? t('progressSizing', [percent])
        : t('progressRound', [String(p.round), percent]);
  els.legs.replaceChildren(
    ...Object.entries(p.legs).map(([leg, v]) =>
      el('li', { 'aria-current': leg === p.leg ? 'true' : undefined }, t('legSpeed', [leg, formatMbps(v.mbps)])),
    ),
  );
}
