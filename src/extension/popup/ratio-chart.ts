// The history of ratios: plain over encrypted speed on a log scale (2x slower and 2x faster sit
// at the same distance from 1x), the 1x line, the band within which docs/method.md calls two
// speeds the same (0.8-1.25x), each run's 95% interval as a whisker and its point coloured by
// verdict. A failed run has no ratio: a small mark on the bottom edge keeps its place in time.
import type { Translate } from '../platform/ports.js';
import { el } from '../shared/dom.js';
import type { LocaleFormat } from '../shared/locale-format.js';
import { ratioPoints, type RatioPoint } from '../shared/chart-columns.js';
import type { IndexPoint } from '../shared/history-index.js';
import { chartSvg, chartTitle, svgEl, type Box } from './svg.js';
import { verdictLabel } from './verdict-card.js';
import { MARGIN_RATIO } from '../../core/margin.js';
const TICKS = [1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8, 16, 32, 64];
const BOX: Box = { width: 396, height: 190, left: 46, right: 14, top: 30, bottom: 26 };

function domain(points: RatioPoint[]): [number, number] {
  let lo = 1 / MARGIN_RATIO / 1.3;
  let hi = MARGIN_RATIO * 1.3;
  for (const p of points) {
    for (const x of [p.ratio, p.ci95?.[0], p.ci95?.[1]]) {
      if (x === undefined) continue;
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
  }
  return [Math.max(lo / 1.1, TICKS[0]!), Math.min(hi * 1.1, TICKS.at(-1)!)];
}

/** Time labels: hours within a day and a half, days beyond. */
function timeTicks(from: number, to: number, f: LocaleFormat): { at: number; label: string }[] {
  if (to === from) return [{ at: from, label: f.shortDate(from) }];
  const format = to - from < 36 * 3_600_000 ? f.time : f.shortDate;
  return [0, 1 / 3, 2 / 3, 1].map((q) => {
    const at = from + q * (to - from);
    return { at, label: format(at) };
  });
}

export function renderRatioChart(container: HTMLElement, runs: readonly IndexPoint[], t: Translate, f: LocaleFormat): void {
  const points = ratioPoints(runs);
  const plotted = points.filter((p) => p.ratio !== undefined);
  if (!points.length) {
    container.replaceChildren();
    container.hidden = true;
    return;
  }
  container.hidden = false;
  if (!plotted.length) {
    container.replaceChildren(el('p', { class: 'muted chart-empty' }, t('chartNoRatios')));
    return;
  }
  const [yLo, yHi] = domain(points);
  const { width, height, left, right, top, bottom } = BOX;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const y = (r: number) => top + plotH * (1 - (Math.log(r) - Math.log(yLo)) / (Math.log(yHi) - Math.log(yLo)));
  const from = points[0]!.finishedAt;
  const to = points.at(-1)!.finishedAt;
  const x = (ms: number) => (to === from ? left + plotW / 2 : left + (plotW * (ms - from)) / (to - from));
  const clamp = (r: number) => Math.min(yHi, Math.max(yLo, r));

  const svg = chartSvg(BOX, t('ratioChartLabel'));
  svg.append(chartTitle(BOX, t('ratioAxisTitle')));
  svg.append(svgEl('rect', { x: left, y: y(MARGIN_RATIO), width: plotW, height: y(1 / MARGIN_RATIO) - y(MARGIN_RATIO), class: 'band' }));
  const yAxis = svgEl('g', { class: 'axis y-axis' });
  for (const tick of TICKS) {
    if (tick < yLo || tick > yHi) continue;
    yAxis.append(svgEl('line', { x1: left, x2: width - right, y1: y(tick), y2: y(tick), class: tick === 1 ? 'one-line' : 'grid' }));
    yAxis.append(svgEl('text', { x: left - 4, y: y(tick) + 4, 'text-anchor': 'end' }, f.ratio(tick)));
  }
  svg.append(yAxis);
  const xAxis = svgEl('g', { class: 'axis x-axis' });
  const ticks = timeTicks(from, to, f);
  ticks.forEach((tick, i) => {
    const anchor = ticks.length === 1 ? 'middle' : i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle';
    xAxis.append(svgEl('text', { x: ticks.length === 1 ? x(tick.at) : left + (plotW * i) / (ticks.length - 1), y: height - 8, 'text-anchor': anchor }, tick.label));
  });
  svg.append(xAxis);
  const marks = svgEl('g', { class: 'marks' });
  // Fewer, smaller points when hundreds of runs share 330 pixels.
  const radius = points.length > 100 ? 2 : 3.5;
  for (const p of points) {
    const px = x(p.finishedAt);
    if (p.ratio === undefined) {
      marks.append(svgEl('rect', { x: px - 2, y: top + plotH - 4, width: 4, height: 4, class: `pt pt-${p.verdict}` }));
      continue;
    }
    if (p.ci95) marks.append(svgEl('line', { x1: px, x2: px, y1: y(clamp(p.ci95[0])), y2: y(clamp(p.ci95[1])), class: `whisker pt-${p.verdict}` }));
    // No <title> a point: inside role="img" a screen reader reads only the chart's label, and
    // 500 titles cost a tenth of the popup's drawing time; the table below has every figure.
    marks.append(svgEl('circle', { cx: px, cy: y(clamp(p.ratio)), r: radius, class: `pt pt-${p.verdict}` }));
  }
  svg.append(marks);
  const present = [...new Set(points.map((p) => p.verdict))];
  const legend = el(
    'ul',
    { class: 'chart-legend' },
    ...present.map((v) => el('li', {}, el('span', { class: `swatch pt-${v}`, 'aria-hidden': 'true' }), verdictLabel(v, t))),
    el('li', {}, el('span', { class: 'swatch band', 'aria-hidden': 'true' }), t('legendBand', [f.ratio(1 / MARGIN_RATIO), f.ratio(MARGIN_RATIO)])),
  );
  container.replaceChildren(svg, legend);
}
