// Rules 2r-4r of the decision (decision.ts), the default stopping rule: repeated confidence
// intervals whose levels a spending function sets from each pair's share of the run's
// family-wise error budget (error-budget.ts), with the rounds since a turn (rule 4t,
// since-turn.ts) and some rounds slowed (rule 4m, some-rounds.ts) on shares of their own.
import { pairAlpha, type Rejected } from './error-budget.js';
import { alphaSpent, repeatedLevels, type RepeatedDesign, type SpendingFunction } from './group-sequential.js';
import { intervalOutcome, lessBusyKeep, lessBusyRounds, MIN_ROUNDS } from './interval-rule.js';
import { MARGIN_RATIO } from './margin.js';
import type { PairedRound } from './paired-rounds.js';
import { roundsSinceTurn } from './since-turn.js';
import { someRoundsSide } from './some-rounds.js';
import type { Comparison } from './types.js';

/** The most paired rounds a pair can have: the HTTP driver's MAX_ROUNDS (engine/http-driver.ts). */
export const DESIGN_MAX_ROUNDS = 48;

/** The spending function of every repeated design (group-sequential.ts). */
const SPENDING: SpendingFunction = { hwangShihDeCani: 4 };

/**
 * The first look of a design: the exact signed-rank interval of m rounds is finite only at
 * levels up to 1 - 2^(1-m) (all m rounds on one side of the value tested), so a look whose
 * level is higher cannot reject anything, and alpha spent there would be lost to the run. The
 * design therefore starts at the first round count whose own first-look level its rounds can
 * reach: 7 rounds for screening's 0.035, where starting at MIN_ROUNDS left 28% of it at looks
 * that could not reject. Fixed by alpha alone, before any data.
 */
export function firstLook(alpha: number): number {
  const key = `${alpha}`;
  const cached = firstLooks.get(key);
  if (cached !== undefined) return cached;
  let first = DESIGN_MAX_ROUNDS + 1;
  for (let n = MIN_ROUNDS; n <= DESIGN_MAX_ROUNDS; n++) {
    const level = repeatedLevels(alpha, n, DESIGN_MAX_ROUNDS, SPENDING).interim[n]!;
    if (reaches(n, level)) {
      first = n;
      break;
    }
  }
  firstLooks.set(key, first);
  return first;
}
const firstLooks = new Map<string, number>();

/**
 * The level of a repeated interval over all of a pair's rounds after n rounds: a Lan-DeMets
 * spending function of the Hwang-Shih-DeCani family spends `alpha` over looks at
 * firstLook..DESIGN_MAX_ROUNDS rounds, information proportional to the rounds
 * (group-sequential.ts); 1 (no interval) before the first look. `finalLook`: the run ends here
 * for its budget or time limit, and the look spends all the alpha the looks before left (all
 * of it, as one look at 1 - alpha, before the first look).
 */
export function repeatedLevelAt(alpha: number, rounds: number, finalLook = false): number {
  if (alpha <= 0 || rounds > DESIGN_MAX_ROUNDS || rounds < MIN_ROUNDS) return 1;
  const first = firstLook(alpha);
  if (rounds < first) return finalLook ? 1 - alpha : 1;
  const design = designOf(alpha, first);
  return (finalLook ? design.final : design.interim)[rounds]!;
}

/**
 * The design from its first look on, without the looks past it whose level their rounds
 * cannot reach either. A look's level is not monotone in its rounds: screening's all-rounds
 * design (alpha 0.035) asked 0.99222 at 8 rounds, where 8 rounds reach 0.99219, so that look had no
 * interval, and the 4.5% of the alpha it spent was lost to the run, as firstLook's would have
 * been. Such a look is skipped (group-sequential.ts repeatedLevels `skip`): it spends nothing,
 * the next look spends what it would have, and it reports no interval, as before the first
 * look. Found one at a time, since skipping one lowers the levels after it. Fixed by alpha
 * alone, before any data.
 */
