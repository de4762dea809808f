// For an M-Lab result, the popup says what this provider can and cannot show: a
// WebSocket on port 80 may be classified differently from a plain download, and the TLS name
// is M-Lab's own. The sentences are core/ndt7/disclosure.ts's, through _locales (the English
// there is the same text, checked by test/extension/mlab-locales.test.ts).
import { MLAB_CAN_SHOW, MLAB_CANNOT_SHOW } from '../../core/ndt7/disclosure.js';
import type { Translate } from '../platform/ports.js';
import { el } from '../shared/dom.js';
import type { HistoryEntry } from '../shared/storage-schema.js';

/** _locales keys of MLAB_CAN_SHOW and MLAB_CANNOT_SHOW, in their order. */
export const MLAB_CAN_SHOW_KEYS = MLAB_CAN_SHOW.map((_, i) => `mlabCanShow${i + 1}`);
export const MLAB_CANNOT_SHOW_KEYS = MLAB_CANNOT_SHOW.map((_, i) => `mlabCannotShow${i + 1}`);

export function isMlabEntry(entry: HistoryEntry): boolean {
  return entry.endpoint.kind === 'mlab' || entry.result.endpoint === 'mlab' || entry.result.endpoint.startsWith('mlab:');
}

/** "mlab1-lga03 (New York, US)": the server a result came from, as runNdt7Measurement names it. */
export function mlabServer(entry: HistoryEntry): string | undefined {
  const m = (entry.result as { mlab?: { machine?: unknown; city?: unknown; country?: unknown } }).mlab;
  if (!m || typeof m.machine !== 'string') return undefined;
  const place = [m.city, m.country].filter((x): x is string => typeof x === 'string' && x !== '').join(', ');
  return place ? `${m.machine} (${place})` : m.machine;
}

/** The explanation for an M-Lab result (and the server it came from); undefined for any other. */
export function mlabScope(entry: HistoryEntry, t: Translate): HTMLElement | undefined {
  if (!isMlabEntry(entry)) return undefined;
  const list = (keys: string[]) => el('ul', {}, ...keys.map((k) => el('li', {}, t(k))));
  const server = mlabServer(entry);
  return el(
    'div',
    { class: 'mlab-scope' },
    server ? el('p', { class: 'muted' }, t('mlabServerLine', [server])) : undefined,
    el(
      'details',
      {},
      el('summary', {}, t('mlabScopeSummary')),
      el('p', {}, t('mlabCanShowHeading')),
      list(MLAB_CAN_SHOW_KEYS),
      el('p', {}, t('mlabCannotShowHeading')),
      list(MLAB_CANNOT_SHOW_KEYS),
    ),
  );
}
