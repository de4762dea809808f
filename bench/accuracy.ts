// The accuracy benchmark of issue 4: every lab scenario, several runs each, through the CLI
// (and, with --extension, a subset through the extension in Chromium), scored against the
// scenario's truth. Needs root (network namespaces and tc).
//   npm run bench:accuracy -- [--runs 5] [--unshaped-runs 10] [--scenarios a-port,i-none-50]
//                             [--no-noise] [--extension] [--extension-scenarios ids]
//                             [--glasnost-runs N] [--json-out FILE] [--deadline HH:MM]
// Scenarios whose id starts with w- run on the WAN lab (test/lab/wan-net.ts), beside the
// throttle lab's namespaces, not instead of them.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isRoot } from '../test/lab/lab-net.js';
import { DEFAULT_NOISE, destroyActiveLabs, NO_NOISE, runScenario, type RunRecord } from '../test/lab/run-scenario.js';
import { SCENARIOS, scenarioById, type Scenario } from '../test/lab/scenarios.js';
import { formatControls, formatGlasnost, formatGoals, formatTable, goals, scoreScenario } from '../test/lab/score.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'unshaped-runs': { type: 'string' },
    scenarios: { type: 'string' },
    'no-noise': { type: 'boolean', default: false },
    extension: { type: 'boolean', default: false },
    /** The scenarios the extension runs with --extension (default a-port,i-none-50). */
    'extension-scenarios': { type: 'string', default: 'a-port,i-none-50' },
    /** Measure Glasnost's rule (3 x 5 s curl flows per scheme) after the first N runs of each scenario. */
    'glasnost-runs': { type: 'string', default: '0' },
    'json-out': { type: 'string' },
    /** Stop starting scenarios after this UTC time (HH:MM): a bounded run. */
    deadline: { type: 'string' },
    seed: { type: 'string', default: '1' },
  },
});

function deadlineMs(hhmm: string | undefined): number {
  if (!hhmm) return Infinity;
  const m = /^(\d\d):(\d\d)$/.exec(hhmm);
  if (!m) throw new Error(`--deadline wants HH:MM (UTC), got ${hhmm}`);
  const d = new Date();
  d.setUTCHours(Number(m[1]), Number(m[2]), 0, 0);
  return d.getTime();
}

// Interrupted (Ctrl-C, a CI timeout): `finally` blocks do not run on a signal, so remove the
// labs this process built and what runs in them here (only those: another lab may be in use).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`${signal}: removing the lab's namespaces and processes`);
    void destroyActiveLabs().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  if (!isRoot()) {
    console.error('bench:accuracy needs root: it builds network namespaces and shapes them with tc');
    process.exit(2);
  }
  const runs = Number(values.runs);
  const unshapedRuns = Number(values['unshaped-runs'] ?? runs * 2);
  const chosen: Scenario[] = values.scenarios ? values.scenarios.split(',').map((id) => scenarioById(id.trim())) : SCENARIOS;
  const noise = values['no-noise'] ? NO_NOISE : DEFAULT_NOISE;
  const stopAt = deadlineMs(values.deadline);
  const started = new Date();
  const all = new Map<string, RunRecord[]>();
  const scored: Scenario[] = [];
  let seed = Number(values.seed);
  const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

  for (const s of chosen) {
    if (Date.now() > stopAt) {
      log(`deadline ${values.deadline} passed: ${s.id} and the rest were not run`);
      break;
    }
    const n = s.truth.verdict === 'no-difference' ? unshapedRuns : runs;
    all.set(s.id, await runScenario(s, { runs: n, noise, seed: seed++, log, glasnostRuns: Number(values['glasnost-runs']) }));
    scored.push(s);
  }
  const rows = scored.map((s) => scoreScenario(s, all.get(s.id)!));

  // The extension subset: one port-shaped and one unshaped scenario, fewer runs (a browser
  // session per run is slower than the CLI).
  const extScenarios = values.extension ? values['extension-scenarios'].split(',').map((id) => scenarioById(id.trim())) : [];
  const extRows = [];
  for (const s of extScenarios) {
    if (Date.now() > stopAt) break;
    const recs = await runScenario(s, { runs: Math.max(1, Math.ceil(runs / 2)), noise, seed: seed++, client: 'extension', log });
    all.set(`${s.id} (extension)`, recs);
    extRows.push({ ...scoreScenario(s, recs), scenario: `${s.id} (extension)` });
  }

  const out = [
    `Accuracy benchmark, ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC; ${runs} runs per scenario (${unshapedRuns} unshaped), noise: ${
      noise.crossTraffic ? `cross traffic on/off + line rate drifting ${noise.lineDriftLo}-1.0x` : 'none'
    } (WAN scenarios: none but their path's delay and loss); CLI \`tls-throttle run https://10.77.0.1 --json\` (https://10.79.0.1 on the WAN lab; with --diagnose where the scenario needs the cause).`,
    '',
    formatTable([...rows, ...extRows]),
    '',
    ...(scored.some((s) => !s.wan) ? ['Goals (issue 4, throttle-lab scenarios only):', formatGoals(goals(scored.filter((s) => !s.wan), all))] : []),
    // Only the WAN lab's controls: the throttle lab's unshaped runs carry cross traffic, so
    // their HTTP is below the line on purpose.
    ...(formatControls(scored.filter((s) => s.wan), all)
      ? ['', 'WAN lab: unshaped controls by line rate (a rate whose control is suspect measures the machine, not the method):', formatControls(scored.filter((s) => s.wan), all)]
      : []),
    ...(Number(values['glasnost-runs']) > 0 ? ['', "Glasnost's rule on the same shaping (test/lab/glasnost-rule.ts):", '', formatGlasnost(scored, all)] : []),
  ].join('\n');
  console.log(out);
  if (values['json-out']) {
    writeFileSync(values['json-out'], JSON.stringify({ started: started.toISOString(), runs, noise, records: Object.fromEntries(all) }, null, 1));
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
