// Rule 1f (src/core/fresh-flows.ts withFreshFlows): on a long path a finding must show again on
// renewed connections.
import { describe, expect, it } from 'vitest';
import { compareLegs, decide } from '../../src/core/decision.js';
import { FlowRenewal } from '../../src/core/engine/flow-renewal.js';
import { FRESH_MIN_ROUNDS, freshRoundsLeft, leansOnLongPath, withFreshFlows } from '../../src/core/fresh-flows.js';
import { MIN_FLOW_BYTES } from '../../src/core/needs-rounds.js';
import type { MeasuredLeg, MeasuredTransfer } from '../../src/core/paired-rounds.js';
import { xoshiro128 } from '../../src/core/payload.js';
import type { PairSpec } from '../../src/core/plan.js';
import type { Comparison, LegSpec } from '../../src/core/types.js';

const tls: LegSpec = { id: 'https-443-down-random', scheme: 'https', port: 443, direction: 'down', payload: 'random' };
const plain: LegSpec = { id: 'http-80-down-random', scheme: 'http', port: 80, direction: 'down', payload: 'random' };
const screen: PairSpec = { id: 'screen', suspect: tls, reference: plain };

/** A transfer of `mbps` lasting `ms`, flat (no burst), on connection `connection` after `carriedBytes`. */
function transfer(mbps: number, ttfbMs: number, connection: number, carriedBytes: number, ms = 2000): MeasuredTransfer {
  const bytes = Math.round((mbps * 1000 * ms) / 8);
  const bins = Array.from({ length: ms / 50 }, () => bytes / (ms / 50));
  return { bytes, durationMs: ms, mbps, ttfbMs, bins, binMs: 50, flow: { connection, carriedBytes } };
}

/**
 * A leg whose rounds ran at `first` Mbit/s on its first connection and at `renewed` on the one
 * after it, renewed after `renewAt` rounds; each transfer carries about 5 MB at 20 Mbit/s.
 */
function leg(spec: LegSpec, rates: number[], renewAt: number, ttfbMs = 150): MeasuredLeg {
  const samples = new Map<number, MeasuredTransfer>();
  let carried = 0;
  rates.forEach((mbps, round) => {
    if (round === renewAt) carried = 0;
    const t = transfer(mbps, ttfbMs, round >= renewAt ? 1 : 0, carried);
    carried += t.bytes;
    samples.set(round, t);
  });
  return { spec, samples, flowBytes: carried };
}

const wobble = (i: number) => 1 + 0.03 * Math.sin(i * 1.9);
const steady = (mbps: number, n: number, from = 0) => Array.from({ length: n }, (_, i) => mbps * wobble(i + from));

