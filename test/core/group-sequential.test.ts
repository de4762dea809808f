import { describe, expect, it } from 'vitest';
import { lessBusyKeep, lessBusyRounds } from '../../src/core/interval-rule.js';
import { compareRepeated, DESIGN_MAX_ROUNDS, firstLook, LESS_BUSY_LOOKS, lessBusyLevelAt, repeatedLevel, repeatedLevelAt } from '../../src/core/repeated-rule.js';
import { FAMILY_ALPHA, initialWeights, pairAlpha, passedWeights, weightHolder } from '../../src/core/error-budget.js';
import { endpointPlan, filePlan, type Plan } from '../../src/core/plan.js';
import { sniPlan } from '../../src/core/sni/sni-plan.js';
import { alphaSpent, normalUpperQuantile, normalUpperTail, repeatedLevels, spendingBoundaries } from '../../src/core/group-sequential.js';
import { xoshiro128 } from '../../src/core/payload.js';
import { hodgesLehmann } from '../../src/core/signed-rank.js';
import { normals } from '../support/seeded.js';

describe('normal tail', () => {
  it('matches tabulated values far into the tail', () => {
    expect(normalUpperTail(1.959964)).toBeCloseTo(0.025, 7);
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 7);
    expect(normalUpperTail(5) / 2.866516e-7).toBeCloseTo(1, 5);
    expect(normalUpperQuantile(0.005)).toBeCloseTo(2.575829, 5);
  });
});

describe('spending boundaries', () => {
  // Published two-sided alpha = 0.05 boundaries for five equally spaced looks (Jennison &
  // Turnbull 2000, Table 7.6 and 7.7; R ldbounds::ldBounds(t = 1:5 / 5, iuse = 1 or 2)).
  it("reproduces the O'Brien-Fleming-type boundaries", () => {
    const c = spendingBoundaries([1, 2, 3, 4, 5], 5, 0.05, 'obrien-fleming');
    [4.877, 3.357, 2.68, 2.29, 2.031].forEach((x, i) => expect(c[i]).toBeCloseTo(x, 2));
  });

  it('reproduces the Pocock-type boundaries', () => {
    const c = spendingBoundaries([1, 2, 3, 4, 5], 5, 0.05, 'pocock');
    [2.438, 2.427, 2.41, 2.397, 2.386].forEach((x, i) => expect(c[i]).toBeCloseTo(x, 2));
  });

  it('spends exactly alpha: a simulated score process crosses at some look with that chance', () => {
    const looks = Array.from({ length: 19 }, (_, i) => i + 6); // 6..24 rounds
    const c = spendingBoundaries(looks, 24, 0.1, 'pocock');
    const z = normals(7);
    let crossed = 0;
    const runs = 20_000;
    for (let r = 0; r < runs; r++) {
      let s = 0;
      let n = 0;
      for (let k = 0; k < looks.length; k++) {
        for (; n < looks[k]!; n++) s += z();
        if (Math.abs(s) / Math.sqrt(n) >= c[k]!) {
          crossed++;
          break;
        }
      }
    }
    // 0.1 with a Monte Carlo standard error of 0.0021.
    expect(crossed / runs).toBeGreaterThan(0.092);
    expect(crossed / runs).toBeLessThan(0.108);
  });

  it('a run that ends at a look fixed without its data spends exactly alpha with its final look', () => {
    const design = repeatedLevels(0.1, 6, 24, 'pocock');
    const boundary = (level: number) => normalUpperQuantile((1 - level) / 2);
    for (const end of [8, 15]) {
      const z = normals(end);
      let crossed = 0;
      const runs = 20_000;
      for (let r = 0; r < runs; r++) {
        let s = 0;
        for (let n = 1; n <= end; n++) {
          s += z();
          if (n < 6) continue;
          const c = boundary(n === end ? design.final[n]! : design.interim[n]!);
          if (Math.abs(s) / Math.sqrt(n) >= c) {
            crossed++;
            break;
          }
        }
      }
      expect(crossed / runs).toBeGreaterThan(0.092);
      expect(crossed / runs).toBeLessThan(0.108);
      // The final look is far less strict than the looks before it, and never below one look at 1 - alpha.
      expect(design.final[end]!).toBeLessThan(design.interim[end]! - 0.03);
      expect(design.final[end]!).toBeGreaterThanOrEqual(0.9 - 1e-9);
    }
  });

  it('is stricter than one 95% look, and spends nothing past the planned maximum', () => {
    expect(alphaSpent('pocock', 0.05, 2)).toBeCloseTo(0.05, 12);
    const levels = repeatedLevels(0.05, 6, 48, 'pocock').interim;
    for (let n = 6; n <= 48; n++) expect(levels[n]).toBeGreaterThan(0.99);
    expect(levels[5]).toBe(0);
  });
});

