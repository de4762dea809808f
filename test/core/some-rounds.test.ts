// Rule 4m (src/core/some-rounds.ts): the rounds far past the margin on one side against those
// as far on the other, as a mixture likelihood ratio that holds whenever the run stops.
import { describe, expect, it } from 'vitest';
import { readingNotes } from '../../src/core/decision-notes.js';
import type { PairedRound } from '../../src/core/paired-rounds.js';
import { compareRepeated } from '../../src/core/repeated-rule.js';
import { MARGIN_RATIO } from '../../src/core/margin.js';
import { logEvidence, sideCounts, someRoundsSide, SOME_ROUNDS_SPREAD } from '../../src/core/some-rounds.js';
import { uniforms } from '../support/seeded.js';

/** The mixture by numerical integration (Simpson's rule): the closed form must agree. */
function evidenceByIntegration(up: number, down: number): number {
  const steps = 20_000;
  const h = 0.5 / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const p = 0.5 + i * h;
    const f = 2 * (2 * p) ** up * (2 * (1 - p)) ** down;
    sum += (i === 0 || i === steps ? 1 : i % 2 ? 4 : 2) * f;
  }
  return (sum * h) / 3;
}

/** Laplace noise: heavier tails than a normal, so many rounds land far from the centre. */
function laplace(u: () => number, scale: number): number {
  const x = u() - 0.5;
  return -scale * Math.sign(x) * Math.log(1 - 2 * Math.abs(x));
}

describe('rule 4m: some rounds slowed', () => {
  it('has the closed form of the mixture over p in [1/2, 1]', () => {
    for (const [up, down] of [
      [0, 0],
      [1, 0],
      [9, 0],
      [11, 0],
      [10, 1],
      [12, 3],
      [20, 5],
      [3, 7],
    ] as const) {
      expect(Math.exp(logEvidence({ up, down }))).toBeCloseTo(evidenceByIntegration(up, down), 6);
    }
    // Nine rounds up and none down: (2^10 - 1) / 10.
    expect(Math.exp(logEvidence({ up: 9, down: 0 }))).toBeCloseTo(102.3, 6);
  });

  it('counts a round only past the spread on either side of the margin', () => {
    const theta = Math.log(MARGIN_RATIO);
    const d = Math.log(SOME_ROUNDS_SPREAD);
    const c = sideCounts([theta + d + 0.01, theta + d - 0.01, theta - d - 0.01, theta - d + 0.01, -theta - d - 0.01, 0]);
    expect(c.slower).toEqual({ up: 1, down: 2 });
    expect(c.faster).toEqual({ up: 1, down: 2 });
  });

  it('keeps its level at every look on the null nearest a finding: rounds centred on the margin', () => {
    // Each round symmetric about the margin itself, with wide heavy-tailed scatter, so that many
    // rounds count either way; 48 looks per run, a finding at any of them counted.
    const alpha = 0.1;
    const runs = 4000;
    let found = 0;
    for (let run = 0; run < runs; run++) {
      const u = uniforms(run + 1);
      const x: number[] = [];
      for (let round = 0; round < 48; round++) {
        x.push(Math.log(MARGIN_RATIO) + laplace(u, 0.8));
        if (someRoundsSide(x, alpha) === 'slower') {
          found++;
          break;
        }
      }
    }
    // At most alpha / 2 for this side by Ville's inequality (the test spends half of alpha on
    // each); 0.017 here, Ville's bound being conservative.
    expect(found / runs).toBeLessThan(alpha / 2);
    // A test that cannot fail would find nothing at all; this one spends a fair part of its level.
    expect(found).toBeGreaterThan(0);
  });

  it('finds a bucket on TLS alone: rounds at the line rate and at a fifth of it in turn', () => {
    let foundBy48 = 0;
    const roundsToFind: number[] = [];
    for (let run = 0; run < 200; run++) {
      const u = uniforms(1000 + run);
      const x: number[] = [];
      for (let round = 0; round < 48; round++) {
        // Two rounds in five drain the bucket; the rest pass whole, with 15% scatter either way.
        x.push((u() < 0.4 ? Math.log(5) : 0) + laplace(u, 0.15));
        if (someRoundsSide(x, 0.007) === 'slower') {
          foundBy48++;
          roundsToFind.push(round + 1);
          break;
        }
      }
    }
    // 91% of 200 here; the rest drew a down round or two among too few up ones.
    expect(foundBy48 / 200).toBeGreaterThan(0.85);
    roundsToFind.sort((a, b) => a - b);
    expect(roundsToFind[roundsToFind.length >> 1]).toBeLessThan(36);
  });

  it('finds nothing in a steady difference inside the margin, however many rounds', () => {
    for (let run = 0; run < 300; run++) {
      const u = uniforms(5000 + run);
      const x = Array.from({ length: 48 }, () => Math.log(1.2) + laplace(u, 0.3));
      expect(someRoundsSide(x, 0.05)).toBeUndefined();
    }
  });

  it('reads the other side as the mirror image', () => {
    const slowedPlain = Array.from({ length: 24 }, (_, i) => (i % 2 ? -Math.log(5) : 0));
    expect(someRoundsSide(slowedPlain, 0.007)).toBe('faster');
    expect(someRoundsSide(slowedPlain.map((x) => -x), 0.007)).toBe('slower');
    expect(someRoundsSide(slowedPlain, 0)).toBeUndefined();
  });
});

