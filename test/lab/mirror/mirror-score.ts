// The mirror scenarios' rows of the accuracy benchmark: per scenario and server, how many runs
// were right through the CLI (mirror mode in the engine) and through the probe (fixed ranges
// of the large file), and what a run cost.
import { median } from 'simple-statistics';
import { cliCorrect, probeCorrect, type MirrorRunRecord, type MirrorScenario } from './mirror-scenarios.js';

export interface MirrorRow {
  scenario: string;
  server: string;
  runs: number;
  cliCorrect: number;
  cliSeconds?: number;
  cliMb?: number;
  mirrorCorrect: number;
  mirrorSeconds?: number;
  mirrorMb?: number;
  mirrorRatio?: number;
}

const med = (xs: number[]) => (xs.length ? median(xs) : undefined);

export function scoreMirror(s: MirrorScenario, server: string, records: MirrorRunRecord[]): MirrorRow {
  const clis = records.flatMap((r) => (r.cli ? [r.cli] : []));
  const probes = records.flatMap((r) => (r.probe ? [r.probe] : []));
  const ratio = med(probes.flatMap((p) => (p.ratio !== undefined ? [p.ratio] : [])));
  return {
    scenario: s.id,
    server,
    runs: records.length,
    cliCorrect: records.filter((r) => cliCorrect(s, r)).length,
    cliSeconds: med(clis.map((c) => c.durationMs / 1000)),
    cliMb: med(clis.map((c) => c.bytesUsed / 1e6)),
    mirrorCorrect: records.filter((r) => probeCorrect(s, r)).length,
    mirrorSeconds: med(probes.map((p) => p.durationMs / 1000)),
    mirrorMb: med(probes.map((p) => p.bytes / 1e6)),
    ...(ratio !== undefined ? { mirrorRatio: ratio } : {}),
  };
}

const f = (x: number | undefined, digits = 1) => (x === undefined ? '-' : x.toFixed(digits));

export function formatMirrorTable(rows: MirrorRow[]): string {
  const head =
    '| scenario | server | runs | CLI correct | CLI median s | CLI median MB | probe correct | probe median s | probe median MB | probe ratio |\n' +
    '|---|---|---|---|---|---|---|---|---|---|';
  return [
    head,
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.server} | ${r.runs} | ${r.cliCorrect}/${r.runs} | ${f(r.cliSeconds)} | ${f(r.cliMb)} | ${r.mirrorCorrect}/${r.runs} | ${f(r.mirrorSeconds)} | ${f(r.mirrorMb)} | ${f(r.mirrorRatio, 2)} |`,
    ),
  ].join('\n');
}
