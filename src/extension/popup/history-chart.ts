// The history chart: the plain-to-encrypted ratio over time (left axis) and each run's HTTPS
// and HTTP median throughput (right axis). uPlot draws on canvas and writes its legend with
// textContent; about 50 kB minified, the smallest chart library that does time axes well.
import uPlot from 'uplot';
import type { Translate } from '../platform/ports.js';
import { chartColumns } from '../shared/chart-columns.js';
import type { HistoryEntry } from '../shared/storage-schema.js';

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || 'currentColor';
}

export class HistoryChart {
  private plot: uPlot | undefined;

  constructor(
    private readonly container: HTMLElement,
    private readonly t: Translate,
  ) {}

  render(entries: readonly HistoryEntry[]): void {
    const data = chartColumns(entries);
    if (data[0].length === 0) {
      this.plot?.destroy();
      this.plot = undefined;
      this.container.hidden = true;
      return;
    }
    this.container.hidden = false;
    if (this.plot) {
      this.plot.setData(data);
      return;
    }
    const fg = cssVar('--fg');
    const grid = cssVar('--line');
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    this.plot = new uPlot(
      {
        width: Math.max(200, this.container.clientWidth || 396),
        height: 160,
        scales: { x: { time: true }, ratio: { auto: true }, mbps: { auto: true } },
        series: [
          {},
          { label: this.t('seriesRatio'), scale: 'ratio', stroke: cssVar('--chart-ratio'), width: 2, spanGaps: true, points: { show: true } },
          { label: this.t('seriesHttps'), scale: 'mbps', stroke: cssVar('--chart-https'), width: 1, spanGaps: true },
          { label: this.t('seriesHttp'), scale: 'mbps', stroke: cssVar('--chart-http'), width: 1, dash: [4, 3], spanGaps: true },
        ],
        axes: [
          { ...axis },
          { ...axis, scale: 'ratio', label: this.t('axisRatio') },
          { ...axis, scale: 'mbps', side: 1, label: this.t('axisMbps'), grid: { show: false } },
        ],
      },
      data,
      this.container,
    );
  }
}
