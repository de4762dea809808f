// The history as a table, newest first.
import type { Translate } from '../platform/ports.js';
import { el } from '../shared/dom.js';
import { screenMedian } from '../shared/history-export.js';
import type { LocaleFormat } from '../shared/locale-format.js';
import type { HistoryEntry } from '../shared/storage-schema.js';
import { verdictLabel } from './verdict-card.js';

export function renderHistoryTable(tbody: HTMLElement, entries: readonly HistoryEntry[], t: Translate, f: LocaleFormat): void {
  const rows: HTMLTableRowElement[] = [];
  const scheduled = ` (${t('scheduledShort')})`;
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    const https = screenMedian(e, 'https');
    const http = screenMedian(e, 'http');
    const cancelled = e.result.verdict === 'failed' && e.result.error?.code === 'aborted';
    rows.push(
      el(
        'tr',
        { 'data-history-verdict': e.result.verdict },
        el('td', {}, el('time', { datetime: new Date(e.finishedAt).toISOString() }, f.shortDateTime(e.finishedAt))),
        el('td', { title: e.result.error?.detail }, cancelled ? t('cardCancelled') : verdictLabel(e.result.verdict, t), e.trigger === 'scheduled' ? scheduled : ''),
        el('td', {}, f.ratio(e.result.ratio)),
        el('td', {}, https === undefined ? '–' : f.mbps(https)),
        el('td', {}, http === undefined ? '–' : f.mbps(http)),
      ),
    );
  }
  tbody.replaceChildren(...rows);
}