describe('repeated Hodges-Lehmann intervals', () => {
  /**
   * Runs of up to 24 rounds from a distribution symmetric about 0; the share of runs in which
   * the interval at SOME look 6..24 excludes 0, with the levels given per look.
   */
  function everMissed(levelAt: (n: number) => number, draw: () => number, runs: number): number {
    let missed = 0;
    for (let r = 0; r < runs; r++) {
      const xs: number[] = [];
      for (let n = 1; n <= 24; n++) {
        xs.push(draw());
        if (n < 6) continue;
        const hl = hodgesLehmann(xs, levelAt(n));
        if (hl.lo > 0 || hl.hi < 0) {
          missed++;
          break;
        }
      }
    }
    return missed / runs;
  }

  const alpha = 0.1;
  const levels = repeatedLevels(alpha, 6, 24, 'pocock').interim;
  const heavy = (() => {
    // Student t with 2 degrees of freedom: heavy tails, as cross traffic gives.
    const z = normals(11);
    return () => z() / Math.sqrt((z() ** 2 + z() ** 2) / 2);
  })();

  it('cover the centre at every look together (normal and heavy-tailed rounds)', () => {
    // At most alpha = 0.1 (the exact intervals are discrete, so a little less); 1500 runs
    // give a Monte Carlo standard error of 0.008.
    expect(everMissed((n) => levels[n]!, normals(3), 1500)).toBeLessThan(0.12);
    expect(everMissed((n) => levels[n]!, heavy, 1500)).toBeLessThan(0.12);
  });

  it('where a 90% interval at every look would not (the test can fail)', () => {
    expect(everMissed(() => 1 - alpha, normals(3), 1500)).toBeGreaterThan(0.2);
  });
});

