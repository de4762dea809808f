// The popup's line about anonymous reports: how many were sent and how many wait,
// with the reason a waiting one has not gone yet, and a list of each report's verdict, hour
// and endpoint id, which is all a report says about the run. Read from storage, like the rest
// of the popup.
import type { QueueState } from '../../core/report-queue.js';
import type { Translate } from '../platform/ports.js';
import { el } from '../shared/dom.js';
import type { LocaleFormat } from '../shared/locale-format.js';
import type { ReportingState } from '../shared/reporting-state.js';

export interface ReportStatusView {
  line: HTMLElement;
  list: HTMLElement;
  details: HTMLDetailsElement;
}


export function renderReportStatus(view: ReportStatusView, reporting: ReportingState, queue: QueueState, t: Translate, f: LocaleFormat): void {
  const time = f.time;
  const when = f.dateTime;
  const { pending, sent } = queue;
  view.line.dataset.sent = String(sent.length);
  view.line.dataset.pending = String(pending.length);
  view.line.dataset.consent = String(reporting.consent);
  if (!reporting.consent && !sent.length) {
    view.line.textContent = t('reportStatusOff');
    view.details.hidden = true;
    return;
  }
  const parts = [t(reporting.consent ? 'reportStatusCounts' : 'reportStatusOffAfter', [String(sent.length), String(pending.length)])];
  const next = pending.reduce<(typeof pending)[number] | undefined>((a, p) => (!a || p.nextAttemptMs < a.nextAttemptMs ? p : a), undefined);
  if (next?.lastError) parts.push(t('reportStatusRetry', [time(next.nextAttemptMs), next.lastError]));
  view.line.textContent = parts.join(' ');
  view.details.hidden = !pending.length && !sent.length;
  const items = [
    ...pending.map((p) =>
      el('li', { 'data-state': 'pending' }, t('reportPendingItem', [when(p.queuedMs), p.report.verdict, p.report.endpoint, p.report.hour])),
    ),
    ...sent
      .slice()
      .reverse()
      .map((s) => el('li', { 'data-state': 'sent' }, t('reportSentItem', [when(s.sentMs), s.report.verdict, s.report.endpoint, s.report.hour]))),
  ];
  view.list.replaceChildren(...items);
}
