// The SNI lab's rows of the accuracy table: runs, correct (verdict, and the named rate within
// 20% where the truth has one), seconds and MB per run, and the rates the runs reported.
import { median } from 'simple-statistics';
import type { SniRunRecord, SniScenario } from './sni-scenarios.js';

export interface SniRow {
  scenario: string;
  what: string;
  truth: string;
  runs: number;
  correct: number;
  verdicts: string;
  medianSeconds?: number;
  medianMb?: number;
  rateKbps: string;
}

/** A scenario of the CLI's runs by name (sni-scenarios.ts) or of the extension's (sni-zone-scenarios.ts). */
export function scoreSni(s: Pick<SniScenario, 'id' | 'what' | 'correct' | 'rateKbps'>, records: Pick<SniRunRecord, 'result' | 'correct'>[]): SniRow {
  const results = records.flatMap((r) => (r.result ? [r.result] : []));
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.result?.verdict ?? 'no result', (counts.get(r.result?.verdict ?? 'no result') ?? 0) + 1);
  const rates = results.flatMap((r) => (r.sni?.rateMbps === undefined ? [] : [Math.round(r.sni.rateMbps * 1000)]));
  return {
    scenario: s.id,
    what: s.what,
    truth: s.correct.join(' or ') + (s.rateKbps ? ` at ${s.rateKbps} kbit/s +-20%` : ''),
    runs: records.length,
    correct: records.filter((r) => r.correct).length,
    verdicts: [...counts].map(([v, n]) => `${v} ${n}`).join(', '),
    medianSeconds: results.length ? median(results.map((r) => r.durationMs / 1000)) : undefined,
    medianMb: results.length ? median(results.map((r) => r.bytesUsed / 1e6)) : undefined,
    rateKbps: rates.length ? rates.join('/') : '-',
  };
}

export function formatSniTable(rows: SniRow[]): string {
  return [
    '| scenario | shaper | truth | runs | correct | verdicts | median s | median MB | named rate kbit/s |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.what} | ${r.truth} | ${r.runs} | ${r.correct}/${r.runs} | ${r.verdicts} | ${r.medianSeconds?.toFixed(1) ?? '-'} | ${r.medianMb?.toFixed(1) ?? '-'} | ${r.rateKbps} |`,
    ),
  ].join('\n');
}
