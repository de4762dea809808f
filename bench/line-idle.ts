// How long the downstream line sits idle before each leg's downloads, as the lab server sees
// it (test/lab/lab-server.ts timelinePath): from the end of the download before to the arrival
// of this one's request. A line that speeds up whatever follows a pause (a cable line's boost,
// lab-net.ts addLineBoost) favours the leg that waits longest, so the legs of a pair must wait
// alike; this prints what they do in the CLI, Chromium and Firefox. Needs root.
//   npx tsx bench/line-idle.ts [--scenario i-none-50] [--runs 2] [--clients cli,chromium,firefox]
import { parseArgs } from 'node:util';
import { NO_NOISE, runScenario, type RunRecord } from '../test/lab/run-scenario.js';
import { scenarioById } from '../test/lab/scenarios.js';
import { connectionsByLeg, idleBeforeDownloads } from '../test/lab/timeline.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'i-none-50' },
    runs: { type: 'string', default: '2' },
    clients: { type: 'string', default: 'cli,chromium,firefox' },
  },
});

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

async function main(): Promise<void> {
  const scenario = scenarioById(values.scenario!);
  const runs = Number(values.runs);
  console.log(`Idle line before each download (ms from the end of the download before), ${scenario.id}, no noise, ${runs} runs per client`);
  console.log('| client | leg | downloads | median | p90 | mean | connections per run |');
  console.log('|---|---|---|---|---|---|---|');
  for (const client of values.clients!.split(',')) {
    const records: RunRecord[] = await runScenario(scenario, {
      runs,
      noise: NO_NOISE,
      timeline: true,
      ...(client === 'cli' ? { client: 'cli' } : { client: 'extension', browser: client as 'chromium' | 'firefox' }),
    });
    const ratios = records.map((r) => (r.result ? `${r.result.verdict} ${r.result.ratio?.toFixed(2)}` : (r.error ?? 'no result')));
    console.log(`| ${client} | (runs: ${ratios.join('; ')}) | | | | | |`);
    const pooled = new Map<string, number[]>();
    const connections = new Map<string, number[]>();
    for (const r of records) {
      if (!r.timeline) continue;
      for (const [leg, xs] of idleBeforeDownloads(r.timeline)) pooled.set(leg, [...(pooled.get(leg) ?? []), ...xs]);
      for (const [leg, n] of connectionsByLeg(r.timeline)) connections.set(leg, [...(connections.get(leg) ?? []), n]);
    }
    for (const [leg, xs] of pooled) {
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      console.log(`| ${client} | ${leg} | ${xs.length} | ${quantile(xs, 0.5)} | ${quantile(xs, 0.9)} | ${mean.toFixed(0)} | ${(connections.get(leg) ?? []).join(', ')} |`);
    }
  }
}

await main();
