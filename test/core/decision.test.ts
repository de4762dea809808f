// The decision (src/core/decision.ts and the files its header names for each rule), rule by rule.
import { describe, expect, it } from 'vitest';
import { compareLegs, decide, diagnoseCause } from '../../src/core/decision.js';
import { lowEntropyPairMoot } from '../../src/core/decision-notes.js';
import { compareRounds, MIN_ROUNDS } from '../../src/core/interval-rule.js';
import { lastRoundsApart, MIN_FLOW_BYTES } from '../../src/core/needs-rounds.js';
import { pathRttMs, windowLimited, type MeasuredLeg, type MeasuredTransfer } from '../../src/core/paired-rounds.js';
import { legId, type PairSpec } from '../../src/core/plan.js';
import type { Comparison } from '../../src/core/types.js';

/** A flat transfer of 200 ms at this rate, in 50 ms bins. */
function flat(mbps: number): MeasuredTransfer {
  const perBin = (mbps * 1e6 * 0.05) / 8;
  return { bins: [perBin, perBin, perBin, perBin, 10], binMs: 50, bytes: perBin * 4, durationMs: 200, mbps };
}

function leg(scheme: 'http' | 'https', port: number, rates: number[], flowBytes = MIN_FLOW_BYTES): MeasuredLeg {
  return {
    spec: { id: legId(scheme, port, 'down', 'random'), scheme, port, direction: 'down', payload: 'random' },
    samples: new Map(rates.map((r, i) => [i, flat(r)])),
    flowBytes,
  };
}

const TLS = { id: 'https-443-down-random', scheme: 'https', port: 443, direction: 'down', payload: 'random' } as const;
const PLAIN = { id: 'http-80-down-random', scheme: 'http', port: 80, direction: 'down', payload: 'random' } as const;
const SCREEN: PairSpec = { id: 'screen', suspect: TLS, reference: PLAIN };

/** The decision on comparisons alone (no legs measured, no capacities known). */
function decideOn(comparisons: Comparison[]) {
  return decide({ comparisons, screening: SCREEN, legs: new Map(), capacities: {} });
}

function screenOf(tls: MeasuredLeg, plain: MeasuredLeg, outcome: Comparison['outcome'], ratio: number): Comparison {
  return { id: 'screen', suspectLeg: tls.spec.id, referenceLeg: plain.spec.id, ratio, ci95: [ratio * 0.9, ratio * 1.1], pValue: 0.01, rounds: tls.samples.size, outcome };
}



const rounds = (pairs: Array<[number, number]>) => pairs.map(([suspectMbps, referenceMbps]) => ({ suspectMbps, referenceMbps }));
const repeat = (n: number, s: number, r: number) => rounds(Array.from({ length: n }, () => [s, r]));