function designOf(alpha: number, first: number): RepeatedDesign {
  const key = `${alpha}`;
  const cached = designs.get(key);
  if (cached) return cached;
  const skip: number[] = [];
  for (;;) {
    const design = repeatedLevels(alpha, first, DESIGN_MAX_ROUNDS, SPENDING, skip);
    let unreachable: number | undefined;
    for (let n = first + 1; n <= DESIGN_MAX_ROUNDS && unreachable === undefined; n++) {
      if (design.interim[n]! < 1 && !reaches(n, design.interim[n]!)) unreachable = n;
    }
    if (unreachable === undefined) {
      designs.set(key, design);
      return design;
    }
    skip.push(unreachable);
  }
}
const designs = new Map<string, RepeatedDesign>();

/** The level of a pair's repeated interval over all its rounds: its weight in the family budget (error-budget.ts). */
export function repeatedLevel(id: string, rounds: number, finalLook = false, rejected: Rejected = new Set()): number {
  return repeatedLevelAt(pairAlpha(id, rejected) * ALL_ROUNDS_ALPHA_SHARE, rounds, finalLook);
}

/**
 * Rule 4r: the share of a pair's alpha spent on its less busy rounds (rule 4's second look);
 * rule 4t's share on the rounds since a turn; rule 4m's on some rounds slowed; the rest, half,
 * on all rounds: by Bonferroni the pair keeps its weight in the family budget. Rules 4t and 4m
 * take their tenths out of the less busy look's share: taken from all rounds as well, rule 4t's
 * moved screening's first look from 7 rounds to 8. Rule 4m's tenth cost the less busy look 1
 * of 200 simulated 2x caps and 2 of 200 at 1.5x, and found 71 of 200 buckets on TLS alone at 5x
 * against 60 (bench/RESULTS.md, 2026-12-04 19:14).
 */
export const LESS_BUSY_ALPHA_SHARE = 0.3;
export const TURN_ALPHA_SHARE = 0.1;
export const SOME_ROUNDS_ALPHA_SHARE = 0.1;
const ALL_ROUNDS_ALPHA_SHARE = 1 - LESS_BUSY_ALPHA_SHARE - TURN_ALPHA_SHARE - SOME_ROUNDS_ALPHA_SHARE;

/**
 * Rule 4r's looks, fixed in advance. The less busy half changes from look to look, so its
 * looks are far less correlated than a spending function's boundaries assume: looked at after
 * every round on such boundaries, a cap held exactly on the margin was called throttled in
 * 14.25% of 400 simulated runs against 6.0% without the look (bench/RESULTS.md). So it looks
 * only at these rounds, each spending the increment of the same spending function since the
 * look before: by Bonferroni over the looks, whatever their correlation, it spends at most
 * its share in all. The first look comes where its 8 rounds can reach its level.
 */
export const LESS_BUSY_LOOKS: readonly number[] = [12, 20, 28, 40, 48];

/**
 * The level of the less busy look after n rounds (1 where there is none). `finalLook`: a run
 * that ends here for its budget or time spends at one look all that the looks before left.
 */
export function lessBusyLevelAt(alpha: number, rounds: number, finalLook = false): number {
  if (alpha <= 0 || rounds > DESIGN_MAX_ROUNDS || rounds <= lessBusyKeep(rounds)) return 1;
  const spent = (n: number) => alphaSpent(SPENDING, alpha, n / DESIGN_MAX_ROUNDS);
  const before = LESS_BUSY_LOOKS.filter((n) => n < rounds);
  const spentBefore = before.length ? spent(before[before.length - 1]!) : 0;
  if (finalLook) return 1 - (alpha - spentBefore);
  if (!LESS_BUSY_LOOKS.includes(rounds)) return 1;
  return 1 - (spent(rounds) - spentBefore);
}

/**
 * The error allowed a 'same' outcome: the chance that a pair whose true ratio lies beyond the
 * margin is called 'same' at some look, by either side, as the beta of a group-sequential
 * design with early stopping for the null (Jennison & Turnbull 2000, sec. 7.2). Never at less
 * than 95%, so that a 'same' outcome's reported 95% interval lies inside the margin too.
 */
export const SAME_BETA = 0.2;

