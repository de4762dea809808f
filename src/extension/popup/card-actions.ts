// What a reader can do with a result: copy it as text, save it as an image, read how the test
// works, and compare with other people on the same network (the collector's per-ISP figures,
// served at its /v1/ page: src/server/collector/). Kept apart from the card so the card only
// words the result.
import { copyText } from '../platform/clipboard.js';
import type { Translate } from '../platform/ports.js';
import { el } from '../shared/dom.js';
import type { LocaleFormat } from '../shared/locale-format.js';
import { shareText } from '../shared/share-text.js';
import type { HistoryEntry } from '../shared/storage-schema.js';
import { imageFileName, saveFile } from './export-buttons.js';
import { canvasPng, drawShareCard } from './share-image.js';

export interface CardActionContext {
  t: Translate;
  f: LocaleFormat;
  version: string;
  rtl: boolean;
  /** The collector's base URL ("" when none is configured). */
  collectorUrl: string;
  /** Where the outcome of copy and save is announced (a role="status" element). */
  status: HTMLElement;
}

/** The collector's public page: its origin and /v1/ (reports go to /v1/reports). */
export function figuresUrl(collectorUrl: string): string | undefined {
  if (!collectorUrl) return undefined;
  try {
    return new URL('/v1/', collectorUrl).href;
  } catch {
    return undefined;
  }
}

export function cardActions(entry: HistoryEntry, ctx: CardActionContext): HTMLElement {
  const { t, f } = ctx;
  const say = (text: string) => {
    ctx.status.textContent = text;
  };
  const finished = entry.result.verdict !== 'failed';
  const copy = el('button', { type: 'button', id: 'copy-result' }, t('copyResult'));
  copy.addEventListener('click', () => {
    copyText(shareText(entry, t, f, ctx.version)).then(
      () => say(t('copied')),
      (err: unknown) => say(t('copyFailed', [err instanceof Error ? err.message : String(err)])),
    );
  });
  const save = el('button', { type: 'button', id: 'save-image' }, t('saveImage'));
  save.addEventListener('click', () => {
    const canvas = document.createElement('canvas');
    drawShareCard(canvas, entry, t, f, ctx.version, ctx.rtl);
    canvasPng(canvas).then(
      (png) => {
        saveFile(imageFileName(entry.finishedAt), 'image/png', png);
        say(t('imageSaved'));
      },
      (err: unknown) => say(t('copyFailed', [err instanceof Error ? err.message : String(err)])),
    );
  });
  const figures = figuresUrl(ctx.collectorUrl);
  return el(
    'div',
    { class: 'card-actions' },
    finished ? copy : undefined,
    finished ? save : undefined,
    el('a', { href: 'how.html', target: '_blank', id: 'how-link' }, t('howLink')),
    figures && finished ? el('a', { href: figures, target: '_blank', rel: 'noopener noreferrer', id: 'figures-link' }, t('figuresLink')) : undefined,
  );
}