describe('rule 1f: a finding on a long path shows again on new connections', () => {
  it('waits, unclear, while no round has run on renewed connections', () => {
    const c = compareLegs(screen, leg(tls, steady(15, 12), 99), leg(plain, steady(30, 12, 5), 99), undefined, { freshFlows: true });
    expect(c.outcome).toBe('unclear');
    expect(c.freshFlows).toEqual({ rounds: 0, confirmed: false, afterBytes: 0 });
  });

  it('confirms a cap that slows the renewed connections too', () => {
    // A cap from the first round: the renewed connections count from their first transfer.
    const c = compareLegs(screen, leg(tls, steady(15, 15), 12), leg(plain, steady(30, 15, 5), 12), undefined, { freshFlows: true });
    expect(c.outcome).toBe('slower');
    expect(c.freshFlows).toEqual({ rounds: 3, confirmed: true, ratio: expect.closeTo(2, 1), afterBytes: 0 });
    // One round fewer on the renewed connections: not yet.
    const short = compareLegs(screen, leg(tls, steady(15, 14), 12), leg(plain, steady(30, 14, 5), 12), undefined, { freshFlows: true });
    expect([short.outcome, short.freshFlows?.rounds]).toEqual(['unclear', FRESH_MIN_ROUNDS - 1]);
  });

  it('counts a renewed connection once it has carried what the first had when the difference began', () => {
    // HTTPS slows once a connection has carried 15 MB (two 7.5 MB transfers at 30 Mbit/s): on
    // the renewed one too, whose first two rounds then read alike and do not count.
    const perConnection = (n: number) => Array.from({ length: n }, (_, i) => ((i < 12 ? i : i - 12) < 2 ? 30 : 15) * wobble(i));
    const c = compareLegs(screen, leg(tls, perConnection(17), 12), leg(plain, steady(30, 17, 5), 12), undefined, { freshFlows: true });
    expect(c.outcome).toBe('slower');
    expect(c.freshFlows).toMatchObject({ rounds: 3, confirmed: true, afterBytes: MIN_FLOW_BYTES });
  });

  it('takes back a difference that stayed with the first connection', () => {
    const s = leg(tls, [...steady(40, 12), ...steady(40, 10, 12)], 12);
    const r = leg(plain, [...steady(24, 12, 3), ...steady(40, 10, 7)], 12);
    const c = compareLegs(screen, s, r, undefined, { freshFlows: true });
    expect(c.outcome).not.toBe('faster');
    if (c.freshFlows) expect(c.freshFlows.ratio).toBeCloseTo(1, 1);
    // Without renewals (a provider that cannot), the first connections' difference is a finding.
    const firstOnly = compareLegs(screen, leg(tls, steady(40, 12), 99), leg(plain, steady(24, 12, 3), 99), undefined, {});
    expect(firstOnly.outcome).toBe('faster');
  });

  it('leaves a short path and the port swaps alone', () => {
    const short = compareLegs(screen, leg(tls, steady(15, 12), 99, 10), leg(plain, steady(30, 12, 5), 99, 10), undefined, { freshFlows: true });
    expect([short.outcome, short.freshFlows]).toEqual(['slower', undefined]);
    // A port swap has alpha once the finding it explains is made (error-budget.ts).
    const swap: PairSpec = { id: 'protocol-on-plain-port', suspect: { ...tls, id: 'https-80-down-random', port: 80 }, reference: plain };
    const c = compareLegs(swap, leg(swap.suspect, steady(15, 16), 99), leg(plain, steady(30, 16, 5), 99), undefined, { freshFlows: true, rejected: new Set(['screen']) });
    expect(c.outcome).toBe('slower');
  });

  it('says why the run is inconclusive when the renewed connections ran too few rounds or did not confirm', () => {
    const few = compareLegs(screen, leg(tls, steady(15, 14), 12), leg(plain, steady(30, 14, 5), 12), undefined, { freshFlows: true });
    const d = decide({ comparisons: [few], screening: screen, legs: new Map(), capacities: { clientTlsMbps: 0 } });
    expect(d.verdict).toBe('inconclusive');
    expect(d.notes).toContainEqual({ code: 'fresh-unconfirmed', rounds: 2, minRounds: FRESH_MIN_ROUNDS, marginRatio: 1.25 });
    // Enough rounds on the renewed connections, within the margin there. (A leg that speeds up
    // once renewed is also still rising, rule 1s, which then speaks first.)
    const alike = { ...few, freshFlows: { rounds: 6, ratio: 1.08, confirmed: false, afterBytes: 0 } };
    const d2 = decide({ comparisons: [alike], screening: screen, legs: new Map(), capacities: { clientTlsMbps: 0 } });
    expect(d2.verdict).toBe('inconclusive');
    expect(d2.notes).toContainEqual({ code: 'fresh-unconfirmed', rounds: 6, minRounds: FRESH_MIN_ROUNDS, ratio: 1.08, marginRatio: 1.25 });
  });

  it('asks the same of uploads', () => {
    const up = (s: LegSpec): LegSpec => ({ ...s, id: s.id.replace('down', 'up'), direction: 'up' });
    const upload: PairSpec = { id: 'upload', suspect: up(tls), reference: up(plain) };
    const before = compareLegs(upload, leg(up(tls), steady(5, 12), 99), leg(up(plain), steady(10, 12, 5), 99), undefined, { freshFlows: true });
    expect([before.outcome, before.freshFlows?.rounds]).toEqual(['unclear', 0]);
    const c = compareLegs(upload, leg(up(tls), steady(5, 15), 12), leg(up(plain), steady(10, 15, 5), 12), undefined, { freshFlows: true });
    expect([c.outcome, c.freshFlows?.rounds]).toEqual(['slower', 3]);
  });
});