describe('compareRounds', () => {
  it('calls equal speeds the same', () => {
    const c = compareRounds('screen', 'a', 'b', rounds([[50, 51], [49, 50], [52, 50], [50, 49], [51, 52], [50, 50]]));
    expect(c.outcome).toBe('same');
    expect(c.ratio).toBeCloseTo(1, 1);
  });

  it('calls a steady 2x slowdown slower, with the interval above the margin', () => {
    const c = compareRounds('screen', 'a', 'b', rounds([[25, 50], [24, 50], [26, 51], [25, 49], [25, 50], [24, 52], [25, 50]]));
    expect(c.outcome).toBe('slower');
    expect(c.ratio).toBeCloseTo(2, 1);
    expect(c.ci95[0]).toBeGreaterThan(1.25);
  });

  it('calls the suspect faster when it is the reference that is slowed', () => {
    expect(compareRounds('screen', 'a', 'b', repeat(7, 50, 10)).outcome).toBe('faster');
  });

  it('leaves a 1.3x difference with noise unclear: the interval straddles the margin', () => {
    const c = compareRounds('screen', 'a', 'b', rounds([[40, 50], [30, 52], [45, 49], [35, 55], [42, 47], [33, 50]]));
    expect(c.outcome).toBe('unclear');
    expect(c.ci95[0]).toBeLessThan(1.25);
    expect(c.ci95[1]).toBeGreaterThan(1.25);
  });

  it('does not decide on fewer than MIN_ROUNDS rounds, however clear', () => {
    const c = compareRounds('screen', 'a', 'b', repeat(MIN_ROUNDS - 1, 10, 50));
    expect(c.outcome).toBe('unclear');
    expect(c.ratio).toBeCloseTo(5, 5);
  });

  it('treats a single round as no evidence', () => {
    const c = compareRounds('screen', 'a', 'b', repeat(1, 10, 50));
    expect(c.outcome).toBe('unclear');
    expect(c.pValue).toBe(1);
  });

  it('ignores rounds with a zero on either side rather than dividing by it', () => {
    const c = compareRounds('screen', 'a', 'b', [...repeat(7, 25, 50), ...rounds([[0, 50], [25, 0]])]);
    expect(c.rounds).toBe(7);
    expect(c.outcome).toBe('slower');
  });

  it('calls identical speeds the same (all log ratios equal to zero)', () => {
    const c = compareRounds('screen', 'a', 'b', repeat(6, 50, 50));
    expect(c.outcome).toBe('same');
    expect(c.ci95).toEqual([1, 1]);
  });

  it('finds a difference only when it holds at two looks in a row', () => {
    const first = compareRounds('screen', 'a', 'b', repeat(MIN_ROUNDS, 10, 50));
    expect(first.outcome).toBe('unclear');
    expect(first.pendingRound).toBe(true);
    expect(first.ci95[0]).toBeGreaterThan(1.25);
    expect(compareRounds('screen', 'a', 'b', repeat(MIN_ROUNDS + 1, 10, 50)).outcome).toBe('slower');
    // A run of equal rounds that one lopsided round tips over the margin is not yet a finding.
    const tipped = compareRounds('screen', 'a', 'b', [...repeat(3, 20, 50), ...repeat(3, 50, 50), ...rounds([[20, 50]])]);
    expect(tipped.outcome).not.toBe('slower');
  });
});

// Per round HTTPS / HTTP Mbit/s as the lab measured them: HTTPS capped at 24 of a 50 Mbit/s
// line, HTTP at 41-48 while the line was free and at 13-20 while cross traffic shared it.
const capUnderCrossTraffic = rounds([
  [24, 39], [24, 14], [24, 14], [24, 14], [24, 43], [24, 43], [24, 46], [24, 48], [24, 47], [24, 48],
  [24, 48], [24, 39], [24, 24], [24, 19], [24, 20], [24, 48],
]);

