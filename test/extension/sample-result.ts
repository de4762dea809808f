// Results as the core returns them, for the extension's tests.
import type { Result } from '../../src/core/types.js';
import type { HistoryEntry } from '../../src/extension/shared/storage-schema.js';

export function sampleResult(over: Partial<Result> = {}): Result {
  return {
    verdict: 'tls-throttled',
    cause: 'protocol',
    ratio: 4.8,
    ci95: [4.1, 5.6],
    pValue: 0.002,
    rounds: 8,
    bytesUsed: 42_000_000,
    durationMs: 21_000,
    endpoint: 'https://endpoint.test/',
    legs: [
      { id: 'https-443-down-random', scheme: 'https', port: 443, direction: 'down', payload: 'random', transfers: [{ bytes: 1_000_000, ms: 1600, mbps: 5 }], medianMbps: 5 },
      { id: 'http-80-down-random', scheme: 'http', port: 80, direction: 'down', payload: 'random', transfers: [{ bytes: 4_000_000, ms: 1333, mbps: 24 }], medianMbps: 24 },
    ],
    comparisons: [
      { id: 'screen', suspectLeg: 'https-443-down-random', referenceLeg: 'http-80-down-random', ratio: 4.8, ci95: [4.1, 5.6], pValue: 0.002, rounds: 8, outcome: 'slower' },
    ],
    warnings: [],
    ...over,
  };
}

export function failedResult(detail = 'cannot reach https://endpoint.test/info: connection refused'): Result {
  const error = { code: 'unreachable' as const, detail };
  return sampleResult({ verdict: 'failed', cause: undefined, ratio: NaN, ci95: [NaN, NaN], pValue: NaN, rounds: 0, legs: [], comparisons: [], error });
}

export function entry(i: number, result: Result = sampleResult()): HistoryEntry {
  return {
    id: `run-${i}`,
    startedAt: 1_790_000_000_000 + i * 60_000,
    finishedAt: 1_790_000_000_000 + i * 60_000 + 20_000,
    endpoint: { id: 'default', name: 'Endpoint', url: 'https://endpoint.test/' },
    trigger: 'manual',
    result,
  };
}

/**
 * Downloads alike and uploads a third apart (the lab's fw-16): a finding in uploads alone
 * (core/decision.ts, note upload-only), whose figures are the upload pair's.
 */
export function uploadFindingResult(): Result {
  const base = sampleResult();
  const up = (id: string, scheme: 'https' | 'http', port: number, mbps: number) => ({ id, scheme, port, direction: 'up' as const, payload: 'random' as const, medianMbps: mbps, transfers: [{ bytes: 55_296, ms: 100, mbps }] });
  return {
    ...base,
    ratio: 2.95,
    ci95: [2.85, 2.96],
    legs: [...base.legs, up('https-443-up-random', 'https', 443, 1.6), up('http-80-up-random', 'http', 80, 4.8)],
    comparisons: [
      ...base.comparisons,
      { id: 'upload', suspectLeg: 'https-443-up-random', referenceLeg: 'http-80-up-random', ratio: 2.95, ci95: [2.85, 2.96], pValue: 0.002, rounds: 10, outcome: 'slower' },
    ],
    warnings: [{ code: 'upload-only', downloads: 'same' }],
  };
}
