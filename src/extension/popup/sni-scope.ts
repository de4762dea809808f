// For a result of a test by name (popup/sni-test.ts): which two names were compared, and what
// such a test leaves untested, on the card itself, since "no difference" here is narrower
// than the same verdict of an ordinary test.
import type { Translate } from '../platform/ports.js';
import { el, isolate } from '../shared/dom.js';
import type { HistoryEntry } from '../shared/storage-schema.js';

export function sniScope(entry: HistoryEntry, t: Translate): HTMLElement | undefined {
  const sni = entry.result.sni;
  if (!sni) return undefined;
  return el(
    'div',
    { class: 'sni-scope' },
    el('p', { class: 'muted' }, t('sniComparedLine', [isolate(sni.name), isolate(sni.controlName)])),
    el('p', { class: 'muted' }, t('sniCardLimit')),
  );
}
