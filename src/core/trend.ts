// Kendall's test for a monotone trend in a series against its order (Mann 1945; Kendall,
// Rank Correlation Methods, 1948): the number of inversions, pairs i < j with x[i] > x[j], is
// under exchangeability distributed as in a random permutation (the Mahonian numbers), so the
// one-sided p-value of "rising" is exact for any length the runs reach, with no normal
// approximation (Hollander & Wolfe, Nonparametric Statistical Methods, 3rd ed., sec. 8.1).

/** P(inversions <= k) of a random permutation of n items, for k = 0..n(n-1)/2. */
function inversionCdf(n: number): Float64Array {
  const max = (n * (n - 1)) / 2;
  // Probabilities, not counts: n! overflows no double up to n = 170, but this stays in [0, 1].
  let p = new Float64Array(max + 1);
  p[0] = 1;
  for (let m = 2; m <= n; m++) {
    // Inserting the m-th item adds 0..m-1 inversions, each equally likely.
    const next = new Float64Array(max + 1);
    const top = (m * (m - 1)) / 2;
    let window = 0;
    for (let k = 0; k <= top; k++) {
      window += p[k] ?? 0;
      if (k - m >= 0) window -= p[k - m] ?? 0;
      next[k] = window / m;
    }
    p = next;
  }
  for (let k = 1; k <= max; k++) p[k]! += p[k - 1]!;
  return p;
}

const cdfs = new Map<number, Float64Array>();

/**
 * One-sided p-value of "the series rises with its order": the chance that a random ordering
 * of the same values has no more inversions than this one. Ties count as half an inversion
 * and the p-value is taken at the whole inversions below them. 1 for fewer than two values.
 */
export function risingTrendPValue(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 1;
  let inversions = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (xs[i]! > xs[j]!) inversions += 1;
      else if (xs[i] === xs[j]) inversions += 0.5;
    }
  }
  let cdf = cdfs.get(n);
  if (!cdf) {
    cdf = inversionCdf(n);
    cdfs.set(n, cdf);
  }
  return Math.min(1, cdf[Math.floor(inversions)]!);
}
