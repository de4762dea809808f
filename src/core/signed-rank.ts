// Wilcoxon signed-rank test and the Hodges-Lehmann estimate with its distribution-free
// confidence interval, for paired per-round differences (here: log goodput ratios).
// The interval follows R's wilcox.test(conf.int = TRUE): sorted Walsh averages, cut at the
// quantiles of the exact signed-rank distribution (Hollander & Wolfe, Nonparametric
// Statistical Methods, 3rd ed., sec. 3.3).
import { cumulativeStdNormalProbability, median, probit } from 'simple-statistics';

/** Exact null distribution of the signed-rank statistic V for n untied, nonzero values: counts[v]. */
function signedRankCounts(n: number): Float64Array {
  const max = (n * (n + 1)) / 2;
  const counts = new Float64Array(max + 1);
  counts[0] = 1;
  for (let k = 1; k <= n; k++) {
    for (let v = max; v >= k; v--) counts[v]! += counts[v - k]!;
  }
  return counts;
}

const EXACT_MAX_N = 60;

/** P(V <= v) under the null. */
function cdf(counts: Float64Array, n: number, v: number): number {
  const total = 2 ** n;
  let s = 0;
  for (let i = 0; i <= Math.min(v, counts.length - 1); i++) s += counts[i]!;
  return s / total;
}

/** Smallest v with P(V <= v) >= p, as R's qsignrank. */
function quantileV(n: number, p: number): number {
  if (n <= EXACT_MAX_N) {
    const counts = signedRankCounts(n);
    const total = 2 ** n;
    let s = 0;
    for (let v = 0; v < counts.length; v++) {
      s += counts[v]!;
      if (s / total >= p - 1e-12) return v;
    }
    return counts.length - 1;
  }
  const meanV = (n * (n + 1)) / 4;
  const sdV = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24);
  return Math.max(0, Math.floor(meanV + probit(p) * sdV));
}

/** Ranks of |x| with ties given their average rank. */
function absRanks(xs: number[]): { ranks: number[]; ties: boolean } {
  const order = xs.map((x, i) => ({ a: Math.abs(x), i })).sort((p, q) => p.a - q.a);
  const ranks = new Array<number>(xs.length);
  let ties = false;
  for (let j = 0; j < order.length; ) {
    let k = j;
    while (k + 1 < order.length && order[k + 1]!.a === order[j]!.a) k++;
    if (k > j) ties = true;
    const r = (j + k + 2) / 2;
    for (let m = j; m <= k; m++) ranks[order[m]!.i] = r;
    j = k + 1;
  }
  return { ranks, ties };
}

/** Two-sided p-value of the signed-rank test of "the differences are centred on zero". */
export function signedRankPValue(diffs: number[]): number {
  const xs = diffs.filter((d) => d !== 0);
  const n = xs.length;
  if (n === 0) return 1;
  const { ranks, ties } = absRanks(xs);
  const v = xs.reduce((s, x, i) => (x > 0 ? s + ranks[i]! : s), 0);
  if (!ties && n <= EXACT_MAX_N) {
    const counts = signedRankCounts(n);
    const lower = cdf(counts, n, Math.floor(v));
    const upper = 1 - cdf(counts, n, Math.ceil(v) - 1);
    return Math.min(1, 2 * Math.min(lower, upper));
  }
  // Normal approximation with tie and continuity corrections (as R's wilcox.test, exact = FALSE).
  const tieSizes = new Map<number, number>();
  for (const r of ranks) tieSizes.set(r, (tieSizes.get(r) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of tieSizes.values()) tieTerm += t ** 3 - t;
  const meanV = (n * (n + 1)) / 4;
  const sdV = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48);
  if (sdV === 0) return 1;
  const z = (v - meanV - Math.sign(v - meanV) * 0.5) / sdV;
  return Math.min(1, 2 * (1 - cumulativeStdNormalProbability(Math.abs(z))));
}

function walshAverages(xs: number[]): number[] {
  const w: number[] = [];
  for (let i = 0; i < xs.length; i++) for (let j = i; j < xs.length; j++) w.push((xs[i]! + xs[j]!) / 2);
  return w.sort((a, b) => a - b);
}

export interface LocationEstimate {
  /** Hodges-Lehmann estimate: the median of the Walsh averages. */
  estimate: number;
  /** Distribution-free interval; NaN bounds when n is too small to reach the level. */
  lo: number;
  hi: number;
  /** The confidence the interval really has (exact distributions are discrete). */
  achievedLevel: number;
  n: number;
}

/**
 * Hodges-Lehmann estimate and its signed-rank interval at `level` (e.g. 0.95). With fewer than
 * 6 values no interval reaches 95%: the bounds are then NaN and the caller must not decide.
 */
export function hodgesLehmann(values: number[], level = 0.95): LocationEstimate {
  const n = values.length;
  if (n === 0) return { estimate: NaN, lo: NaN, hi: NaN, achievedLevel: 0, n };
  const walsh = walshAverages(values);
  const estimate = median(walsh);
  const alpha = 1 - level;
  let qu = quantileV(n, alpha / 2);
  if (qu === 0) qu = 1;
  const ql = (n * (n + 1)) / 2 - qu;
  const achievedLevel = n <= EXACT_MAX_N ? 1 - 2 * cdf(signedRankCounts(n), n, qu - 1) : level;
  if (achievedLevel < level - 1e-9) return { estimate, lo: NaN, hi: NaN, achievedLevel, n };
  return { estimate, lo: walsh[qu - 1]!, hi: walsh[ql]!, achievedLevel, n };
}