describe('compareRounds on a line that cross traffic fills at times', () => {
  it('finds a rate cap in the less busy rounds when all rounds together straddle the margin', () => {
    const c = compareRounds('screen', 'a', 'b', capUnderCrossTraffic);
    expect(c.outcome).toBe('slower');
    expect(c.busyRoundsLeftOut).toBe(8);
    expect(c.rounds).toBe(8);
    expect(c.ratio).toBeGreaterThan(1.8);
    expect(c.ratio).toBeLessThan(2.1);
    // The same rounds without the second look: the interval reaches below the margin.
    const allRounds = compareRounds('screen', 'a', 'b', capUnderCrossTraffic.slice(0, 8));
    expect(allRounds.busyRoundsLeftOut).toBeUndefined();
  });

  it('does not find one when which leg was faster in the quiet rounds is a coin toss', () => {
    // Unshaped: each leg in turn meets the cross traffic, so the quiet rounds lean both ways.
    const coin = rounds([
      [48, 20], [20, 48], [47, 46], [19, 47], [48, 18], [46, 48], [20, 19], [48, 21],
      [21, 48], [18, 20], [47, 48], [48, 19], [20, 47], [19, 18], [48, 47], [21, 46],
    ]);
    const c = compareRounds('screen', 'a', 'b', coin);
    expect(c.outcome).toBe('unclear');
    expect(c.busyRoundsLeftOut).toBeUndefined();
  });

  it('never lets the quiet rounds overturn the side the whole run leans to', () => {
    // Nine quiet rounds at 2x, but fifteen busy ones in which the suspect was the faster.
    const mixed = [...repeat(9, 24, 48), ...repeat(15, 24, 10)];
    const c = compareRounds('screen', 'a', 'b', mixed);
    expect(c.ratio).toBeLessThan(1);
    expect(c.outcome).not.toBe('slower');
    expect(c.busyRoundsLeftOut).toBeUndefined();
  });

  it('withholds "same" while the less busy rounds lean past the margin', () => {
    // The lab's run that said no-difference: HTTP free in only 7 of 17 rounds.
    const https = [23.9, 24, 24, 24, 24.2, 23.9, 23.9, 24, 23.9, 23.9, 23.9, 23.9, 24.3, 23.2, 23.9, 23.9, 23.9];
    const http = [11.3, 13.2, 13.1, 39.6, 39.8, 40.6, 18.8, 19.4, 19.3, 19.4, 19.3, 19.4, 21.9, 41.5, 41.4, 41.8, 41.7];
    const c = compareRounds('screen', 'a', 'b', https.map((suspectMbps, i) => ({ suspectMbps, referenceMbps: http[i]! })));
    expect(c.outcome).toBe('unclear');
    expect(c.ci95[0]).toBeGreaterThan(0.8);
    expect(c.ci95[1]).toBeLessThan(1.25);
    expect(c.lessBusyLean?.ratio).toBeGreaterThan(1.25);
  });

  it('still calls a small steady difference (TLS framing, say) the same', () => {
    const c = compareRounds('screen', 'a', 'b', Array.from({ length: 16 }, (_, i) => ({ suspectMbps: 45 + (i % 3), referenceMbps: 47 + (i % 4) })));
    expect(c.outcome).toBe('same');
    expect(c.lessBusyLean).toBeUndefined();
  });
});


function c(id: string, outcome: Comparison['outcome'], ratio = 1): Comparison {
  return { id, suspectLeg: `${id}-s`, referenceLeg: `${id}-r`, ratio, ci95: [ratio * 0.9, ratio * 1.1], pValue: 0.03, rounds: 6, outcome };
}

