import { describe, expect, it } from 'vitest';
import { applyDecision, explainUnclear, lastRoundsApart, resultSoFar, type MeasuredLeg, type MeasuredTransfer } from '../../src/core/finish.js';
import { legId } from '../../src/core/plan.js';
import type { Comparison } from '../../src/core/types.js';

/** A flat transfer of 200 ms at this rate, in 50 ms bins. */
function flat(mbps: number): MeasuredTransfer {
  const perBin = (mbps * 1e6 * 0.05) / 8;
  return { bins: [perBin, perBin, perBin, perBin, 10], binMs: 50, bytes: perBin * 4, durationMs: 200, mbps };
}

function leg(scheme: 'http' | 'https', port: number, rates: number[]): MeasuredLeg {
  return {
    spec: { id: legId(scheme, port, 'down', 'random'), scheme, port, direction: 'down', payload: 'random' },
    samples: new Map(rates.map((r, i) => [i, flat(r)])),
  };
}

describe('applyDecision', () => {
  it('reads the shaped rate from the rounds in which the slow leg was throttled', async () => {
    // A flow at 20 Mbit/s for eight rounds, then held to 1.5 (delayed throttling).
    const tls = leg('https', 443, [...Array(8).fill(20), ...Array(8).fill(1.5)]);
    const plain = leg('http', 80, Array(16).fill(20));
    const legs = new Map([tls, plain].map((l) => [l.spec.id, l]));
    const screen: Comparison = {
      id: 'screen', suspectLeg: tls.spec.id, referenceLeg: plain.spec.id, ratio: 3.6, ci95: [1.4, 13.3], pValue: 0.008, rounds: 16, outcome: 'slower',
    };
    const state = { bytesUsed: 0, warnings: [], rounds: 16, legs, comparisons: [screen] };
    const result = await applyDecision(resultSoFar(state, 'https://endpoint.test/', 1000), legs, async () => undefined);
    expect(result.verdict).toBe('tls-throttled');
    expect(result.shaping?.rateMbps).toBeCloseTo(1.5, 5);
  });
});

describe('lastRoundsApart', () => {
  it('sees the last two rounds 2x apart the same way, and names the slow leg', () => {
    const apart = lastRoundsApart(leg('https', 443, [20, 20, 20, 1.5, 1.5]), leg('http', 80, [20, 20, 20, 20, 20]));
    expect(apart?.slowLeg).toBe('suspect');
    expect(apart?.ratio).toBeCloseTo(20 / 1.5, 5);
  });

  it('sees nothing when only one of the last two rounds is apart', () => {
    expect(lastRoundsApart(leg('https', 443, [20, 20, 20, 20, 1.5]), leg('http', 80, [20, 20, 20, 20, 20]))).toBeUndefined();
    expect(lastRoundsApart(leg('https', 443, [20, 20, 20, 5, 40]), leg('http', 80, [20, 20, 20, 20, 20]))).toBeUndefined();
  });
});

describe('explainUnclear', () => {
  it('says when the interval cleared the margin in the last round only', () => {
    const screen: Comparison = {
      id: 'screen', suspectLeg: 'a', referenceLeg: 'b', ratio: 5, ci95: [4.9, 5.1], pValue: 0.03, rounds: 6, outcome: 'unclear', pendingRound: true,
    };
    expect(explainUnclear([screen]).join(' ')).toMatch(/only in the last round, and a finding must hold over two rounds in a row/);
  });
});