describe('the repeated-interval rule of a comparison', () => {
  const round = (ratio: number) => ({ suspectMbps: 10, referenceMbps: 10 * ratio });

  it('gives every pair a weight of the family budget, summing to at most one in any plan', () => {
    // Every pair each plan can hold, follow-ups included (plan.ts, sni/sni-plan.ts).
    const pairsOf = (p: Plan) => [...p.screening, ...p.references, ...p.diagnosis, ...p.followUp, ...p.uploadFollowUp].map((q) => q.id);
    for (const plan of [endpointPlan(443, 80), sniPlan(443, 80), filePlan(443, 80)]) expect(initialWeights(pairsOf(plan))).toBeLessThanOrEqual(1 + 1e-12);
    expect(initialWeights(pairsOf(endpointPlan(443, 80)))).toBeCloseTo(1, 12);
    expect(pairAlpha('screen')).toBeCloseTo(0.7 * FAMILY_ALPHA, 12);
    expect(pairAlpha('no-such-pair')).toBe(0);
    expect(repeatedLevel('no-such-pair', 20)).toBe(1);
  });

  it('gives the weights of pairs a plan cannot hold to those it can, never more than the budget', () => {
    const pairsOf = (p: Plan) => [...p.screening, ...p.references, ...p.diagnosis, ...p.followUp, ...p.uploadFollowUp].map((q) => q.id);
    const file = pairsOf(filePlan(443, 80));
    // A file run (a mirror) holds screening alone: all of the budget, not 0.7 of it.
    expect(pairAlpha('screen', new Set(), file)).toBeCloseTo(FAMILY_ALPHA, 12);
    // An endpoint run holds every weight already: nothing changes.
    const endpoint = pairsOf(endpointPlan(443, 80));
    expect(pairAlpha('screen', new Set(), endpoint)).toBeCloseTo(0.7 * FAMILY_ALPHA, 12);
    // Screening and uploads alone (M-Lab's plan): 0.7 and 0.1 of 0.8.
    expect(pairAlpha('upload', new Set(), ['screen', 'upload'])).toBeCloseTo(FAMILY_ALPHA / 8, 12);
    for (const plan of [endpointPlan(443, 80), sniPlan(443, 80), filePlan(443, 80)]) {
      const ids = pairsOf(plan);
      // A shared weight counts once (error-budget.ts SHARED).
      const holders = new Map(ids.map((id) => [weightHolder(id), pairAlpha(id, new Set(), ids)]));
      const total = [...holders.values()].reduce((sum, a) => sum + a, 0);
      expect(total).toBeLessThanOrEqual(FAMILY_ALPHA + 1e-12);
      // And after every finding, what its swaps receive is what it had.
      const swaps = [...new Set(ids)].filter((id) => id.includes('plain'));
      const passed = swaps.reduce((sum, id) => sum + pairAlpha(id, new Set(['screen', 'upload']), ids), 0);
      expect(passed).toBeLessThanOrEqual(pairAlpha('screen', new Set(), ids) + pairAlpha('upload', new Set(), ids) + 1e-12);
    }
    // Its interval is the narrower for it: the same rounds, a lower level.
    const rounds = Array.from({ length: 12 }, (_, i) => ({ suspectMbps: 10 + (i % 3), referenceMbps: 14 + (i % 4) }));
    const own = compareRepeated('screen', 's', 'r', rounds, false, new Set(), file);
    const shared = compareRepeated('screen', 's', 'r', rounds);
    expect(own.repeatedCi!.level).toBeLessThan(shared.repeatedCi!.level);
  });

  it('tests both low-entropy pairs at the weight they share, counted once in the budget', () => {
    // The classifier's finding needs both pairs (an intersection-union test): each at all of 0.2.
    expect(weightHolder('entropy')).toBe(weightHolder('tls-vs-low-entropy'));
    expect(weightHolder('screen')).toBe('screen');
    expect(pairAlpha('entropy')).toBeCloseTo(0.2 * FAMILY_ALPHA, 12);
    expect(pairAlpha('tls-vs-low-entropy')).toBeCloseTo(0.2 * FAMILY_ALPHA, 12);
    expect(initialWeights(['screen', 'entropy', 'tls-vs-low-entropy', 'upload'])).toBeCloseTo(1, 12);
    expect(initialWeights(['entropy', 'tls-vs-low-entropy'])).toBeCloseTo(0.2, 12);
    // So their repeated interval over all rounds looks at nine rounds, where a tenth (the
    // uploads' weight, which they had each) looks first at ten, and each look after is narrower.
    expect(repeatedLevel('entropy', 8)).toBe(1);
    expect(repeatedLevel('entropy', 9)).toBeLessThan(1);
    expect(repeatedLevel('upload', 9)).toBe(1);
    expect(repeatedLevel('tls-vs-low-entropy', 12)).toBeLessThan(repeatedLevel('upload', 12));
  });

  it('gives a pair that names a cause weight only once the finding it explains is made', () => {
    expect(pairAlpha('port-for-plaintext')).toBe(0);
    expect(repeatedLevel('port-for-plaintext', 20)).toBe(1);
    expect(pairAlpha('port-for-plaintext', new Set(['upload']))).toBe(0);
    const passed = pairAlpha('port-for-plaintext', new Set(['screen'])) + pairAlpha('protocol-on-plain-port', new Set(['screen']));
    expect(passed).toBeCloseTo(pairAlpha('screen'), 12);
    expect(pairAlpha('upload-port-for-plaintext', new Set(['upload']))).toBeCloseTo(pairAlpha('upload') / 2, 12);
    for (const from of ['screen', 'upload'] as const) expect(passedWeights(from)).toBeLessThanOrEqual(1 + 1e-12);
  });

  it('starts looking where the rounds it tests can reach its level, never earlier', () => {
    for (const alpha of [0.005, 0.035, 0.1]) {
      const first = firstLook(alpha);
      // All rounds on one side: the smallest two-sided p-value of the exact signed-rank test.
      expect(2 ** (1 - first)).toBeLessThanOrEqual(1 - repeatedLevelAt(alpha, first) + 1e-12);
      expect(repeatedLevelAt(alpha, first - 1)).toBe(1);
    }
    expect(firstLook(0.035)).toBeGreaterThan(6);
  });

  it('skips a look past the first whose level its rounds cannot reach, and spends its alpha at the next', () => {
    // Screening's all-rounds design asked 0.99222 at 8 rounds, where 8 rounds reach 0.99219.
    const unskipped = repeatedLevels(0.035, firstLook(0.035), DESIGN_MAX_ROUNDS, { hwangShihDeCani: 4 });
    expect(unskipped.interim[8]).toBeGreaterThan(1 - 2 ** (1 - 8));
    expect(repeatedLevelAt(0.035, 8)).toBe(1);
    expect(repeatedLevelAt(0.035, 9)).toBeLessThan(unskipped.interim[9]!);
    // A run that ends there still gets its final look.
    expect(repeatedLevelAt(0.035, 8, true)).toBeLessThan(1 - 2 ** (1 - 8));
    // Every look of every design a pair can hold is one its rounds can reach, or none at all.
    for (const alpha of [0.0035, 0.005, 0.007, 0.0125, 0.021, 0.025, 0.035, 0.05]) {
      for (let n = firstLook(alpha); n <= DESIGN_MAX_ROUNDS; n++) {
        const level = repeatedLevelAt(alpha, n);
        expect(level === 1 || 2 ** (1 - n) <= 1 - level + 1e-12, `alpha ${alpha}, ${n} rounds: ${level}`).toBe(true);
      }
    }
  });

  it('looks at the less busy rounds only at rounds fixed in advance, spending at most its alpha over them all', () => {
    const alpha = 0.035;
    let spent = 0;
    for (let n = 1; n <= DESIGN_MAX_ROUNDS; n++) {
      const level = lessBusyLevelAt(alpha, n);
      if (!LESS_BUSY_LOOKS.includes(n)) {
        expect(level).toBe(1);
        continue;
      }
      spent += 1 - level;
      // Each look's level is within reach of the rounds it keeps.
      expect(2 ** (1 - lessBusyKeep(n))).toBeLessThanOrEqual(1 - level);
    }
    expect(spent).toBeLessThanOrEqual(alpha + 1e-12);
    expect(spent).toBeGreaterThan(alpha * 0.99);
    // A run its budget ends at round 25 spends at once what the looks at 12 and 20 left.
    expect(1 - lessBusyLevelAt(alpha, 25, true)).toBeCloseTo(alpha - (2 - lessBusyLevelAt(alpha, 12) - lessBusyLevelAt(alpha, 20)), 12);
    expect(lessBusyLevelAt(alpha, 8, true)).toBe(1);
  });

  it('needs more rounds than one 95% look for the same clear throttle, and then finds it', () => {
    const ratios = [2.1, 1.9, 2.2, 2.0, 1.8, 2.3, 2.05, 1.95, 2.15, 1.85];
    const six = compareRepeated('screen', 's', 'r', ratios.slice(0, 6).map(round));
    // Six rounds all past the margin: the 95% interval clears it, the repeated one cannot yet.
    expect(six.ci95[0]).toBeGreaterThan(1.25);
    expect(six.outcome).toBe('unclear');
    const ten = compareRepeated('screen', 's', 'r', ratios.map(round));
    expect(ten.outcome).toBe('slower');
    expect(ten.repeatedCi!.level).toBeCloseTo(repeatedLevel('screen', 10), 12);
    expect(ten.repeatedCi!.bounds[0]).toBeGreaterThan(1.25);
    expect(ten.repeatedCi!.bounds[0]).toBeLessThanOrEqual(ten.ci95[0]);
  });

  it('spends what is left at the final look of a run its budget ended', () => {
    // Eleven rounds near 1.6x, two of them near 1 (no less busy look at 11): the interval of a
    // run going on (99.4%) straddles the margin, the final look's (about 97.4%) clears it.
    const ratios = [1.6, 1.7, 1.55, 1.65, 1.5, 1.75, 1.6, 1.62, 1.55, 1.0, 1.1].map(round);
    const going = compareRepeated('screen', 's', 'r', ratios);
    const ended = compareRepeated('screen', 's', 'r', ratios, true);
    expect(going.outcome).toBe('unclear');
    expect(going.repeatedCi!.bounds[0]).toBeLessThan(1.25);
    expect(going.repeatedCi!.bounds[1]).toBeGreaterThan(1.25);
    expect(ended.outcome).toBe('slower');
    expect(ended.repeatedCi!.finalLook).toBe(true);
    expect(ended.repeatedCi!.level).toBeGreaterThanOrEqual(0.95);
    expect(ended.repeatedCi!.level).toBeLessThan(going.repeatedCi!.level);
  });

  it('says same only when the repeated interval lies inside the margin', () => {
    const noisy = [1.0, 1.05, 0.97, 1.02, 0.99, 1.01, 1.03, 0.98, 1.0, 1.04, 0.96, 1.01].map(round);
    const c = compareRepeated('screen', 's', 'r', noisy);
    expect(c.outcome).toBe('same');
    expect(c.repeatedCi!.bounds[0]).toBeGreaterThan(0.8);
    expect(c.repeatedCi!.bounds[1]).toBeLessThan(1.25);
  });

  it('plans looks up to the most rounds a run can take', () => {
    expect(repeatedLevel('screen', DESIGN_MAX_ROUNDS)).toBeLessThan(1);
    expect(repeatedLevel('screen', DESIGN_MAX_ROUNDS + 1)).toBe(1);
  });
});