describe('rule 1f for a finding of the less busy rounds (rule 4r)', () => {
  // Port 443 capped at 20 of 30 Mbit/s (1.5x). On the new connections the line's other traffic
  // holds both legs at 12 in every other round, where the cap does not bind: all their rounds
  // read about 1.2x, the rounds with the line free 1.5x, as the finding's rounds did.
  const busyEveryOther = (free: number, n: number, from: number) => Array.from({ length: n }, (_, i) => (i % 2 ? 12 : free) * wobble(i + from));
  const s = leg(tls, [...steady(20, 16), ...busyEveryOther(20, 12, 0)], 16);
  const r = leg(plain, [...steady(30, 16, 5), ...busyEveryOther(30, 12, 5)], 16);
  const found = (busyRoundsLeftOut?: number): Comparison => ({
    id: 'screen',
    suspectLeg: tls.id,
    referenceLeg: plain.id,
    ratio: 1.5,
    ci95: [1.45, 1.55],
    pValue: 0.001,
    rounds: 8,
    outcome: 'slower',
    ...(busyRoundsLeftOut ? { busyRoundsLeftOut } : {}),
  });

  it('confirms on the new connections\' rounds with the line free', () => {
    const c = withFreshFlows(found(8), s, r);
    expect(c.outcome).toBe('slower');
    expect(c.freshFlows).toMatchObject({ rounds: 6, confirmed: true, ratio: expect.closeTo(1.5, 1) });
  });

  it('reads all the new rounds for a finding of all rounds, as before', () => {
    const c = withFreshFlows(found(), s, r);
    expect(c.outcome).toBe('unclear');
    expect(c.freshFlows?.rounds).toBe(12);
    expect(c.freshFlows!.ratio!).toBeLessThan(1.25);
  });

  it('takes the finding back when the new connections read alike with the line free', () => {
    const alike = leg(plain, [...steady(30, 16, 5), ...busyEveryOther(20, 12, 5)], 16);
    const c = withFreshFlows(found(8), s, alike);
    expect(c.outcome).toBe('unclear');
    expect(c.freshFlows?.confirmed).toBe(false);
  });

  it('reads every new round where the line was busy in most of them: a cap seen in a few is not confirmed', () => {
    // Rule 4r's bar is a share of the fifth highest round, so the five highest always count.
    const twoFree = (free: number, from: number) => Array.from({ length: 8 }, (_, i) => (i < 2 ? free : 12) * wobble(i + from));
    const c = withFreshFlows(found(8), leg(tls, [...steady(20, 16), ...twoFree(20, 0)], 16), leg(plain, [...steady(30, 16, 5), ...twoFree(30, 5)], 16));
    expect(c.freshFlows?.rounds).toBe(8);
    expect(c.outcome).toBe('unclear');
  });
});

