import { describe, expect, it } from 'vitest';
import { ratioPoints as fromPoints, transferSeries } from '../../src/extension/shared/chart-columns.js';
import { indexPoint } from '../../src/extension/shared/history-index.js';
import type { HistoryEntry } from '../../src/extension/shared/storage-schema.js';

const ratioPoints = (entries: HistoryEntry[]) => fromPoints(entries.map(indexPoint));
import { entry, failedResult, sampleResult, uploadFindingResult } from './sample-result.js';

describe('ratioPoints', () => {
  it('puts runs in time order, keeping a failed run in place without a ratio', () => {
    const points = ratioPoints([entry(2, failedResult()), entry(1)]);
    expect(points.map((p) => p.verdict)).toEqual(['tls-throttled', 'failed']);
    expect(points[0]).toMatchObject({ ratio: 4.8, ci95: [4.1, 5.6] });
    expect(points[1]!.ratio).toBeUndefined();
  });

  it('drops an interval it cannot draw on a log scale', () => {
    const [p] = ratioPoints([entry(1, sampleResult({ verdict: 'inconclusive', ci95: [0, 3] }))]);
    expect(p!.ratio).toBe(4.8);
    expect(p!.ci95).toBeUndefined();
  });
});

describe('transferSeries', () => {
  it('takes the screening pair, using the rate after a burst when there is one', () => {
    const r = sampleResult();
    r.legs[0]!.transfers = [{ bytes: 1e6, ms: 100, mbps: 80, steadyMbps: 5 }, { bytes: 1e6, ms: 1600, mbps: 5 }];
    expect(transferSeries(r)).toEqual({ httpsLeg: 'https-443-down-random', httpLeg: 'http-80-down-random', httpsMbps: [5, 5], httpMbps: [24], uploads: false });
  });

  it("takes the upload pair where the finding is in uploads alone, as the card's figures", () => {
    const r = uploadFindingResult();
    expect(transferSeries(r)).toEqual({ httpsLeg: 'https-443-up-random', httpLeg: 'http-80-up-random', httpsMbps: [1.6], httpMbps: [4.8], uploads: true });
    // Without the note the downloads stay, as for any download finding.
    expect(transferSeries({ ...r, warnings: [] })).toMatchObject({ httpsLeg: 'https-443-down-random', uploads: false });
  });

  it('has nothing to show for a run without transfers', () => {
    expect(transferSeries(failedResult())).toBeUndefined();
  });

  it('adds the leg under the name tested for a test by name, beside screening\'s control and plaintext', () => {
    const r = sampleResult();
    const named = { ...r.legs[0]!, id: 'https-443-down-random-sni-name', transfers: [{ bytes: 16e3, ms: 1000, mbps: 0.128 }] };
    r.legs.push(named);
    r.comparisons.push({ id: 'sni', suspectLeg: named.id, referenceLeg: r.legs[0]!.id, ratio: 150, ci95: [140, 160], pValue: 0.02, rounds: 1, outcome: 'slower' });
    expect(transferSeries(r)?.named).toBeUndefined(); // not a test by name: no sni figures
    r.sni = { name: 'a.sni.example', controlName: 'b.sni.example', rateMbps: 0.128 };
    expect(transferSeries(r)?.named).toEqual({ leg: named.id, mbps: [0.128] });
  });
});