/**
 * Rules 2r-4r. Each outcome is that of a Hodges-Lehmann interval at a look's repeated level
 * (wider than 95% while the run goes on): with the levels of a spending function these
 * intervals all cover the true centre together with their probability, whichever look the
 * run stops at (Jennison & Turnbull 2000, ch. 9). 'slower'/'faster' need all rounds' interval
 * past the margin (or rule 4t's, 4m's, or the less busy rounds' on either side), and the less
 * busy rounds not leaning past it the other way (againstLessBusy); 'same' needs the interval
 * at the SAME_BETA level inside the margin, and is withheld while the less busy rounds'
 * estimate lies past it (rule 4's lean). The Comparison reports the 95% interval of the rounds
 * that decided, and the repeated interval in `repeatedCi`.
 */
export function compareRepeated(
  id: string,
  suspectLeg: string,
  referenceLeg: string,
  rounds: PairedRound[],
  finalLook = false,
  rejected: Rejected = new Set(),
  held?: readonly string[],
): Comparison {
  const measured = rounds.filter((r) => r.suspectMbps > 0 && r.referenceMbps > 0);
  const alpha = pairAlpha(id, rejected, held);
  const n = measured.length;
  const reported = intervalOutcome(id, suspectLeg, referenceLeg, measured, 0.95);
  const level = repeatedLevelAt(alpha * ALL_ROUNDS_ALPHA_SHARE, n, finalLook);
  const all = intervalOutcome(id, suspectLeg, referenceLeg, measured, level);
  const first = firstLook(alpha * ALL_ROUNDS_ALPHA_SHARE);
  const repeated = (lv: number, c: Comparison) => ({ level: lv, bounds: c.ci95, ...(finalLook ? { finalLook } : {}), firstLook: first });
  // The less busy rounds as they are (rule 4): where a cap binds, so the side a finding may take.
  const lessBusy = lessBusyRounds(measured);
  const quiet95 = lessBusy ? intervalOutcome(id, suspectLeg, referenceLeg, lessBusy, 0.95) : undefined;
  let withheld: Comparison | undefined;
  const finding = (c: Comparison): Comparison | undefined => {
    if (!againstLessBusy(c, quiet95)) return c;
    withheld ??= c;
    return undefined;
  };
  const found = findingRoute();
  if (found) return found;
  if (withheld && quiet95) {
    const lessBusyAgainst = { outcome: withheld.outcome as 'slower' | 'faster', rounds: withheld.rounds, ratio: withheld.ratio, lessBusyRounds: quiet95.rounds, lessBusyRatio: quiet95.ratio, lessBusyCi95: quiet95.ci95 };
    return { ...reported, outcome: 'unclear', lessBusyAgainst, repeatedCi: repeated(level, all) };
  }
  const sameLevel = Math.max(0.95, repeatedLevelAt(SAME_BETA, n, finalLook));
  const same = intervalOutcome(id, suspectLeg, referenceLeg, measured, sameLevel);
  if (same.outcome !== 'same') return { ...reported, outcome: 'unclear', repeatedCi: repeated(level, all) };
  if (quiet95 && (quiet95.ratio > MARGIN_RATIO || quiet95.ratio < 1 / MARGIN_RATIO)) {
    return { ...reported, outcome: 'unclear', lessBusyLean: { rounds: quiet95.rounds, ratio: quiet95.ratio, ci95: quiet95.ci95 }, repeatedCi: repeated(level, all) };
  }
  return { ...reported, outcome: 'same', repeatedCi: repeated(sameLevel, same) };

  /** The first route to a finding that the less busy rounds do not contradict: all rounds, rule 4t, rule 4m, rule 4r. */
  function findingRoute(): Comparison | undefined {
    if (all.outcome === 'slower' || all.outcome === 'faster') {
      const f = finding({ ...reported, outcome: all.outcome, repeatedCi: repeated(level, all) });
      if (f) return f;
    }
    // The rounds since a turn (rule 4t), on the side it went.
    const turn = roundsSinceTurn(measured);
    if (turn) {
      const turnLevel = repeatedLevelAt(alpha * TURN_ALPHA_SHARE, turn.rounds.length, finalLook);
      const since = intervalOutcome(id, suspectLeg, referenceLeg, turn.rounds, turnLevel);
      if ((since.outcome === 'slower' && turn.side > 0) || (since.outcome === 'faster' && turn.side < 0)) {
        const since95 = intervalOutcome(id, suspectLeg, referenceLeg, turn.rounds, 0.95);
        const f = finding({ ...since95, outcome: since.outcome, roundsBeforeTurn: turn.before, repeatedCi: { ...repeated(turnLevel, since), firstLook: firstLook(alpha * TURN_ALPHA_SHARE) } });
        if (f) return f;
      }
    }
    // Some rounds slowed (rule 4m, some-rounds.ts): reported as the rounds past the margin on
    // that side, which are what a download slowed by the shaper gets, with how many of all.
    const logRatios = measured.map((r) => Math.log(r.referenceMbps / r.suspectMbps));
    const some = someRoundsSide(logRatios, alpha * SOME_ROUNDS_ALPHA_SHARE);
    if (some) {
      const sign = some === 'slower' ? 1 : -1;
      const slowed = measured.filter((_, i) => sign * logRatios[i]! > Math.log(MARGIN_RATIO));
      const slowed95 = intervalOutcome(id, suspectLeg, referenceLeg, slowed, 0.95);
      const f = finding({ ...slowed95, outcome: some, someRoundsOf: n, repeatedCi: repeated(level, all) });
      if (f) return f;
    }
    // The less busy rounds (rule 4r), one ranking for both sides (interval-rule.ts
    // lessBusyRounds). Each side's test is one tail of the look's two-sided level, so testing
    // both spends no more than the design holds; and where a class of the line's own keeps TLS
    // at its cap while the line's other traffic squeezes plain HTTP below it, all rounds lean
    // the other way (againstLessBusy below). Of the half, the look keeps the rounds that ran
    // with the line free (interval-rule.ts freeRounds), as many as its level can use.
    // A round that is not one of its looks (level 1) can clear nothing: no rounds to rank.
    const quietLevel = lessBusyLevelAt(alpha * LESS_BUSY_ALPHA_SHARE, n, finalLook);
    const quietRounds = quietLevel < 1 && reported.ratio !== 1 ? lessBusyRounds(measured, { least: reachableRounds(quietLevel) }) : undefined;
    if (quietRounds) {
      const quiet = intervalOutcome(id, suspectLeg, referenceLeg, quietRounds, quietLevel);
      if (quiet.outcome === 'slower' || quiet.outcome === 'faster') {
        const quietRounds95 = intervalOutcome(id, suspectLeg, referenceLeg, quietRounds, 0.95);
        const f = finding({ ...quietRounds95, outcome: quiet.outcome, busyRoundsLeftOut: n - quietRounds.length, repeatedCi: repeated(quietLevel, quiet) });
        if (f) return f;
      }
    }
    return undefined;
  }
}

