// Small SVG building blocks for the popup's charts. SVG rather than a canvas library: its
// colours come from the stylesheet's variables, so a live switch to dark mode restyles the
// charts with no redraw; its text is real text (axes a test and a screen reader can read);
// and the two charts together cost a few kB instead of uPlot's 50.
const NS = 'http://www.w3.org/2000/svg';

export function svgEl(tag: string, attrs: Record<string, string | number | undefined> = {}, text?: string): SVGElement {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** 1, 2 or 5 times a power of ten, so that about `count` steps span `max`. */
export function niceStep(max: number, count = 4): number {
  const raw = max / count;
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const m = raw / pow;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * pow;
}

export interface Box {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/**
 * A chart's title above its plot, on the side a reader of the page's language starts from:
 * the axes stay left to right, but a Persian title reads right to left from the right edge.
 */
export function chartTitle(box: Box, text: string): SVGElement {
  const rtl = document.documentElement.dir === 'rtl';
  return svgEl('text', { x: rtl ? box.width - 2 : 2, y: 12, class: 'axis-title', direction: rtl ? 'rtl' : 'ltr', 'text-anchor': 'start' }, text);
}

export function chartSvg(box: Box, label: string): SVGElement {
  return svgEl('svg', {
    viewBox: `0 0 ${box.width} ${box.height}`,
    width: '100%',
    role: 'img',
    // Axes read left to right in every language (a Persian page included): text-anchor
    // "end" would otherwise flip sides under dir="rtl" and draw labels over the plot.
    direction: 'ltr',
    'aria-label': label,
    class: 'chart-svg',
  });
}
