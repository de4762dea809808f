// Group-sequential boundaries with an alpha-spending function, for repeated confidence
// intervals: a run looks after every round and may stop at any of them, so an interval it acts
// on must cover the true value at every look at once, not at one fixed number of rounds.
//
// Sources: Lan & DeMets, "Discrete sequential boundaries for clinical trials", Biometrika 1983
// (spending functions); Jennison & Turnbull, "Group Sequential Methods with Applications to
// Clinical Trials", 2000, ch. 7 (spending functions), ch. 9 (repeated confidence intervals) and
// ch. 19 (the numerical integration, after Armitage, McPherson & Rowe, JRSS A 1969).
// docs/method.md, "The stopping rule: repeated confidence intervals", has the derivation and the assumptions.
//
// The canonical joint distribution: at look k with information I_k the standardized statistic
// Z_k = S_k / sqrt(I_k), where the score S has independent normal increments with variance
// I_k - I_{k-1}. A two-sided boundary c_1..c_K is chosen so that the chance of |Z_k| >= c_k at
// some look k <= j is exactly f(I_j / I_max) for every j, f the spending function. Inverting
// the look-k test at nominal two-sided level 2(1 - Phi(c_k)) for every parameter value gives
// intervals that hold all together with probability 1 - f(1) >= 1 - alpha, whenever the run
// stops (Jennison & Turnbull, sec. 9.1), because the looks and their information are fixed
// before any data: one look per paired round, information proportional to the rounds.