/**
 * Whether the exact signed-rank interval of m rounds is finite at this level: all m rounds on
 * one side has probability 2^(1-m), so the level must be at most 1 - 2^(1-m).
 */
function reaches(rounds: number, level: number): boolean {
  return 2 ** (1 - rounds) <= 1 - level;
}

/** The fewest rounds (at least MIN_ROUNDS) whose interval is finite at this level; past the design's when none is. */
export function reachableRounds(level: number): number {
  for (let m = MIN_ROUNDS; m <= DESIGN_MAX_ROUNDS; m++) if (reaches(m, level)) return m;
  return DESIGN_MAX_ROUNDS + 1;
}

/**
 * A finding the less busy rounds contradict: their estimate past the margin the other way. A
 * cap binds while the line is free (rule 4), so the rounds where the faster leg ran fastest
 * show which leg a shaper holds back; a difference the other way in the other rounds is what
 * the line's other traffic did to one leg and not to the other. In the throttle lab a port
 * capped at two thirds of a 92 Mbit/s line in a class of the line's own (guaranteed its rate,
 * test/lab/lab-net.ts addShapedClass) held TLS at 59 Mbit/s in every round, while plain HTTP
 * shared the rest with the cross traffic: 73-87 Mbit/s in the 14 rounds it had the line, 19-48
 * in the others. Rule 4m read plain HTTP throttled at 0.39x; the less busy rounds read TLS
 * 1.4x slower (bench/RESULTS.md, 2026-12-06). Withholding a finding only asks for more rounds.
 */
export function againstLessBusy(c: Comparison, quiet95: Comparison | undefined): boolean {
  if (!quiet95) return false;
  return (c.outcome === 'slower' && quiet95.ratio < 1 / MARGIN_RATIO) || (c.outcome === 'faster' && quiet95.ratio > MARGIN_RATIO);
}