describe('decide', () => {
  it('reports TLS throttling from the screening pair, with its ratio', () => {
    const d = decideOn([c('screen', 'slower', 4.8)]);
    expect(d.verdict).toBe('tls-throttled');
    expect(d.basis?.ratio).toBe(4.8);
    expect(d.cause).toBeUndefined();
  });

  it('says when the ratio is read from the less busy rounds only', () => {
    const d = decideOn([{ ...c('screen', 'slower', 1.9), rounds: 9, busyRoundsLeftOut: 8 }]);
    expect(d.verdict).toBe('tls-throttled');
    expect(d.notes).toEqual([{ code: 'less-busy-finding', rounds: 9, totalRounds: 17 }]);
    expect(decideOn([c('screen', 'slower', 4.8)]).notes).toEqual([]);
    // Not yet a finding (the interval cleared the margin in the last round only): no such note.
    expect(decideOn([{ ...c('screen', 'unclear', 1.9), busyRoundsLeftOut: 8, pendingRound: true }]).notes.map((n) => n.code)).toEqual(['pending-second-look']);
  });

  it('reports plaintext throttling when plain traffic is the slow one', () => {
    expect(decideOn([c('screen', 'faster', 0.3)]).verdict).toBe('plaintext-throttled');
  });

  it('reports no difference only when the screening interval is inside the margin', () => {
    expect(decideOn([c('screen', 'same')]).verdict).toBe('no-difference');
    expect(decideOn([c('screen', 'unclear')]).verdict).toBe('inconclusive');
  });

  it("names a reference that settled inside the margin but leaned a tenth or more, beside a no-difference", () => {
    // A classifier of random-looking traffic at two thirds of a drifting line: TLS and random
    // plaintext alike, TLS 1.19x slower than low-entropy text, inside the margin.
    const lean = { ...c('tls-vs-low-entropy', 'same', 1.186), ci95: [1.128, 1.22] as [number, number], rounds: 35 };
    const d = decideOn([c('screen', 'same', 1.03), c('entropy', 'same', 1.14), lean, c('upload', 'same', 0.96)]);
    expect(d.verdict).toBe('no-difference');
    expect(d.notes.filter((n) => n.code === 'pair-lean')).toEqual([{ code: 'pair-lean', pair: 'tls-vs-low-entropy', rounds: 35, ratio: 1.186, ci95: [1.128, 1.22] }]);
    // Uploads that leaned the other way by a tenth are named too; under a tenth, nothing.
    const faster = decideOn([c('screen', 'same'), c('upload', 'same', 0.9)]);
    expect(faster.notes).toContainEqual(expect.objectContaining({ code: 'pair-lean', pair: 'upload', ratio: 0.9 }));
    expect(decideOn([c('screen', 'same'), c('tls-vs-low-entropy', 'same', 1.09)]).notes.some((n) => n.code === 'pair-lean')).toBe(false);
    // Left open inside the margin, it is named as well; open past the margin, the run is inconclusive instead.
    const open = decideOn([c('screen', 'same'), c('tls-vs-low-entropy', 'unclear', 1.18)]);
    expect([open.verdict, open.notes.some((n) => n.code === 'pair-lean')]).toEqual(['no-difference', true]);
    expect(decideOn([c('screen', 'same'), c('tls-vs-low-entropy', 'unclear', 1.3)]).notes.map((n) => n.code)).toEqual(['pair-unsettled']);
  });

  it('lets no pair of the low-entropy reference hold the answer open once its partner showed no difference', () => {
    // A classifier is a finding only when both pairs are slower: with random plaintext as fast
    // as the low-entropy body, TLS leaning past the margin against that body can complete none.
    const leaning = [c('screen', 'same'), c('tls-vs-low-entropy', 'unclear', 1.3)];
    expect(decideOn([...leaning, c('entropy', 'same')]).verdict).toBe('no-difference');
    expect(decideOn([...leaning, c('entropy', 'unclear', 1.3)]).notes.map((n) => n.code)).toEqual(['pair-unsettled']);
    expect(lowEntropyPairMoot('entropy', { 'tls-vs-low-entropy': c('tls-vs-low-entropy', 'same') })).toBe(true);
    expect(lowEntropyPairMoot('tls-vs-low-entropy', { entropy: c('entropy', 'same'), screen: c('screen', 'unclear') })).toBe(true);
    // Behind a screening finding the entropy pair names its cause (rule 9), and runs on.
    expect(lowEntropyPairMoot('entropy', { screen: c('screen', 'slower', 3), 'tls-vs-low-entropy': c('tls-vs-low-entropy', 'same') })).toBe(false);
    expect(lowEntropyPairMoot('upload', { entropy: c('entropy', 'same') })).toBe(false);
    // Nor is TLS against the body "unchecked" then: its partner ruled the classifier out.
    const few = { ...c('tls-vs-low-entropy', 'unclear', 1.05), rounds: MIN_ROUNDS - 2 };
    const codes = (entropy: Comparison) => decideOn([c('screen', 'same'), few, entropy]).notes.map((n) => n.code);
    expect(codes(c('entropy', 'same'))).not.toContain('reference-unchecked');
    expect(codes({ ...c('entropy', 'unclear'), rounds: MIN_ROUNDS - 2 })).toContain('reference-unchecked');
  });

  it('holds the answer open while one low-entropy pair found a difference and the other has not settled', () => {
    // A classifier at 2x on a 150 ms path when the two minutes ended: TLS 1.64x slower than
    // the body (a finding), random plaintext 1.61x slower and still open.
    const tlsVsBody = { ...c('tls-vs-low-entropy', 'slower', 1.64), ci95: [1.4, 1.93] as [number, number], rounds: 14 };
    const d = decideOn([c('screen', 'same', 1.06), tlsVsBody, { ...c('entropy', 'unclear', 1.61), rounds: 14 }, c('upload', 'same')]);
    expect(d.verdict).toBe('inconclusive');
    expect(d.notes).toEqual([{ code: 'pair-unsettled', pair: 'tls-vs-low-entropy', rounds: 14, ratio: 1.64, ci95: [1.4, 1.93] }]);
    // Open inside the margin, too: the finding still waits for its partner.
    expect(decideOn([c('screen', 'same'), tlsVsBody, c('entropy', 'unclear', 1.1)]).verdict).toBe('inconclusive');
    // Its partner settled: a classifier, or none the reference can show.
    expect(decideOn([c('screen', 'same'), tlsVsBody, c('entropy', 'slower', 1.6)]).verdict).toBe('tls-throttled');
    expect(decideOn([c('screen', 'same'), tlsVsBody, c('entropy', 'same', 1.1)]).verdict).toBe('no-difference');
    // Behind a screening finding the body pair is moot, and the finding stands.
    expect(decideOn([c('screen', 'slower', 2), tlsVsBody, c('entropy', 'unclear', 1.1)]).verdict).toBe('tls-throttled');
    // The other way round: random plaintext found slower than the body, TLS against it open
    // inside the margin; the note gives TLS's figures, the claim the verdict would make.
    const other = decideOn([c('screen', 'same'), c('entropy', 'slower', 1.6), { ...c('tls-vs-low-entropy', 'unclear', 1.2), rounds: 12 }]);
    expect(other.verdict).toBe('inconclusive');
    expect(other.notes).toEqual([expect.objectContaining({ code: 'pair-unsettled', pair: 'tls-vs-low-entropy', ratio: 1.2, rounds: 12 })]);
  });

  it('finds entropy shaping behind an equal screening pair', () => {
    const d = decideOn([c('screen', 'same'), c('entropy', 'slower', 5), c('tls-vs-low-entropy', 'slower', 5)]);
    expect(d.verdict).toBe('tls-throttled');
    expect(d.cause).toBe('entropy');
    expect(d.basis?.id).toBe('tls-vs-low-entropy');
  });

  it('reports an upload-only difference, saying so', () => {
    const d = decideOn([c('screen', 'same'), c('upload', 'slower', 60)]);
    expect(d.verdict).toBe('tls-throttled');
    expect(d.basis?.id).toBe('upload');
    expect(d.notes).toContainEqual({ code: 'upload-only', downloads: 'same' });
  });

  it('fails without a screening comparison', () => {
    expect(decideOn([]).verdict).toBe('failed');
  });
});