/** Complementary error function (Numerical Recipes 2nd ed., erfcc: relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** P(Z > x) for a standard normal Z, accurate in the far tail (relative error < 1.2e-7). */
export function normalUpperTail(x: number): number {
  return 0.5 * erfc(x / Math.SQRT2);
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
function normalDensity(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** The x with P(Z > x) = p (bisection: every call is cached by its caller). */
export function normalUpperQuantile(p: number): number {
  if (p <= 0) return Infinity;
  if (p >= 1) return -Infinity;
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (normalUpperTail(mid) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export type SpendingFunction = 'pocock' | 'obrien-fleming' | { hwangShihDeCani: number };

/**
 * The two-sided alpha spent by information fraction t (Lan & DeMets 1983): the Pocock type
 * alpha ln(1 + (e - 1) t) spends early and evenly; the O'Brien-Fleming type spends
 * 2 - 2 Phi(z_{alpha/4} / sqrt t) on each side (4 - 4 Phi(.) in all) and keeps nearly all of it
 * for the last looks. Both reach alpha at t = 1 and spend nothing more after.
 */
export function alphaSpent(spending: SpendingFunction, alpha: number, t: number): number {
  if (t <= 0) return 0;
  const u = Math.min(1, t);
  if (spending === 'pocock') return alpha * Math.log(1 + (Math.E - 1) * u);
  if (typeof spending === 'object') {
    // Hwang, Shih & DeCani (Stat. Med. 1990): alpha (1 - e^(-g t)) / (1 - e^(-g)); g = 1 is close
    // to the Pocock type, larger g spends more of alpha at the early looks.
    const g = spending.hwangShihDeCani;
    return g === 0 ? alpha * u : (alpha * (1 - Math.exp(-g * u))) / (1 - Math.exp(-g));
  }
  return 4 * normalUpperTail(normalUpperQuantile(alpha / 4) / Math.sqrt(u));
}

/** The boundary past which no alpha is left to spend (a look there cannot reject). */
const NO_ALPHA = 40;
/** Grid points per standard deviation of one look's increment: 12 gave the same levels to 5 decimals, 3x slower. */
const POINTS_PER_SD = 6;

/**
 * Two-sided boundaries c_k (on the Z scale) for looks with the given increasing information
 * levels, spending `alpha` by `spending` over the fraction info / maxInfo.
 */
export function spendingBoundaries(info: readonly number[], maxInfo: number, alpha: number, spending: SpendingFunction): number[] {
  return boundariesFor(
    info,
    info.map((i) => alphaSpent(spending, alpha, i / maxInfo)),
  ).interim;
}

/** Solve crossing(c) = target for c on [0, NO_ALPHA] (crossing falls as c grows). */
function solveBoundary(crossing: (c: number) => number, target: number): number {
  if (!(target > 0) || crossing(NO_ALPHA) >= target) return NO_ALPHA;
  let lo = 0;
  let hi = NO_ALPHA;
  for (let i = 0; i < 100 && hi - lo > 1e-10; i++) {
    const mid = (lo + hi) / 2;
    if (crossing(mid) > target) lo = mid;
    else hi = mid;
  }
  return hi;
}

export interface Boundaries {
  /** c_k: crossing at some look k <= j has probability cumulative[j]. */
  interim: number[];
  /**
   * Where the run ends at look k instead (its budget or time limit, not its data, ended it):
   * the boundary at look k that spends all of `finalAlpha` left after looks 1..k-1.
   */
  final: number[];
}

/**
 * Two-sided boundaries for looks with the given increasing information levels such that the
 * chance of crossing at some look k <= j is cumulative[j] (non-decreasing) for every j, and
 * for every k the final boundary of a run that ends at look k (finalAlpha in all; the last
 * cumulative value when absent).
 */
export function boundariesFor(info: readonly number[], cumulative: readonly number[], finalAlpha = cumulative[cumulative.length - 1] ?? 0): Boundaries {
  const interim: number[] = [];
  const final: number[] = [];
  // The sub-density of the score S at the previous look on the continuation region, on a grid.
  let grid: number[] = [];
  let density: number[] = [];
  let weights: number[] = [];
  let spent = 0;
  let prevInfo = 0;
  for (let k = 0; k < info.length; k++) {
    const ik = info[k]!;
    if (!(ik > prevInfo)) throw new Error('information must increase from look to look');
    const sd = Math.sqrt(ik - prevInfo);
    const sqrtI = Math.sqrt(ik);
    // The chance of continuing to look k and crossing a boundary c there.
    const crossing = (c: number): number => {
      if (k === 0) return 2 * normalUpperTail(c);
      const b = c * sqrtI;
      let p = 0;
      for (let j = 0; j < grid.length; j++) {
        const u = grid[j]!;
        p += weights[j]! * density[j]! * (normalUpperTail((b - u) / sd) + normalUpperTail((b + u) / sd));
      }
      return p;
    };
    final.push(solveBoundary(crossing, finalAlpha - spent));
    const c = solveBoundary(crossing, cumulative[k]! - spent);
    spent += crossing(c);
    interim.push(c);
    if (k === info.length - 1) break;
    // The new sub-density on (-c sqrt(I_k), c sqrt(I_k)), by Simpson's rule over the old one.
    const half = Math.min(c, 10) * sqrtI;
    const step = Math.min(sd, Math.sqrt(info[k + 1]! - ik)) / POINTS_PER_SD;
    const intervals = 2 * Math.max(1, Math.ceil(half / step));
    const h = (2 * half) / intervals;
    const nextGrid: number[] = [];
    const nextWeights: number[] = [];
    const nextDensity: number[] = [];
    for (let i = 0; i <= intervals; i++) {
      const s = -half + i * h;
      nextGrid.push(s);
      nextWeights.push(((i === 0 || i === intervals ? 1 : i % 2 ? 4 : 2) * h) / 3);
      let g = 0;
      if (k === 0) g = normalDensity(s / sd) / sd;
      else for (let j = 0; j < grid.length; j++) g += weights[j]! * density[j]! * (normalDensity((s - grid[j]!) / sd) / sd);
      nextDensity.push(g);
    }
    grid = nextGrid;
    weights = nextWeights;
    density = nextDensity;
    prevInfo = ik;
  }
  return { interim, final };
}

export interface RepeatedDesign {
  /** interim[n]: the confidence of the interval after n paired rounds while the run goes on. */
  interim: number[];
  /** final[n]: the confidence of the interval of a run that ends after n rounds for its budget or time. */
  final: number[];
}

/**
 * The nominal two-sided levels of every look of a pair: look n (n = firstRounds..maxRounds
 * paired rounds, information n) of a design that spends `alpha` over maxRounds rounds; 0 before
 * the first look. Round counts in `skip` are no interim look: they spend nothing (interim level
 * 1), and what the spending function would have spent there is spent at the next look; a run
 * that ends at one still gets its final level. Cached: the same few designs serve every run.
 */
export function repeatedLevels(alpha: number, firstRounds: number, maxRounds: number, spending: SpendingFunction, skip: readonly number[] = []): RepeatedDesign {
  const key = `${alpha}|${firstRounds}|${maxRounds}|${JSON.stringify(spending)}|${skip.join(',')}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const info: number[] = [];
  for (let n = firstRounds; n <= maxRounds; n++) info.push(n);
  let spent = 0;
  const cumulative = info.map((n) => (spent = skip.includes(n) ? spent : alphaSpent(spending, alpha, n / maxRounds)));
  const b = boundariesFor(info, cumulative, alpha);
  const levelsOf = (bounds: number[], skipped: boolean) => {
    const levels = new Array<number>(maxRounds + 1).fill(0);
    bounds.forEach((c, i) => (levels[firstRounds + i] = skipped && skip.includes(firstRounds + i) ? 1 : 1 - 2 * normalUpperTail(c)));
    return levels;
  };
  const design = { interim: levelsOf(b.interim, true), final: levelsOf(b.final, false) };
  cache.set(key, design);
  return design;
}
const cache = new Map<string, RepeatedDesign>();
