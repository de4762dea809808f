// The history as uPlot's aligned columns: time, then the ratio and the two screening medians.
import { screenMedian } from './history-export.js';
import type { HistoryEntry } from './storage-schema.js';

/** uPlot's aligned columns: x in seconds, then one array a series, null for a gap. */
export function chartColumns(entries: readonly HistoryEntry[]): [number[], (number | null)[], (number | null)[], (number | null)[]] {
  const sorted = [...entries].sort((a, b) => a.finishedAt - b.finishedAt);
  const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
  return [
    sorted.map((e) => e.finishedAt / 1000),
    // A failed or interfered run has no ratio to plot: a gap, not a zero.
    sorted.map((e) => finite(e.result.verdict === 'failed' || e.result.verdict === 'interfered' ? undefined : e.result.ratio)),
    sorted.map((e) => finite(screenMedian(e, 'https'))),
    sorted.map((e) => finite(screenMedian(e, 'http'))),
  ];
}