describe('diagnoseCause', () => {
  it('is undefined when no diagnosis ran', () => {
    expect(diagnoseCause({ screen: c('screen', 'slower') })).toBeUndefined();
  });

  it('names the protocol when TLS is slow on the plain port and plaintext is fine on the TLS port', () => {
    expect(diagnoseCause({ 'protocol-on-plain-port': c('p', 'slower'), 'port-for-plaintext': c('q', 'same') })).toBe('protocol');
  });

  it('names the port when plaintext is slow on the TLS port and TLS is fine on the plain port', () => {
    expect(diagnoseCause({ 'protocol-on-plain-port': c('p', 'same'), 'port-for-plaintext': c('q', 'slower') })).toBe('port');
  });

  it('names entropy when random plaintext is slower than text', () => {
    expect(diagnoseCause({ entropy: c('e', 'slower'), 'protocol-on-plain-port': c('p', 'slower') })).toBe('entropy');
  });

  it('says unknown when the diagnosis pairs disagree or are unclear', () => {
    expect(diagnoseCause({ 'protocol-on-plain-port': c('p', 'slower'), 'port-for-plaintext': c('q', 'slower') })).toBe('unknown');
    expect(diagnoseCause({ 'protocol-on-plain-port': c('p', 'unclear'), 'port-for-plaintext': c('q', 'same') })).toBe('unknown');
  });
});

