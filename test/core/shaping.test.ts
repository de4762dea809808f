import { describe, expect, it } from 'vitest';
import { estimateShaping, findLevelShift, sustainedMbps } from '../../src/core/shaping.js';

const BIN_MS = 100;
/** Bytes per 100 ms bin at a rate in Mbit/s. */
const perBin = (mbps: number) => (mbps * 1e6 * 0.1) / 8;

describe('findLevelShift', () => {
  it('finds a burst at 50 Mbit/s followed by a flat 5 Mbit/s, and the bucket size', () => {
    const bins = [...Array(4).fill(perBin(50)), ...Array(10).fill(perBin(5)), 1000];
    const shift = findLevelShift({ bins, binMs: BIN_MS });
    expect(shift?.splitBin).toBe(4);
    expect(shift?.afterBytesPerBin).toBeCloseTo(perBin(5), 0);
    // 4 bins at 50 minus what 5 Mbit/s would have sent in them.
    expect(shift?.burstBytes).toBeCloseTo(4 * (perBin(50) - perBin(5)), 0);
  });

  it('lets the bin in which the bucket ran dry sit between the levels (lab tbf, kB per 50 ms)', () => {
    const kB = [311, 164, 66, 49, 66, 66, 49, 66, 66, 49, 66, 49, 66, 66, 49, 66, 66, 49, 57];
    const shift = findLevelShift({ bins: kB.map((x) => x * 1000), binMs: 50 });
    expect(shift?.splitBin).toBe(1);
    // About 9.4 Mbit/s after the burst (tbf at 10), and the burst is the first two bins' excess.
    expect((shift!.afterBytesPerBin * 8) / 50_000).toBeCloseTo(9.4, 0);
    expect(shift!.burstBytes / 1000).toBeCloseTo(311 + 164 - 2 * 59, -1);
  });

  it('finds nothing in a flat transfer', () => {
    expect(findLevelShift({ bins: [...Array(12).fill(perBin(5)), 10], binMs: BIN_MS })).toBeUndefined();
  });

  it('finds nothing in noise around one level', () => {
    const bins = [620, 580, 700, 540, 610, 660, 590, 630, 570, 640, 20].map((x) => x * 100);
    expect(findLevelShift({ bins, binMs: BIN_MS })).toBeUndefined();
  });

  it('finds nothing when the rate after the drop is not flat', () => {
    const bins = [perBin(50), perBin(50), perBin(5), perBin(20), perBin(2), perBin(15), perBin(3), 5];
    expect(findLevelShift({ bins, binMs: BIN_MS })).toBeUndefined();
  });

  it('needs a few bins: a short transfer says nothing', () => {
    expect(findLevelShift({ bins: [perBin(50), perBin(5), 100], binMs: BIN_MS })).toBeUndefined();
  });
});

describe('sustainedMbps', () => {
  it('reads a transfer that began in a refilled bucket at the rate that followed the burst', () => {
    // 1.1 s in all: 2 bins at 50 Mbit/s, then 9 at 10; the goodput says 17 Mbit/s.
    const bins = [perBin(50), perBin(50), ...Array(8).fill(perBin(10)), perBin(10)];
    const t = { bins, binMs: BIN_MS, mbps: 17.3 };
    expect(sustainedMbps(t).mbps).toBeCloseTo(10, 5);
    expect(sustainedMbps(t).burstBytes).toBeCloseTo(2 * (perBin(50) - perBin(10)), 0);
  });

  it('keeps the goodput of a transfer without a burst', () => {
    const t = { bins: [perBin(38), ...Array(6).fill(perBin(40)), 500], binMs: BIN_MS, mbps: 39.7 };
    expect(sustainedMbps(t)).toEqual({ mbps: 39.7, burstBytes: 0 });
  });
});

describe('estimateShaping', () => {
  it('reports the flat rate and no bucket for a plain rate limit', () => {
    const t = { bins: [perBin(3), ...Array(8).fill(perBin(5)), 100], binMs: BIN_MS, mbps: 4.9 };
    const s = estimateShaping('https-443-down-random', [t, { ...t, mbps: 5 }, { ...t, mbps: 5.1 }]);
    expect(s?.rateMbps).toBeCloseTo(5, 5);
    expect(s?.burstBytes).toBe(0);
  });

  it('reads every transfer, short ones too, not just those long enough to show a shape', () => {
    const short = { bins: [perBin(10), perBin(10), perBin(10), perBin(10)], binMs: BIN_MS, mbps: 10.1 };
    const slowOne = { bins: [...Array(6).fill(perBin(5.5)), 10], binMs: BIN_MS, mbps: 5.5 };
    expect(estimateShaping('x', [short, short, short, slowOne])?.rateMbps).toBeCloseTo(10.1, 5);
  });

  it('reads a bucket: the rate after the burst, and the burst when most transfers show it', () => {
    const burst = { bins: [...Array(3).fill(perBin(40)), ...Array(6).fill(perBin(4)), 1], binMs: BIN_MS, mbps: 12 };
    const flat = { bins: [...Array(9).fill(perBin(4)), 1], binMs: BIN_MS, mbps: 4 };
    const mostly = estimateShaping('x', [burst, burst, flat]);
    expect(mostly?.rateMbps).toBeCloseTo(4, 5);
    expect(mostly?.burstBytes).toBeGreaterThan(1e6);
    expect(estimateShaping('x', [burst, flat, flat])?.burstBytes).toBe(0);
  });

  it('is undefined when no transfer moved data', () => {
    expect(estimateShaping('x', [{ bins: [], binMs: BIN_MS, mbps: 0 }])).toBeUndefined();
  });
});
