// "Save image": the result as a PNG card a journalist can attach to an article or a post,
// drawn on a canvas with the same words as the popup's card (shared/result-words.ts): the
// verdict, both speeds, the ratio and its interval, when, against which endpoint, from which
// network when known, and the version that measured it. 1200x630, the size link previews use.
import type { Translate } from '../platform/ports.js';
import { clientNetwork, networkLabel } from '../shared/client-network.js';
import type { LocaleFormat } from '../shared/locale-format.js';
import { advice, cardState, causeSentences, headline, ratioSentence, speedLabels, speeds } from '../shared/result-words.js';
import type { HistoryEntry } from '../shared/storage-schema.js';

const W = 1200;
const H = 630;
const PAD = 56;
const FONT = 'system-ui, "Segoe UI", Roboto, "Noto Sans", "Noto Sans Arabic", "Noto Sans CJK SC", sans-serif';
const STATE_COLOURS: Record<string, string> = {
  'tls-throttled': '#b3261e',
  'plaintext-throttled': '#b3261e',
  'sni-throttled': '#b3261e',
  interfered: '#b3261e',
  'no-difference': '#1e7a3a',
  inconclusive: '#8a5a00',
  failed: '#5b6270',
  cancelled: '#5b6270',
};

/** Lines of at most `maxWidth` pixels, broken at spaces (CJK text, which has none, at characters). */
function wrap(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): string[] {
  const words = /\s/.test(text) ? text.split(/(\s+)/) : [...text];
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    const next = line + w;
    if (line && ctx.measureText(next).width > maxWidth) {
      lines.push(line.trim());
      line = w.trimStart();
    } else line = next;
  }
  if (line.trim()) lines.push(line.trim());
  return lines;
}

export function drawShareCard(canvas: HTMLCanvasElement, entry: HistoryEntry, t: Translate, f: LocaleFormat, version: string, rtl: boolean): void {
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  const r = entry.result;
  ctx.direction = rtl ? 'rtl' : 'ltr';
  ctx.textAlign = 'start';
  ctx.textBaseline = 'alphabetic';
  const startX = rtl ? W - PAD : PAD;
  /** x of a box that begins `offset` pixels from the reading start. */
  const at = (offset: number, boxWidth = 0) => (rtl ? W - PAD - offset - boxWidth : PAD + offset);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  ctx.fillStyle = STATE_COLOURS[cardState(r)] ?? '#5b6270';
  ctx.fillRect(0, 0, W, 14);

  ctx.fillStyle = '#5b6270';
  ctx.font = `500 26px ${FONT}`;
  ctx.fillText(t('extensionName'), startX, 68);

  ctx.fillStyle = '#1b1d21';
  ctx.font = `700 54px ${FONT}`;
  let yPos = 138;
  for (const line of wrap(ctx, headline(r, t), W - 2 * PAD).slice(0, 2)) {
    ctx.fillText(line, startX, yPos);
    yPos += 62;
  }

  const s = speeds(entry);
  if (s) {
    const boxW = (W - 2 * PAD - 32) / 2;
    const [httpsLabel, httpLabel] = speedLabels(s, false);
    const figures: [string, string, string][] = [
      [t(httpsLabel), f.mbps(s.httpsMbps), '#1f5fbf'],
      [t(httpLabel), f.mbps(s.httpMbps), '#1e7a3a'],
    ];
    figures.forEach(([label, value, colour], i) => {
      const bx = at(i * (boxW + 32), boxW);
      ctx.fillStyle = '#f4f6f9';
      ctx.fillRect(bx, yPos - 24, boxW, 150);
      ctx.fillStyle = colour;
      ctx.fillRect(rtl ? bx + boxW - 8 : bx, yPos - 24, 8, 150);
      const tx = rtl ? bx + boxW - 28 : bx + 28;
      ctx.fillStyle = '#5b6270';
      ctx.font = `500 26px ${FONT}`;
      ctx.fillText(label, tx, yPos + 16);
      ctx.fillStyle = '#1b1d21';
      ctx.font = `700 72px ${FONT}`;
      ctx.fillText(value, tx, yPos + 96);
      const valueW = ctx.measureText(value).width;
      ctx.font = `500 28px ${FONT}`;
      ctx.fillStyle = '#5b6270';
      ctx.fillText(t('unitMbps'), rtl ? tx - valueW - 14 : tx + valueW + 14, yPos + 96);
    });
    yPos += 172;
  }

  ctx.fillStyle = '#1b1d21';
  ctx.font = `400 28px ${FONT}`;
  const adv = advice(r, t);
  const body = [ratioSentence(r, t, f), ...causeSentences(r, t, f), adv?.reason ? t('reasonLine', [adv.reason]) : undefined]
    .filter((x): x is string => !!x)
    .join(' ');
  for (const line of wrap(ctx, body, W - 2 * PAD).slice(0, s ? 3 : 6)) {
    ctx.fillText(line, startX, yPos);
    yPos += 38;
  }

  const network = clientNetwork(entry);
  const footer = [
    f.dateTime(entry.finishedAt),
    t('shareEndpoint', [entry.endpoint.name, entry.endpoint.url]),
    network ? t('shareNetwork', [networkLabel(network)]) : undefined,
    t('shareVersion', [t('extensionName'), version]),
  ].filter((x): x is string => !!x);
  ctx.fillStyle = '#5b6270';
  ctx.font = `400 22px ${FONT}`;
  let footY = H - PAD + 10 - (footer.length - 1) * 30;
  for (const line of footer) {
    ctx.fillText(wrap(ctx, line, W - 2 * PAD)[0] ?? '', startX, footY);
    footY += 30;
  }
}

export function canvasPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the canvas gave no PNG'))), 'image/png'));
}
