// For an M-Lab result, the popup says what this provider can and cannot show (issue 6): a
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

/** The explanation for an M-Lab result; undefined for any other. */
export function mlabScope(entry: HistoryEntry, t: Translate): HTMLElement | undefined {
  if (!isMlabEntry(entry)) return undefined;
  const list = (keys: string[]) => el('ul', {}, ...keys.map((k) => el('li', {}, t(k))));
  return el(
    'details',
    { class: 'mlab-scope' },
    el('summary', {}, t('mlabScopeSummary')),
    el('p', {}, t('mlabCanShowHeading')),
    list(MLAB_CAN_SHOW_KEYS),
    el('p', {}, t('mlabCannotShowHeading')),
    list(MLAB_CANNOT_SHOW_KEYS),
  );
}