describe('the less busy rounds at the margin (rule 4r)', () => {
  // A port capped exactly at the margin (1.25x) with cross traffic half of the time: while it
  // runs, both legs get what it leaves (ratio 1); else the reference 1.25x the suspect. Each
  // transfer has its own 15% noise. No ratio here lies beyond the margin.
  function atMargin(seed: number, n: number) {
    const z = normals(seed);
    const r = xoshiro128(seed + 1);
    return Array.from({ length: n }, () => {
      const busy = r() / 2 ** 32 < 0.5;
      const ref = (busy ? 0.5 : 1) * Math.exp(0.15 * z());
      const sus = (busy ? 0.5 : 0.8) * Math.exp(0.15 * z());
      return { suspectMbps: sus, referenceMbps: ref };
    });
  }
  const clears = (rounds: { suspectMbps: number; referenceMbps: number }[]) =>
    hodgesLehmann(rounds.map((x) => Math.log(x.referenceMbps / x.suspectMbps)), 0.95).lo > Math.log(1.25);

  it('ranked by the legs\' geometric mean, clear it no more often than the level, as a ranking by the faster leg would not', () => {
    // The geometric mean ranks the rounds alike whatever the leg is scaled by (the reference to
    // the margin tested, or not): one ranking symmetric in the suspect and the scaled reference.
    // The faster leg as it is favours the rounds where the reference ran fast.
    const byFasterLeg = (rounds: { suspectMbps: number; referenceMbps: number }[]) =>
      [...rounds].sort((a, b) => Math.max(b.suspectMbps, b.referenceMbps) - Math.max(a.suspectMbps, a.referenceMbps)).slice(0, lessBusyKeep(rounds.length));
    let kept = 0;
    let faster = 0;
    const runs = 1000;
    for (let s = 0; s < runs; s++) {
      const rounds = atMargin(100 + s, 20);
      const half = lessBusyRounds(rounds)!;
      const scaled = lessBusyRounds(rounds.map((r) => ({ ...r, referenceMbps: r.referenceMbps / 1.25 })))!;
      expect(scaled.map((r) => r.suspectMbps)).toEqual(half.map((r) => r.suspectMbps));
      if (clears(half)) kept++;
      if (clears(byFasterLeg(rounds))) faster++;
    }
    // One side of a 95% interval: at most 2.5% (here 1.5%), Monte Carlo standard error 0.5%.
    expect(kept / runs).toBeLessThan(0.025);
    // Ranked by the faster leg as it is: past the level (here 4.2%).
    expect(faster / runs).toBeGreaterThan(0.035);
  });
});