describe('rule 4m in the decision', () => {
  /**
   * The throttle lab's tbf scenario in a drawn order (bench/RESULTS.md 2026-12-04 08:48): the
   * TLS leg's bucket passes a transfer whole after a long wait and runs dry after a short one,
   * so its rounds read the line's rate and about a fifth of it, in no pattern.
   */
  function drainedSometimes(rounds: number): PairedRound[] {
    const u = uniforms(77);
    return Array.from({ length: rounds }, () => {
      const plain = 40 + 8 * u();
      return u() < 0.3 ? { suspectMbps: 9.6 + u(), referenceMbps: plain, suspectBurst: true } : { suspectMbps: plain * (0.9 + 0.2 * u()), referenceMbps: plain };
    });
  }

  it('finds the bucket where the interval over all rounds straddles the margin, and reports the slowed rounds', () => {
    const rounds = drainedSometimes(40);
    const c = compareRepeated('screen', 'https-443-down-random', 'http-80-down-random', rounds);
    expect(c.outcome).toBe('slower');
    expect(c.repeatedCi!.bounds[0]).toBeLessThan(1.25);
    const slowed = rounds.filter((r) => r.referenceMbps / r.suspectMbps > 1.25).length;
    expect(c.someRoundsOf).toBe(40);
    expect(c.rounds).toBe(slowed);
    expect(c.ratio).toBeGreaterThan(3.5);
    expect(c.ci95[0]).toBeGreaterThan(1.25);
    expect(readingNotes(c)).toEqual([{ code: 'some-rounds', rounds: slowed, totalRounds: 40 }]);
  });

  it('waits while too few rounds were slowed to tell', () => {
    expect(compareRepeated('screen', 's', 'r', drainedSometimes(12)).outcome).toBe('unclear');
  });

  it('lets no single pair spend more than its share: the uploads pair needs more rounds than screening', () => {
    // Twelve rounds slowed fivefold, none the other way: past screening's level (0.007 two-sided),
    // not the upload pair's (0.001).
    const rounds = Array.from({ length: 12 }, () => ({ suspectMbps: 8, referenceMbps: 40 })).concat(Array.from({ length: 10 }, () => ({ suspectMbps: 40, referenceMbps: 40 })));
    expect(someRoundsSide(rounds.map((r) => Math.log(r.referenceMbps / r.suspectMbps)), 0.07 * 0.1)).toBe('slower');
    expect(someRoundsSide(rounds.map((r) => Math.log(r.referenceMbps / r.suspectMbps)), 0.01 * 0.1)).toBeUndefined();
  });
});
