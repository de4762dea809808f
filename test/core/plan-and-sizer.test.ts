import { describe, expect, it } from 'vitest';
import { endpointPlan, legsOf, roundOrder } from '../../src/core/plan.js';
import { DOWNLOAD_SIZER, nextBytes, rampDone, snapBytes, steadyBytes, targetForRtt } from '../../src/core/sizer.js';

describe('plan', () => {
  it('screens HTTPS on the TLS port against HTTP on the plain port', () => {
    const { screening } = endpointPlan(443, 80);
    expect(screening.map((p) => [p.suspect.id, p.reference.id])).toEqual([['https-443-down-random', 'http-80-down-random']]);
  });

  it('swaps ports, compares entropies and uploads when diagnosing', () => {
    const ids = legsOf(endpointPlan(443, 80).diagnosis).map((l) => l.id);
    expect(ids).toEqual(
      expect.arrayContaining(['https-80-down-random', 'http-443-down-random', 'http-80-down-text', 'https-443-up-random', 'http-80-up-random']),
    );
  });

  it('cannot swap ports on a one-port endpoint', () => {
    const ids = endpointPlan(8443, 8443).diagnosis.map((p) => p.id);
    expect(ids).not.toContain('protocol-on-plain-port');
    expect(ids).not.toContain('port-for-plaintext');
  });

  it("draws each round's order from the seed and the round: the same again for the same pair", () => {
    const legs = ['A', 'B', 'C', 'D'];
    expect(roundOrder(legs, 7, 3)).toEqual(roundOrder(legs, 7, 3));
    expect([...roundOrder(legs, 7, 3)].sort()).toEqual(legs);
    expect(legs).toEqual(['A', 'B', 'C', 'D']);
    // Some round of a run differs from the first, and another seed orders differently.
    expect([1, 2, 3, 4, 5].some((r) => roundOrder(legs, 7, r).join('') !== roundOrder(legs, 7, 0).join(''))).toBe(true);
    expect([0, 1, 2, 3, 4].some((r) => roundOrder(legs, 8, r).join('') !== roundOrder(legs, 7, r).join(''))).toBe(true);
  });

  it('puts each leg first and each leg of a pair before the other about equally often', () => {
    // Whatever the line does between transfers (a boost after a pause) must land on either leg of a pair alike.
    const legs = ['tls', 'plain', 'text', 'tls-up', 'plain-up'];
    const first = new Map<string, number>();
    let tlsBeforePlain = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const order = roundOrder(legs, 1000 + Math.floor(i / 40), i % 40);
      first.set(order[0]!, (first.get(order[0]!) ?? 0) + 1);
      if (order.indexOf('tls') < order.indexOf('plain')) tlsBeforePlain++;
    }
    for (const leg of legs) expect(Math.abs(first.get(leg)! / n - 1 / legs.length)).toBeLessThan(0.015);
    expect(Math.abs(tlsBeforePlain / n - 0.5)).toBeLessThan(0.015);
  });
});

