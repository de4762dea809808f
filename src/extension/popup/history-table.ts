// The history as a table, newest first, from the history index (shared/history-index.ts).
import type { Translate } from '../platform/ports.js';
import { el } from '../shared/dom.js';
import type { IndexPoint } from '../shared/history-index.js';
import type { LocaleFormat } from '../shared/locale-format.js';
import { verdictLabel } from './verdict-card.js';

/**
 * Rows drawn when the popup opens. Laying out all 500 rows took longer than everything else
 * the popup draws (bench/popup.ts); the rest follow on "Show all".
 */
export const FIRST_ROWS = 50;

export function renderHistoryTable(tbody: HTMLElement, points: readonly IndexPoint[], t: Translate, f: LocaleFormat, rowLimit = FIRST_ROWS): void {
  const rows: HTMLTableRowElement[] = [];
  const scheduled = ` (${t('scheduledShort')})`;
  const dash = (x: number | null, format: (n: number) => string) => (x === null ? '–' : format(x));
  // A run whose finding is in uploads alone shows the uploads' medians (history-export.ts
  // answerMedians), marked so: an arrow to see, a word to hear and a tooltip.
  const uploadMark = t('historyUploadMark');
  const speed = (p: IndexPoint, x: number | null) =>
    p.uploads && x !== null
      ? el('td', { title: uploadMark }, f.mbps(x), el('span', { 'aria-hidden': 'true' }, ' ↑'), el('span', { class: 'visually-hidden' }, ` (${uploadMark})`))
      : el('td', {}, dash(x, f.mbps));
  const last = Math.max(0, points.length - rowLimit);
  for (let i = points.length - 1; i >= last; i--) {
    const p = points[i]!;
    const cancelled = p.verdict === 'failed' && p.errorCode === 'aborted';
    rows.push(
      el(
        'tr',
        { 'data-history-verdict': p.verdict },
        el('td', {}, el('time', { datetime: new Date(p.finishedAt).toISOString() }, f.shortDateTime(p.finishedAt))),
        el('td', { title: p.errorDetail ?? undefined }, cancelled ? t('cardCancelled') : verdictLabel(p.verdict, t), p.trigger === 'scheduled' ? scheduled : ''),
        el('td', {}, dash(p.ratio, f.ratio)),
        speed(p, p.httpsMbps),
        speed(p, p.httpMbps),
      ),
    );
  }
  tbody.replaceChildren(...rows);
}
