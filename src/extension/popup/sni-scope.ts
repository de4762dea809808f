// For a result of a test by name (popup/sni-test.ts): which two names were compared, and what
// such a test leaves untested, on the card itself, since "no difference" here is narrower
// than the same verdict of an ordinary test.
import type { Translate } from '../platform/ports.js';
import { el, isolate } from '../shared/dom.js';
import type { LocaleFormat } from '../shared/locale-format.js';
import type { HistoryEntry } from '../shared/storage-schema.js';

export function sniScope(entry: HistoryEntry, t: Translate, f: LocaleFormat): HTMLElement | undefined {
  const { sni, legs } = entry.result;
  if (!sni) return undefined;
  // The card's two speed figures are the control's TLS and plaintext; the name's own speed is here.
  const named = legs.find((l) => l.sni === 'name' && l.transfers.length > 0);
  const control = legs.find((l) => l.sni === 'control' && l.transfers.length > 0);
  return el(
    'div',
    { class: 'sni-scope' },
    el('p', { class: 'muted' }, t('sniComparedLine', [isolate(sni.name), isolate(sni.controlName)])),
    named && control ? el('p', { class: 'muted' }, t('sniSpeedsLine', [f.mbps(named.medianMbps), f.mbps(control.medianMbps)])) : undefined,
    el('p', { class: 'muted' }, t('sniCardLimit')),
  );
}