describe('sizer', () => {
  it('grows a quick transfer towards the target duration, by at most 8x', () => {
    expect(nextBytes(128 * 1024, 10, DOWNLOAD_SIZER)).toBe(1024 * 1024);
    // Half the target time: about twice the size.
    expect(nextBytes(1024 * 1024, DOWNLOAD_SIZER.targetMs / 2, DOWNLOAD_SIZER)).toBeGreaterThan(1.8 * 1024 * 1024);
  });

  it('shrinks a slow transfer, by at most 4x', () => {
    expect(nextBytes(4 * 1024 * 1024, 10_000, DOWNLOAD_SIZER)).toBe(1024 * 1024);
  });

  it('snaps sizes to a coarse grid so that sizes repeat', () => {
    expect(snapBytes(1_000_000, DOWNLOAD_SIZER)).toBe(snapBytes(1_010_000, DOWNLOAD_SIZER));
    expect(snapBytes(1, DOWNLOAD_SIZER)).toBe(DOWNLOAD_SIZER.minBytes);
    expect(snapBytes(1e12, DOWNLOAD_SIZER)).toBe(DOWNLOAD_SIZER.maxBytes);
  });

  it('ends the ramp once a transfer lasts long enough, or at the size cap', () => {
    expect(rampDone(DOWNLOAD_SIZER.rampDoneMs - 20, 1e6, DOWNLOAD_SIZER)).toBe(false);
    expect(rampDone(DOWNLOAD_SIZER.rampDoneMs, 1e6, DOWNLOAD_SIZER)).toBe(true);
    expect(rampDone(10, DOWNLOAD_SIZER.maxBytes, DOWNLOAD_SIZER)).toBe(true);
  });

  it('sizes a leg whose transfers often start with a burst past the largest burst seen', () => {
    const kB = (x: number) => x * 1000;
    // 50 ms bins: a burst at 48 Mbit/s (300 kB a bin), then 10 Mbit/s (62.5 kB a bin).
    const burst = (bins: number) => ({ bins: [...Array(bins).fill(kB(300)), ...Array(6).fill(kB(62.5)), 1], binMs: 50, mbps: 20 });
    const flat = { bins: [...Array(5).fill(kB(300)), 1], binMs: 50, mbps: 48 };
    const bytes = steadyBytes([burst(1), burst(3), flat, burst(2)], DOWNLOAD_SIZER)!;
    // The largest burst (3 bins' excess over 10 Mbit/s) plus 200 ms at 10 Mbit/s, on the grid.
    const wanted = 3 * (kB(300) - kB(62.5)) + 250_000;
    expect(bytes).toBeGreaterThan(wanted * 0.9);
    expect(bytes).toBeLessThan(wanted * 1.2);
  });

  it('sizes a bucketed leg past what the bucket gathers while the leg waits', () => {
    const kB = (x: number) => x * 1000;
    // Small bursts (the bucket had little time to refill) and then 10 Mbit/s.
    const burst = { bins: [kB(300), ...Array(6).fill(kB(62.5)), 1], binMs: 50, mbps: 15 };
    const short = steadyBytes([burst, burst, burst], DOWNLOAD_SIZER, 200)!;
    // A wait of 600 ms refills 750 kB at 10 Mbit/s: the transfer must carry that and then
    // 200 ms more at the shaped rate, or it fits the bucket whole and reads the line's rate.
    const long = steadyBytes([burst, burst, burst], DOWNLOAD_SIZER, 600)!;
    expect(long).toBeGreaterThan(0.9 * (kB(750) + kB(250)));
    expect(long).toBeGreaterThan(short);
    // A leg without bursts is sized by its rate alone, however long it waits.
    const flat = { bins: [1, 1, 1, 1, 1], binMs: 50, mbps: 50 };
    expect(steadyBytes([flat, flat], DOWNLOAD_SIZER, 600)).toBe(steadyBytes([flat, flat], DOWNLOAD_SIZER));
  });

  it('never sizes a bucketed leg below a transfer that met the bucket', () => {
    const kB = (x: number) => x * 1000;
    // As in the lab's tbf run: 724 KiB transfers that met a half-refilled bucket (one 300 kB
    // bin) and then 10 Mbit/s. Burst plus 200 ms would be about 0.5 MB, which the bucket can
    // gather while the leg waits, so the next transfer would read the line's rate again.
    const met = { bins: [kB(300), ...Array(6).fill(kB(62.5)), 1], binMs: 50, mbps: 15, bytes: 724 * 1024 };
    expect(steadyBytes([met, met, met], DOWNLOAD_SIZER, 100)).toBeGreaterThanOrEqual(724 * 1024);
    // Without the sizes of the transfers, the rule is the burst's alone.
    const bare = { bins: met.bins, binMs: 50, mbps: 15 };
    expect(steadyBytes([bare, bare, bare], DOWNLOAD_SIZER, 100)).toBeLessThan(724 * 1024);
  });

  it('follows the median goodput of a leg without bursts', () => {
    const t = (mbps: number) => ({ bins: [1, 1, 1, 1, 1], binMs: 50, mbps });
    expect(steadyBytes([t(40), t(50), t(60)], DOWNLOAD_SIZER)).toBe(snapBytes((50 * 1000 * DOWNLOAD_SIZER.targetMs) / 8, DOWNLOAD_SIZER));
    expect(steadyBytes([], DOWNLOAD_SIZER)).toBeUndefined();
  });

  it('follows a leg whose rate turned down from its last two transfers on', () => {
    const t = (mbps: number) => ({ bins: [1, 1, 1, 1, 1], binMs: 50, mbps });
    const at = (mbps: number) => snapBytes((mbps * 1000 * DOWNLOAD_SIZER.targetMs) / 8, DOWNLOAD_SIZER);
    // A delayed throttle: five rounds at 20 Mbit/s, then 1.5. The median of all seven is still
    // 20 Mbit/s; the two since the turn size the next transfer.
    expect(steadyBytes([t(20), t(21), t(19), t(20), t(20), t(1.5), t(1.6)], DOWNLOAD_SIZER)).toBe(at(1.55));
    // Cross traffic in one round is no turn; nor are two rounds less than twice slower.
    expect(steadyBytes([t(20), t(21), t(19), t(20), t(20), t(20), t(1.5)], DOWNLOAD_SIZER)).toBe(at(20));
    expect(steadyBytes([t(20), t(21), t(19), t(20), t(20), t(11), t(11)], DOWNLOAD_SIZER)).toBe(at(20));
    // A rate that recovers is followed by the median: a renewed connection's fast first
    // megabytes before a delayed throttle holds it again must not size its confirming rounds.
    expect(steadyBytes([t(2), t(2), t(2), t(2), t(20), t(22)], DOWNLOAD_SIZER)).toBe(at(2));
  });
});

describe('targetForRtt', () => {
  it('keeps the usual target on short paths', () => {
    expect(targetForRtt(200, 1)).toBe(200);
    expect(targetForRtt(200, 30)).toBe(200);
  });

  it('asks for ten round trips on a long path, at most two seconds', () => {
    expect(targetForRtt(200, 50)).toBe(500);
    expect(targetForRtt(200, 150)).toBe(1500);
    expect(targetForRtt(200, 600)).toBe(2000);
  });

  it('keeps the target when the round trip is unknown', () => {
    expect(targetForRtt(200, 0)).toBe(200);
    expect(targetForRtt(200, NaN)).toBe(200);
  });
});