describe('decide: shaping, flows and the processor', () => {
  it('reads the shaped rate from the rounds in which the slow leg was throttled', () => {
    // A flow at 20 Mbit/s for eight rounds, then held to 1.5 (delayed throttling).
    const tls = leg('https', 443, [...Array(8).fill(20), ...Array(8).fill(1.5)]);
    const plain = leg('http', 80, Array(16).fill(20));
    const legs = new Map([tls, plain].map((l) => [l.spec.id, l]));
    const d = decide({ comparisons: [screenOf(tls, plain, 'slower', 3.6)], screening: SCREEN, legs, capacities: { clientTlsMbps: 0 } });
    expect(d.verdict).toBe('tls-throttled');
    expect(d.shaping?.rateMbps).toBeCloseTo(1.5, 5);
  });

  it('withholds no-difference while the last two rounds ran 2x apart, and says so', () => {
    const tls = leg('https', 443, [20, 20, 20, 20, 20, 20, 1.5, 1.5]);
    const plain = leg('http', 80, Array(8).fill(20));
    const legs = new Map([tls, plain].map((l) => [l.spec.id, l]));
    const d = decide({ comparisons: [screenOf(tls, plain, 'same', 1)], screening: SCREEN, legs, capacities: {} });
    expect(d.verdict).toBe('inconclusive');
    expect(d.notes).toEqual([{ code: 'turned', ratio: 13.333, leg: tls.spec.id, carriedBytes: MIN_FLOW_BYTES }]);
  });

  it('withholds no-difference when the TLS leg turned slower beside the low-entropy body after screening settled', () => {
    // Screening settled 'same' after 8 rounds; the TLS leg ran on beside the low-entropy body
    // (tls-vs-low-entropy), and a token bucket the long early rounds had refilled ran dry.
    const tls = leg('https', 443, [...Array(10).fill(26), 5, 5]);
    const plain = leg('http', 80, Array(8).fill(26));
    const text: MeasuredLeg = { ...leg('http', 80, Array(12).fill(26)), spec: { ...plain.spec, id: legId('http', 80, 'down', 'text'), payload: 'text' } };
    const legs = new Map([tls, plain, text].map((l) => [l.spec.id, l]));
    const d = decide({ comparisons: [screenOf(tls, plain, 'same', 1)], screening: SCREEN, legs, capacities: {} });
    expect(d.verdict).toBe('inconclusive');
    expect(d.notes).toEqual([{ code: 'turned', ratio: 5.2, leg: tls.spec.id, carriedBytes: MIN_FLOW_BYTES }]);
  });

  it('does not read a standing difference beside the low-entropy body as a turn', () => {
    // TLS slower than the text body from the start (a classifier of encrypted-looking flows,
    // which the entropy pair answers): screening's 'same' stands.
    const tls = leg('https', 443, Array(12).fill(5));
    const plain = leg('http', 80, Array(8).fill(5));
    const text: MeasuredLeg = { ...leg('http', 80, Array(12).fill(26)), spec: { ...plain.spec, id: legId('http', 80, 'down', 'text'), payload: 'text' } };
    const legs = new Map([tls, plain, text].map((l) => [l.spec.id, l]));
    expect(decide({ comparisons: [screenOf(tls, plain, 'same', 1)], screening: SCREEN, legs, capacities: {} }).verdict).toBe('no-difference');
  });

  it('notes a screening flow shorter than the flow minimum on a no-difference', () => {
    const tls = leg('https', 443, Array(8).fill(20), 3_000_000);
    const plain = leg('http', 80, Array(8).fill(20));
    const legs = new Map([tls, plain].map((l) => [l.spec.id, l]));
    const d = decide({ comparisons: [screenOf(tls, plain, 'same', 1)], screening: SCREEN, legs, capacities: {} });
    expect(d.verdict).toBe('no-difference');
    // Each 200 ms transfer at 20 Mbit/s carried 0.5 MB: what "no difference" covers (burstScopeNotes).
    expect(d.notes).toEqual([
      { code: 'short-flow', carriedBytes: 3_000_000, minFlowBytes: MIN_FLOW_BYTES },
      { code: 'burst-scope', transferBytes: 500_000, rounds: 8 },
    ]);
  });

  it("withholds a TLS finding when TLS ran near the endpoint's TLS capacity", () => {
    const tls = leg('https', 443, Array(8).fill(700));
    const plain = leg('http', 80, Array(8).fill(2000));
    const legs = new Map([tls, plain].map((l) => [l.spec.id, l]));
    const d = decide({ comparisons: [screenOf(tls, plain, 'slower', 2.9)], screening: SCREEN, legs, capacities: { endpointTlsMbps: 1000 } });
    expect(d.verdict).toBe('inconclusive');
    expect(d.cause).toBeUndefined();
    expect(d.shaping).toBeUndefined();
    expect(d.notes).toContainEqual({ code: 'cpu-bound', tlsLeg: tls.spec.id, tlsMbps: 700, plainLeg: plain.spec.id, plainMbps: 2000, whose: 'endpoint', capacityMbps: 1000 });
  });

  it("asks for this computer's TLS capacity before a TLS finding stands, and withholds it when near", () => {
    const tls = leg('https', 443, Array(8).fill(10));
    const plain = leg('http', 80, Array(8).fill(50));
    const legs = new Map([tls, plain].map((l) => [l.spec.id, l]));
    const input = { comparisons: [screenOf(tls, plain, 'slower', 5)], screening: SCREEN, legs };
    expect(decide({ ...input, capacities: {} }).wantsClientCapacity).toBe(true);
    expect(decide({ ...input, capacities: { clientTlsMbps: 4000 } })).toMatchObject({ verdict: 'tls-throttled' });
    expect(decide({ ...input, capacities: { clientTlsMbps: 4000 } }).wantsClientCapacity).toBeUndefined();
    expect(decide({ ...input, capacities: { clientTlsMbps: 15 } }).verdict).toBe('inconclusive');
  });

  it('never asks about processors for a plaintext finding', () => {
    const tls = leg('https', 443, Array(8).fill(50));
    const plain = leg('http', 80, Array(8).fill(10));
    const legs = new Map([tls, plain].map((l) => [l.spec.id, l]));
    const d = decide({ comparisons: [screenOf(tls, plain, 'faster', 0.2)], screening: SCREEN, legs, capacities: { endpointTlsMbps: 50 } });
    expect(d.verdict).toBe('plaintext-throttled');
    expect(d.wantsClientCapacity).toBeUndefined();
  });
});

