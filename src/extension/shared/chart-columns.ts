// What the popup's two charts plot, from stored results: the history of ratios with their
// intervals, and the latest run's transfers round by round. Pure data, so it is tested
// without a page.
import type { Result } from '../../core/types.js';
import { uploadOnlyPair } from './history-export.js';
import type { IndexPoint } from './history-index.js';

export interface RatioPoint {
  finishedAt: number;
  verdict: Result['verdict'];
  /** Plain over TLS goodput; undefined for a run with none (failed, interfered). */
  ratio?: number;
  ci95?: [number, number];
}

const finite = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x) && x > 0;

/** Every run, oldest first; a failed or interfered run keeps its place but has no ratio. */
export function ratioPoints(points: readonly IndexPoint[]): RatioPoint[] {
  const sorted = [...points].sort((a, b) => a.finishedAt - b.finishedAt);
  return sorted.map((p) => {
    const ratio = p.ratio ?? undefined;
    const has = p.verdict !== 'failed' && p.verdict !== 'interfered' && finite(ratio);
    const lo = p.ciLow ?? undefined;
    const hi = p.ciHigh ?? undefined;
    const ci = finite(lo) && finite(hi) ? ([lo, hi] as [number, number]) : undefined;
    return { finishedAt: p.finishedAt, verdict: p.verdict, ratio: has ? ratio : undefined, ci95: has ? ci : undefined };
  });
}

export interface TransferSeries {
  httpsLeg: string;
  httpLeg: string;
  /** Mbit/s of each round's transfer (the rate after any initial burst), in order. */
  httpsMbps: number[];
  httpMbps: number[];
  /** The upload pair's transfers: the finding is in uploads alone (history-export.ts answerMedians). */
  uploads: boolean;
  /**
   * A test by name (Result.sni): the leg under the name tested, whose pair with the control's
   * HTTPS ("sni") is the finding; screening is the control against plain HTTP.
   */
  named?: { leg: string; mbps: number[] };
}

/**
 * The transfers of the pair the answer rests on: screening's (the comparison "screen", else the
 * first download legs), or the upload pair's where the finding is in uploads alone, as the
 * card's figures (history-export.ts answerMedians): two download lines together beside "2.9
 * times slower" would show no difference at all.
 */
export function transferSeries(r: Result): TransferSeries | undefined {
  const byId = (id: string | undefined) => r.legs.find((l) => l.id === id);
  const rate = (t: { mbps: number; steadyMbps?: number }) => t.steadyMbps ?? t.mbps;
  const upload = uploadOnlyPair(r);
  const upTls = byId(upload?.suspectLeg);
  const upPlain = byId(upload?.referenceLeg);
  if (upTls?.transfers.length && upPlain?.transfers.length) {
    return { httpsLeg: upTls.id, httpLeg: upPlain.id, httpsMbps: upTls.transfers.map(rate), httpMbps: upPlain.transfers.map(rate), uploads: true };
  }
  const screen = r.comparisons.find((c) => c.id === 'screen');
  const tls = byId(screen?.suspectLeg) ?? r.legs.find((l) => l.scheme === 'https' && l.direction === 'down');
  const plain = byId(screen?.referenceLeg) ?? r.legs.find((l) => l.scheme === 'http' && l.direction === 'down');
  if (!tls || !plain || (!tls.transfers.length && !plain.transfers.length)) return undefined;
  const named = r.sni ? byId(r.comparisons.find((c) => c.id === 'sni')?.suspectLeg) : undefined;
  return {
    httpsLeg: tls.id,
    httpLeg: plain.id,
    httpsMbps: tls.transfers.map(rate),
    httpMbps: plain.transfers.map(rate),
    uploads: false,
    ...(named?.transfers.length ? { named: { leg: named.id, mbps: named.transfers.map(rate) } } : {}),
  };
}