describe('rule 1f for a finding from some rounds slowed (rule 4m)', () => {
  /**
   * A token bucket on TLS alone, in the rounds of a long path: it runs dry in about three
   * rounds of ten (TLS at a fifth of plain HTTP's 40 Mbit/s) and passes the rest whole, on
   * every connection alike. `slowedFresh` overrides how the renewed connections' rounds go.
   */
  function bucketRounds(first: number, fresh: number, slowedFresh?: (i: number) => boolean): { tls: MeasuredLeg; plain: MeasuredLeg } {
    const next = xoshiro128(4242);
    const u = () => (next() + 0.5) / 2 ** 32;
    const tlsRates: number[] = [];
    const plainRates: number[] = [];
    for (let i = 0; i < first + fresh; i++) {
      const plainMbps = 40 * (0.95 + 0.1 * u());
      const slowed = i >= first && slowedFresh ? slowedFresh(i - first) : u() < 0.3;
      tlsRates.push(slowed ? 8 * (0.95 + 0.1 * u()) : plainMbps * (0.92 + 0.16 * u()));
      plainRates.push(plainMbps);
    }
    return { tls: leg(tls, tlsRates, first), plain: leg(plain, plainRates, first) };
  }

  it('confirms on the new connections by their slowed rounds, where their interval straddles the margin', () => {
    // Three rounds of twelve slowed on the new connections, as on the first.
    const { tls: s, plain: r } = bucketRounds(40, 12, (i) => i % 4 === 1);
    const firstOnly = compareLegs(screen, bucketRounds(40, 0).tls, bucketRounds(40, 0).plain, undefined, {});
    expect([firstOnly.outcome, firstOnly.someRoundsOf]).toEqual(['slower', 40]);
    const c = compareLegs(screen, s, r, undefined, { freshFlows: true });
    expect(c.outcome).toBe('slower');
    expect(c.someRoundsOf).toBeGreaterThan(40);
    const fresh = c.freshFlows!;
    expect(fresh.confirmed).toBe(true);
    expect(fresh.someRounds!.up).toBeGreaterThanOrEqual(FRESH_MIN_ROUNDS);
    expect(fresh.someRounds!.down).toBe(0);
    // The centre of the new connections' rounds is within the margin: the interval's
    // confirmation alone would have left the finding waiting.
    expect(fresh.ratio!).toBeLessThan(1.25);
  });

  it('takes the finding back when the new connections pass every round whole', () => {
    const { tls: s, plain: r } = bucketRounds(40, 12, () => false);
    const c = compareLegs(screen, s, r, undefined, { freshFlows: true });
    expect(c.outcome).toBe('unclear');
    expect(c.freshFlows).toMatchObject({ confirmed: false, someRounds: { up: 0, down: 0 } });
    expect(c.freshFlows!.rounds).toBeGreaterThanOrEqual(FRESH_MIN_ROUNDS);
    expect(freshRoundsLeft(c)).toBe(0);
  });

  it('waits while the slowed rounds on the new connections are too few, and says how many rounds that takes', () => {
    // Only the new connections' second round slowed: one up round of four.
    const { tls: s, plain: r } = bucketRounds(40, 4, (i) => i === 1);
    const c = compareLegs(screen, s, r, undefined, { freshFlows: true });
    expect(c.outcome).toBe('unclear');
    expect(c.freshFlows).toMatchObject({ confirmed: false, someRounds: { up: 1, down: 0 } });
    // Two more up rounds, at the first connections' rate of up rounds (all rounds over slowed ones).
    expect(freshRoundsLeft(c)).toBe(Math.ceil((2 * c.someRoundsOf!) / c.rounds));
  });

  it('counts a slowed round against it as far the other way: three up, one down is not enough', () => {
    // The new connections' first round does not count: a renewed connection's rounds count
    // once it has carried what the first had when the difference began (here rule 6's 8 MB,
    // one unslowed transfer).
    const up = new Set([1, 2, 5]);
    const { tls: s, plain: r } = bucketRounds(60, 7, (i) => up.has(i));
    // One round on the new connections where TLS ran twice as fast as plain HTTP (down).
    const fast = s.samples.get(63)!;
    s.samples.set(63, { ...fast, mbps: 90, bins: fast.bins.map((b) => b * (90 / fast.mbps)), bytes: Math.round(fast.bytes * (90 / fast.mbps)) });
    const c = compareLegs(screen, s, r, undefined, { freshFlows: true });
    expect(c.freshFlows).toMatchObject({ confirmed: false, someRounds: { up: 3, down: 1 } });
    expect(c.outcome).toBe('unclear');
    // The run's note names the counts its confirmation asked for, not the new rounds' ratio alone.
    const d = decide({ comparisons: [c], screening: screen, legs: new Map(), capacities: { clientTlsMbps: 0 } });
    expect(d.verdict).toBe('inconclusive');
    expect(d.notes).toContainEqual(
      expect.objectContaining({ code: 'fresh-unconfirmed', rounds: c.freshFlows!.rounds, slowedRounds: { up: 3, down: 1, farRatio: 2.5 } }),
    );
  });
});

