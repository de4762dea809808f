// Rule 1f (src/core/fresh-flows.ts withFreshFlows): on a long path a finding must show again on
// renewed connections.
import { describe, expect, it } from 'vitest';
import { compareLegs, decide } from '../../src/core/decision.js';
import { FRESH_MIN_ROUNDS } from '../../src/core/fresh-flows.js';
import { MIN_FLOW_BYTES } from '../../src/core/needs-rounds.js';
import type { MeasuredLeg, MeasuredTransfer } from '../../src/core/paired-rounds.js';
import type { PairSpec } from '../../src/core/plan.js';
import type { LegSpec } from '../../src/core/types.js';

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