describe('lastRoundsApart', () => {
  it('sees the last two rounds 2x apart the same way, and names the slow leg', () => {
    const tls = leg('https', 443, [20, 20, 20, 1.5, 1.5]);
    const apart = lastRoundsApart(tls, leg('http', 80, [20, 20, 20, 20, 20]));
    expect(apart?.slowLeg).toBe(tls);
    expect(apart?.ratio).toBeCloseTo(20 / 1.5, 5);
  });

  it('sees nothing when only one of the last two rounds is apart', () => {
    expect(lastRoundsApart(leg('https', 443, [20, 20, 20, 20, 1.5]), leg('http', 80, [20, 20, 20, 20, 20]))).toBeUndefined();
    expect(lastRoundsApart(leg('https', 443, [20, 20, 20, 5, 40]), leg('http', 80, [20, 20, 20, 20, 20]))).toBeUndefined();
  });
});

describe('decide: why an unclear run is unclear', () => {
  const unclear = (extra: Partial<Comparison>): Comparison => ({
    id: 'screen', suspectLeg: 'a', referenceLeg: 'b', ratio: 5, ci95: [4.9, 5.1], pValue: 0.03, rounds: 6, outcome: 'unclear', ...extra,
  });

  it('says when the interval cleared the margin in the last round only', () => {
    expect(decideOn([unclear({ pendingRound: true })]).notes).toEqual([{ code: 'pending-second-look', ci95: [4.9, 5.1], marginRatio: 1.25 }]);
  });

  it('says how few rounds fitted', () => {
    expect(decideOn([unclear({ rounds: 4 })]).notes).toEqual([{ code: 'too-few-rounds', rounds: 4, minRounds: MIN_ROUNDS }]);
  });

  it('gives the interval that straddles the margin', () => {
    expect(decideOn([unclear({ ratio: 1.3, ci95: [0.9, 1.8], rounds: 12 })]).notes).toEqual([
      { code: 'straddles-margin', rounds: 12, ci95: [0.9, 1.8], marginRatio: 1.25 },
    ]);
  });
});

