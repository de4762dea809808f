// A finished run and its report, as the runner and buildReport make them, for the report,
// queue and collector tests.
import { randomBytes } from 'node:crypto';
import { buildReport, type Report, type ReportMeta } from '../../src/core/report.js';
import type { Result, Verdict } from '../../src/core/types.js';

export function sampleResult(over: Partial<Result> = {}): Result {
  const transfers = (mbps: number) => [
    { bytes: 2_500_000, ms: 2000 / (mbps / 10), mbps },
    { bytes: 2_500_000, ms: 2000 / (mbps / 10), mbps: mbps * 1.01 },
  ];
  return {
    verdict: 'tls-throttled',
    cause: 'protocol',
    ratio: 2.04371,
    ci95: [1.8123, 2.31234],
    pValue: 0.000123456,
    rounds: 8,
    bytesUsed: 41_234_567,
    durationMs: 23_456,
    endpoint: 'https://home-nas.lan:8443/',
    legs: [
      { id: 'https-8443-down-random', scheme: 'https', port: 8443, direction: 'down', payload: 'random', transfers: transfers(4.8), medianMbps: 4.81234 },
      { id: 'http-8080-down-random', scheme: 'http', port: 8080, direction: 'down', payload: 'random', transfers: transfers(9.9), medianMbps: 9.84321 },
    ],
    comparisons: [
      {
        id: 'screen',
        suspectLeg: 'https-8443-down-random',
        referenceLeg: 'http-8080-down-random',
        ratio: 2.04371,
        ci95: [1.8123, 2.31234],
        pValue: 0.000123456,
        rounds: 8,
        outcome: 'slower',
      },
    ],
    shaping: { leg: 'https-8443-down-random', rateMbps: 4.8123, burstBytes: 1_234_567 },
    warnings: [{ code: 'text', text: 'a warning with free text that must not be reported' }],
    ...over,
  };
}

export function sampleMeta(over: Partial<ReportMeta> = {}): ReportMeta {
  return {
    trigger: 'manual',
    client: { kind: 'extension', version: '0.1.0', browser: { family: 'chrome', major: 131 }, os: 'linux' },
    endpointId: 'custom',
    endedAtMs: Date.now(),
    reportId: randomBytes(16).toString('hex'),
    ...over,
  };
}

/** Figures that give each verdict under the decision rule (src/server/collector/report-rules.ts). */
const FIGURES: Partial<Record<Verdict, Pick<Result, 'ratio' | 'ci95'>>> = {
  'no-difference': { ratio: 1.02, ci95: [0.94, 1.11] },
  'plaintext-throttled': { ratio: 0.48, ci95: [0.41, 0.57] },
  'sni-throttled': { ratio: 7.8, ci95: [6.9, 8.6] },
};

/** What a run by server name adds to its Result (core/sni/). */
export const SAMPLE_SNI = { name: 'twitter.com', controlName: 'kqzvwxpn.example.net', rateMbps: 0.1281 };

/** A valid report with a fresh reportId, for the current hour. */
export function sampleReport(verdict: Verdict = 'tls-throttled', over: Partial<ReportMeta> = {}): Report {
  const sni = verdict === 'sni-throttled' ? { sni: SAMPLE_SNI } : {};
  return buildReport(sampleResult({ verdict, cause: verdict === 'tls-throttled' ? 'protocol' : undefined, ...FIGURES[verdict], ...sni }), sampleMeta(over));
}
