// The latest test, transfer by transfer: HTTPS and HTTP Mbit/s in each round on one axis. Two
// lines apart round after round is what convinces a reader that the difference is real, not
// one unlucky transfer (Wehe shows its replays the same way). A test by name adds a third line,
// the HTTPS leg under the name tested, beside the control name's.
import type { Result } from '../../core/types.js';
import type { Translate } from '../platform/ports.js';
import { el } from '../shared/dom.js';
import type { LocaleFormat } from '../shared/locale-format.js';
import { transferSeries } from '../shared/chart-columns.js';
import { chartSvg, chartTitle, niceStep, svgEl, type Box } from './svg.js';

const BOX: Box = { width: 396, height: 176, left: 46, right: 14, top: 22, bottom: 36 };

export function renderTransfersChart(container: HTMLElement, result: Result | undefined, t: Translate, f: LocaleFormat): void {
  const series = result && result.verdict !== 'failed' && result.verdict !== 'interfered' ? transferSeries(result) : undefined;
  if (!series) {
    container.replaceChildren();
    container.hidden = true;
    return;
  }
  container.hidden = false;
  const { width, height, left, right, top, bottom } = BOX;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const named = series.named?.mbps ?? [];
  const rounds = Math.max(series.httpsMbps.length, series.httpMbps.length, named.length);
  const max = Math.max(1, ...series.httpsMbps, ...series.httpMbps, ...named);
  const step = niceStep(max, 4);
  const yMax = Math.ceil((max * 1.05) / step) * step;
  const x = (i: number) => (rounds === 1 ? left + plotW / 2 : left + (plotW * i) / (rounds - 1));
  const y = (v: number) => top + plotH * (1 - v / yMax);

  const svg = chartSvg(BOX, t(series.uploads ? 'transfersChartLabelUpload' : 'transfersChartLabel'));
  svg.append(chartTitle(BOX, t('unitMbps')));
  const yAxis = svgEl('g', { class: 'axis y-axis' });
  for (let v = 0; v <= yMax + step / 2; v += step) {
    yAxis.append(svgEl('line', { x1: left, x2: width - right, y1: y(v), y2: y(v), class: 'grid' }));
    yAxis.append(svgEl('text', { x: left - 4, y: y(v) + 4, 'text-anchor': 'end' }, f.count(v)));
  }
  svg.append(yAxis);
  const xAxis = svgEl('g', { class: 'axis x-axis' });
  const every = Math.max(1, Math.ceil(rounds / 8));
  for (let i = 0; i < rounds; i += every) {
    xAxis.append(svgEl('text', { x: x(i), y: height - 20, 'text-anchor': 'middle' }, f.count(i + 1)));
  }
  xAxis.append(svgEl('text', { x: left + plotW / 2, y: height - 4, 'text-anchor': 'middle', class: 'axis-title' }, t('axisRound')));
  svg.append(xAxis);
  for (const [cls, values] of [
    ['s-http', series.httpMbps],
    ['s-https', series.httpsMbps],
    ['s-named', named],
  ] as const) {
    if (!values.length) continue;
    const g = svgEl('g', { class: `series ${cls}` });
    if (values.length > 1) g.append(svgEl('polyline', { points: values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ') }));
    values.forEach((v, i) => g.append(svgEl('circle', { cx: x(i), cy: y(v), r: 3 })));
    svg.append(g);
  }
  // A test by name: the HTTPS line is the control name's, and the name tested has its own.
  const item = (cls: string, text: string) => el('li', {}, el('span', { class: `swatch ${cls}`, 'aria-hidden': 'true' }), text);
  // The card's labels (result-words.ts speedLabels): the uploads' where the lines are theirs.
  const https = t(series.uploads ? 'speedLabelHttpsUpload' : 'speedLabelHttps');
  const legend = el(
    'ul',
    { class: 'chart-legend' },
    item('s-https', named.length ? t('legSniControl', [https]) : https),
    item('s-http', t(series.uploads ? 'speedLabelHttpUpload' : 'speedLabelHttp')),
    ...(named.length ? [item('s-named', t('legSniName', [https]))] : []),
  );
  container.replaceChildren(svg, legend);
}
