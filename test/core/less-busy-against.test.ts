// A finding the less busy rounds contradict is withheld (src/core/repeated-rule.ts
// againstLessBusy): a cap binds while the line is free, so the rounds where the faster leg ran
// fastest decide which leg a shaper holds back.
import { describe, expect, it } from 'vitest';
import { whyUnclear } from '../../src/core/decision-notes.js';
import type { PairedRound } from '../../src/core/paired-rounds.js';
import { compareRepeated } from '../../src/core/repeated-rule.js';
import { someRoundsSide } from '../../src/core/some-rounds.js';
import { uniforms } from '../support/seeded.js';

/** Rates with a few percent of noise each, as transfers of 200 ms read them. */
const noisy = (u: () => number, mbps: number) => mbps * (1 + 0.06 * (u() - 0.5));

/**
 * The throttle lab's fresh draw of 2026-12-06 (fw-8): port 443 in a class of the line's own
 * at 61 of 92 Mbit/s, guaranteed its rate. TLS read 59 in every round; plain HTTP, sharing the
 * rest with the cross traffic, 73-87 in the rounds it had the line and 19-48 in the others.
 */
function classOfItsOwn(): PairedRound[] {
  const http = [87, 39, 23, 23, 22, 23, 81, 80, 84, 82, 81, 81, 82, 82, 75, 73, 47, 21, 34, 23, 20, 20, 23, 20, 41, 19, 21, 85, 84, 84, 48, 63];
  return http.map((mbps, i) => ({ suspectMbps: 58 + (i % 3), referenceMbps: mbps }));
}

describe('a finding the less busy rounds contradict', () => {
  it('is withheld: plain HTTP squeezed by the line\'s other traffic beside TLS in a class of its own', () => {
    const rounds = classOfItsOwn();
    const logRatios = rounds.map((r) => Math.log(r.referenceMbps / r.suspectMbps));
    // Without the guard, rule 4m reads plain HTTP throttled: the rounds it was squeezed lie far
    // past the margin, those it had the line only 1.4x the other way.
    expect(someRoundsSide(logRatios, 0.1 * 0.035)).toBe('faster');
    for (const finalLook of [false, true]) {
      const c = compareRepeated('screen', 'https-443-down-random', 'http-80-down-random', rounds, finalLook);
      expect(c.outcome).toBe('unclear');
      expect(c.lessBusyAgainst?.outcome).toBe('faster');
      expect(c.lessBusyAgainst!.ratio).toBeLessThan(0.5);
      expect(c.lessBusyAgainst!.lessBusyRatio).toBeGreaterThan(1.25);
      expect(c.lessBusyAgainst!.lessBusyRounds).toBe(16);
    }
    const [note] = whyUnclear(compareRepeated('screen', 'https-443-down-random', 'http-80-down-random', rounds));
    expect(note).toMatchObject({ code: 'less-busy-against', totalRounds: 32, lessBusyRounds: 16, marginRatio: 1.25 });
  });

  it('is found from the less busy rounds when all rounds lean the other way', () => {
    const u = uniforms(4);
    // TLS held at 59 in a class of its own; plain HTTP 85 in half the rounds, squeezed to 20 in
    // the others. All rounds lean to plain HTTP slower, no test of theirs clears the margin,
    // and the less busy half, ranked for TLS slower, reads 1.44x: a look (round 20) finds it.
    const rounds = Array.from({ length: 20 }, (_, i) => ({ suspectMbps: noisy(u, 59), referenceMbps: noisy(u, i % 2 ? 20 : 85) }));
    const c = compareRepeated('screen', 's', 'r', rounds);
    expect(compareRepeated('screen', 's', 'r', rounds.slice(0, 19)).outcome).toBe('unclear');
    expect(c.outcome).toBe('slower');
    expect(c.busyRoundsLeftOut).toBe(10);
    expect(c.ratio).toBeGreaterThan(1.35);
  });

  it('stands where the less busy rounds agree: plain HTTP held at a cap, TLS squeezed now and then', () => {
    const u = uniforms(2);
    // A shaper holds plain HTTP at 20 Mbit/s; TLS gets the line's 80 or what the cross traffic leaves.
    const rounds = Array.from({ length: 24 }, (_, i) => ({ suspectMbps: noisy(u, i % 3 === 0 ? 35 : 80), referenceMbps: noisy(u, 20) }));
    const c = compareRepeated('screen', 's', 'r', rounds);
    expect(c.outcome).toBe('faster');
    expect(c.lessBusyAgainst).toBeUndefined();
  });

  it('stands for a bucket on TLS that runs dry in some rounds', () => {
    const u = uniforms(3);
    // Full rounds at the line's rate, dry ones at a fifth of it; plain HTTP always at the line's.
    const rounds = Array.from({ length: 30 }, (_, i) => ({ suspectMbps: noisy(u, i % 2 ? 10 : 50), referenceMbps: noisy(u, 50) }));
    const c = compareRepeated('screen', 's', 'r', rounds);
    expect(c.outcome).toBe('slower');
    expect(c.lessBusyAgainst).toBeUndefined();
  });
});