describe('decide: window-limited rounds', () => {
  /** A transfer of `ms` at `mbps`, whose first byte came `ttfbMs` after the request. */
  const short = (mbps: number, ms: number, ttfbMs: number): MeasuredTransfer => ({ ...flat(mbps), durationMs: ms, ttfbMs });

  it('leaves out rounds whose two transfers both lasted only a few round trips, and says so', () => {
    // A 150 ms path: 200 ms transfers are barely over one round trip on either leg.
    const tls = { ...leg('https', 443, []), samples: new Map(Array.from({ length: 8 }, (_, i) => [i, short(1 + (i % 3), 200, 150)] as const)) };
    const plain = { ...leg('http', 80, []), samples: new Map(Array.from({ length: 8 }, (_, i) => [i, short(4 - (i % 3), 200, 150)] as const)) };
    const c = compareLegs(SCREEN, tls, plain);
    expect(c.rounds).toBe(0);
    expect(c.windowLimitedRounds).toBe(8);
    const d = decide({ comparisons: [c], screening: SCREEN, legs: new Map([tls, plain].map((l) => [l.spec.id, l])), capacities: {} });
    expect(d.verdict).toBe('inconclusive');
    expect(d.notes[0]).toEqual({ code: 'window-limited', rounds: 8 });
  });

  it('keeps a round in which one transfer lasted long enough to show the line', () => {
    const tls = { ...leg('https', 443, []), samples: new Map(Array.from({ length: 8 }, (_, i) => [i, short(2, 1500, 150)] as const)) };
    const plain = { ...leg('http', 80, []), samples: new Map(Array.from({ length: 8 }, (_, i) => [i, short(10, 300, 150)] as const)) };
    const c = compareLegs(SCREEN, tls, plain);
    expect(c.rounds).toBe(8);
    expect(c.windowLimitedRounds).toBeUndefined();
  });

  it('never leaves out a transfer whose round trip is unknown (uploads, ndt7)', () => {
    const t = flat(10);
    expect(windowLimited(t, undefined)).toBe(false);
    expect(pathRttMs(leg('https', 443, [10, 10]))).toBeUndefined();
    expect(windowLimited({ ...t, ttfbMs: 0 }, pathRttMs({ ...leg('https', 443, []), samples: new Map([[0, { ...t, ttfbMs: 0 }]]) }))).toBe(false);
  });

  it('reads the path from the least time to a first byte, so one slow start of a fetch marks nothing', () => {
    // One transfer's first byte came late (a busy browser); the path's round trip is 2 ms.
    const samples = new Map(Array.from({ length: 8 }, (_, i) => [i, { ...flat(50), durationMs: 200, ttfbMs: i === 3 ? 120 : 2 }] as const));
    const tls = { ...leg('https', 443, []), samples };
    const plain = { ...leg('http', 80, []), samples: new Map(samples) };
    expect(pathRttMs(tls, plain)).toBe(2);
    expect(compareLegs(SCREEN, tls, plain).windowLimitedRounds).toBeUndefined();
  });
});
