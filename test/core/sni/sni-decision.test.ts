import { describe, expect, it } from 'vitest';
import type { DecisionInput } from '../../../src/core/decision.js';
import type { MeasuredLeg } from '../../../src/core/paired-rounds.js';
import { decideSni } from '../../../src/core/sni/sni-decision.js';
import { sniPlan } from '../../../src/core/sni/sni-plan.js';
import type { Comparison } from '../../../src/core/types.js';

const plan = sniPlan(443, 80);
const [screenPair, sniPair] = plan.screening as [NonNullable<(typeof plan.screening)[0]>, NonNullable<(typeof plan.screening)[0]>];
const cmp = (id: 'screen' | 'sni', outcome: Comparison['outcome'], ratio: number, ci95: [number, number]): Comparison => {
  const pair = id === 'screen' ? screenPair : sniPair;
  return { id, suspectLeg: pair.suspect.id, referenceLeg: pair.reference.id, ratio, ci95, pValue: 0.01, rounds: 8, outcome };
};
const emptyLegs = new Map<string, MeasuredLeg>(
  [screenPair.suspect, screenPair.reference, sniPair.suspect].map((spec) => [spec.id, { spec, samples: new Map(), flowBytes: 20e6 }]),
);
const input = (sni: Comparison, screen = cmp('screen', 'same', 1, [0.9, 1.1])): DecisionInput => ({
  comparisons: [screen, sni],
  screening: screenPair,
  legs: emptyLegs,
  capacities: {},
});

describe('decideSni', () => {
  it('pairs the named TLS leg against the control TLS leg, and the control against plaintext', () => {
    expect(sniPair.suspect.sni).toBe('name');
    expect(sniPair.reference.sni).toBe('control');
    expect(screenPair.suspect.sni).toBe('control');
    expect(screenPair.reference.scheme).toBe('http');
  });

  it('is sni-throttled when the name is slower than the control beyond the margin', () => {
    const d = decideSni(input(cmp('sni', 'slower', 7.8, [6.9, 8.6])));
    expect(d.verdict).toBe('sni-throttled');
    expect(d.basis?.id).toBe('sni');
  });

  it('leaves the verdict to the usual rules when the name is not slowed', () => {
    expect(decideSni(input(cmp('sni', 'same', 1, [0.9, 1.1]))).verdict).toBe('no-difference');
    expect(decideSni(input(cmp('sni', 'same', 1, [0.9, 1.1]), cmp('screen', 'slower', 4, [3.5, 4.5]))).verdict).toBe('tls-throttled');
  });

  it('finds nothing about the name while its pair is unclear, and says why', () => {
    const d = decideSni(input(cmp('sni', 'unclear', 1.4, [0.9, 2.2])));
    expect(d.verdict).toBe('inconclusive');
    expect(d.notes.map((n) => n.code)).toContain('straddles-margin');
  });

  it('claims nothing when the name ran faster than the control', () => {
    const d = decideSni(input(cmp('sni', 'faster', 0.3, [0.25, 0.35])));
    expect(d.verdict).toBe('inconclusive');
    expect(d.basis?.id).toBe('sni');
    expect(d.notes).toEqual([{ code: 'name-faster', rounds: 8, ratio: 0.3, ci95: [0.25, 0.35] }]);
  });
});