describe('rule 1f begun early: new connections once a pair leans past the margin', () => {
  /** The legs FlowRenewal asked to renew, in order. */
  function renewals(pairs: [PairSpec, MeasuredLeg, MeasuredLeg][]): string[] {
    const renewed: string[] = [];
    const renewal = new FlowRenewal({ renewFlow: (spec) => void renewed.push(spec.id), lengthenFlow: () => true });
    const legs = new Map(pairs.flatMap(([, s, r]) => [[s.spec.id, s], [r.spec.id, r]] as const));
    const comparisons = pairs.map(([p, s, r]) => compareLegs(p, s, r, undefined, { freshFlows: true }));
    renewal.renew(comparisons, legs);
    renewal.renew(comparisons, legs);
    return renewed;
  }

  it('renews both legs once, before the finding, when the 95% interval is past the margin', () => {
    // Six rounds 2x apart: the 95% interval clears the margin, the repeated one has not looked yet.
    const [s, r] = [leg(tls, steady(15, 6), 99), leg(plain, steady(30, 6, 5), 99)];
    const c = compareLegs(screen, s, r, undefined, { freshFlows: true });
    expect(c.outcome).toBe('unclear');
    expect(c.freshFlows).toBeUndefined();
    expect(c.ci95[0]).toBeGreaterThan(1.25);
    expect(leansOnLongPath(c, s, r)).toBe(true);
    expect(renewals([[screen, s, r]])).toEqual([tls.id, plain.id]);
  });

  it('renews on rounds far past the margin outnumbering those as far the other way', () => {
    // Rounds a bucket slows now and then: the interval of all rounds straddles the margin.
    const rates = Array.from({ length: 24 }, (_, i) => (i % 3 === 1 ? 7 : 36) * wobble(i));
    const [s, r] = [leg(tls, rates, 99), leg(plain, steady(36, 24, 5), 99)];
    const c = compareLegs(screen, s, r, undefined, { freshFlows: true });
    expect(c.outcome).toBe('unclear');
    expect(c.ci95[0]).toBeLessThan(1.25);
    expect(leansOnLongPath(c, s, r)).toBe(true);
    // Fewer such rounds: not yet.
    const [s6, r6] = [leg(tls, rates.slice(0, 6), 99), leg(plain, steady(36, 6, 5), 99)];
    expect(leansOnLongPath(compareLegs(screen, s6, r6, undefined, { freshFlows: true }), s6, r6)).toBe(false);
  });

  it('leaves alone rounds that straddle the margin, a short path, and a port swap', () => {
    const alike = [leg(tls, steady(30, 10), 99), leg(plain, steady(30, 10, 5), 99)] as const;
    // Six rounds 2x apart, which lean on a long path (above).
    const short = [leg(tls, steady(15, 6), 99, 10), leg(plain, steady(30, 6, 5), 99, 10)] as const;
    const swap: PairSpec = { id: 'protocol-on-plain-port', suspect: { ...tls, id: 'https-80-down-random', port: 80 }, reference: plain };
    const swapped = [leg(swap.suspect, steady(15, 6), 99), leg(plain, steady(30, 6, 5), 99)] as const;
    expect(renewals([[screen, ...alike]])).toEqual([]);
    expect(renewals([[screen, ...short]])).toEqual([]);
    expect(compareLegs(screen, ...short, undefined, { freshFlows: true }).ci95[0]).toBeGreaterThan(1.25);
    expect(renewals([[swap, ...swapped]])).toEqual([]);
  });
});

