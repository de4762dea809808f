// The history as a table, newest first.
import type { Translate } from '../platform/ports.js';
import { el } from '../shared/dom.js';
import { screenMedian } from '../shared/history-export.js';
import type { HistoryEntry } from '../shared/storage-schema.js';
import { formatMbps, formatRatio } from '../shared/verdict-text.js';
import { verdictLabel } from './verdict-card.js';

// One formatter for all rows: Date.toLocaleString builds a new one per call, which took more
// than half of the drawing time with 500 rows (bench/popup.ts: 84 ms before, 36 ms after).
const WHEN = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' });

export function renderHistoryTable(tbody: HTMLElement, entries: readonly HistoryEntry[], t: Translate): void {
  const rows: HTMLTableRowElement[] = [];
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    const https = screenMedian(e, 'https');
    const http = screenMedian(e, 'http');
    const when = new Date(e.finishedAt);
    rows.push(
      el(
        'tr',
        { 'data-history-verdict': e.result.verdict },
        el('td', {}, el('time', { datetime: when.toISOString() }, WHEN.format(when))),
        el('td', { title: e.result.error?.detail }, verdictLabel(e.result.verdict, t), e.trigger === 'scheduled' ? ` (${t('scheduledShort')})` : ''),
        el('td', {}, formatRatio(e.result.ratio)),
        el('td', {}, https === undefined ? '–' : formatMbps(https)),
        el('td', {}, http === undefined ? '–' : formatMbps(http)),
      ),
    );
  }
  tbody.replaceChildren(...rows);
}
