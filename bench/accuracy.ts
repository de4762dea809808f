// The accuracy benchmark: every lab scenario, several runs each, through the CLI
// (and, with --extension, a subset through the extension in Chromium), scored against the
// scenario's truth. Needs root (network namespaces and tc).
//   npm run bench:accuracy -- [--runs 5] [--unshaped-runs 10] [--scenarios a-port,i-none-50]
//                             [--no-noise] [--extension] [--extension-scenarios ids]
//                             [--extension-browser chromium|firefox|both]
//                             [--glasnost-runs N] [--json-out FILE] [--deadline HH:MM]
//                             [--held-out] [--fresh-draw SEED [--wide]] [--stopping-rule interval|repeated-ci]
// --extension-scenarios names scenarios of the set being scored (with --held-out or
// --fresh-draw, of that set).
// --fresh-draw SEED draws a new set from the held-out set's ranges (held-out-draw.ts) with
// another seed and scores it like the held-out set: shaping that neither set holds, to check a
// rule against before trusting it (the held-out draw itself stays the pre-registered one).
// --wide draws kinds of shaping the held-out set never holds as well (a policer, a classifier
// of random-looking payloads, an upload cap, plain HTTP slowed; held-out-draw.ts WIDE_COUNTS).
// --held-out runs the held-out set (test/lab/held-out-scenarios.json, drawn once before the
// stopping rule was tuned; test/lab/held-out-draw.ts) instead of the tuning set, with each
// scenario's own committed seed, and says which set it scored. --stopping-rule passes the rule to
// the CLI's runs (the default rule when absent). --extension-browser firefox runs the extension
// in Debian's firefox-esr instead of Chromium (both: in each), inside the same client namespace
// (test/lab/firefox-run.ts); its rows are labelled "(extension, firefox)".
// Scenarios whose id starts with w- run on the WAN lab (test/lab/wan-net.ts), beside the
// throttle lab's namespaces, not instead of them.
//                             [--mirrors] [--only-mirrors] [--mirror-servers nginx,apache,lighttpd]
//                             [--mirror-scenarios mir-none,mir-port] [--mirror-extension]
//                             [--mirror-extension-runs N]
// --mirrors adds the mirror lab (test/lab/mirror): Debian's web servers serving a file over both
// schemes, measured by the CLI (mirror mode) and by the mirror probe; --only-mirrors runs nothing else;
// --mirror-extension adds, per scenario and server, N fresh installs' first clicks (default 1)
// in Chromium and in Firefox, from the packaged zips.
//                             [--sni-scenarios all|sni-throttled,sni-drop,...] [--only-sni]
// --sni-scenarios adds the SNI lab (test/lab/sni): `tls-throttle run --sni twitter.com` against
// an SNI shaper; --sni-zone-scenarios all|zone-substring,... the extension's test by name under
// a wildcard zone in the same lab (sni-zone-scenarios.ts); --only-sni runs nothing else (both
// kinds, all scenarios, unless one of the two options names some).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isRoot } from '../test/lab/lab-net.js';
import { buildForLab } from './lab-build.js';
import { DEFAULT_NOISE, destroyActiveLabs, NO_NOISE, runScenario, type LabBrowser, type RunRecord } from '../test/lab/run-scenario.js';
import { isUnshaped, SCENARIOS, scenarioById, type Scenario } from '../test/lab/scenarios.js';
import { drawHeldOut, WIDE_COUNTS } from '../test/lab/held-out-draw.js';
import { HELD_OUT_SCENARIOS, heldOutScenario } from '../test/lab/held-out-scenarios.js';
import { formatControls, formatGlasnost, formatGoals, formatTable, goals, scoreScenario } from '../test/lab/score.js';
import { destroyOwnMirrorLab } from '../test/lab/mirror/mirror-net.js';
import { MIRROR_SCENARIOS, runMirrorScenario, type MirrorRunRecord } from '../test/lab/mirror/mirror-scenarios.js';
import { formatMirrorTable, scoreMirror, type MirrorRow } from '../test/lab/mirror/mirror-score.js';
import { SERVER_KINDS, type ServerKind } from '../test/lab/mirror/web-servers.js';
import { firstClickInChromium, firstClickInFirefox, labExtensionPackages } from '../test/lab/mirror/mirror-extension-run.js';
import { existsSync } from 'node:fs';
import { FIREFOX_PATH } from '../test/e2e/support/firefox-browser.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Result } from '../src/core/types.js';
import { destroyOwnSniLab } from '../test/lab/sni/sni-net.js';
import { runSniScenario, SNI_SCENARIOS, sniScenarioById, type SniRunRecord } from '../test/lab/sni/sni-scenarios.js';
import { formatSniTable, scoreSni, type SniRow } from '../test/lab/sni/sni-score.js';
import { runSniZoneScenario, SNI_ZONE_SCENARIOS, sniZoneScenarioById, type SniZoneRunRecord } from '../test/lab/sni/sni-zone-scenarios.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'unshaped-runs': { type: 'string' },
    scenarios: { type: 'string' },
    'no-noise': { type: 'boolean', default: false },
    extension: { type: 'boolean', default: false },
    /** The scenarios the extension runs with --extension (default a-port,i-none-50). */
    'extension-scenarios': { type: 'string', default: 'a-port,i-none-50' },
    /** The browsers --extension runs in: chromium, firefox or both. */
    'extension-browser': { type: 'string', default: 'chromium' },
    /** Measure Glasnost's rule (3 x 5 s curl flows per scheme) after the first N runs of each scenario. */
    'glasnost-runs': { type: 'string', default: '0' },
    'json-out': { type: 'string' },
    /** Stop starting scenarios after this UTC time (HH:MM): a bounded run. */
    deadline: { type: 'string' },
    seed: { type: 'string', default: '1' },
    mirrors: { type: 'boolean', default: false },
    'only-mirrors': { type: 'boolean', default: false },
    'mirror-servers': { type: 'string' },
    'mirror-scenarios': { type: 'string' },
    'mirror-extension': { type: 'boolean', default: false },
    /** First clicks per browser, scenario and server with --mirror-extension. */
    'mirror-extension-runs': { type: 'string', default: '1' },
    'sni-scenarios': { type: 'string' },
    'only-sni': { type: 'boolean', default: false },
    'sni-zone-scenarios': { type: 'string' },
    'held-out': { type: 'boolean', default: false },
    'fresh-draw': { type: 'string' },
    wide: { type: 'boolean', default: false },
    'stopping-rule': { type: 'string' },
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
    void Promise.all([destroyActiveLabs(), destroyOwnMirrorLab(), destroyOwnSniLab()]).finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  if (!isRoot()) {
    console.error('bench:accuracy needs root: it builds network namespaces and shapes them with tc');
    process.exit(2);
  }
  const runs = Number(values.runs);
  const unshapedRuns = Number(values['unshaped-runs'] ?? runs * 2);
  const freshSeed = values['fresh-draw'] === undefined ? undefined : Number(values['fresh-draw']);
  if (freshSeed !== undefined && !Number.isSafeInteger(freshSeed)) throw new Error(`--fresh-draw wants an integer seed, got ${values['fresh-draw']}`);
  if (values.wide && freshSeed === undefined) throw new Error('--wide widens a fresh draw: give --fresh-draw SEED too');
  const heldOut = values['held-out'] || freshSeed !== undefined;
  const fresh = () => (values.wide ? drawHeldOut(freshSeed, 'fw', WIDE_COUNTS) : drawHeldOut(freshSeed, 'fd'));
  const pool = freshSeed !== undefined ? fresh().map(heldOutScenario) : heldOut ? HELD_OUT_SCENARIOS : SCENARIOS;
  /** The set scored, as the header and the goals name it. */
  const set =
    freshSeed !== undefined
      ? { title: `a ${values.wide ? 'WIDE ' : ''}FRESH DRAW (test/lab/held-out-draw.ts, seed ${freshSeed})`, goals: 'the fresh draw' }
      : heldOut
      ? { title: 'HELD-OUT set (test/lab/held-out-scenarios.json)', goals: 'the held-out set' }
      : { title: 'tuning set (test/lab/scenarios.ts)', goals: 'the tuning set' };
  const byId = (id: string) => (heldOut ? pool.find((s) => s.id === id) : scenarioById(id)) ?? scenarioById(id);
  const chosen: Scenario[] = values.scenarios ? values.scenarios.split(',').map((id) => byId(id.trim())) : pool;
  const noise = values['no-noise'] ? NO_NOISE : DEFAULT_NOISE;
  const stopAt = deadlineMs(values.deadline);
  const extBrowser = values['extension-browser'];
  if (!['chromium', 'firefox', 'both'].includes(extBrowser)) throw new Error(`--extension-browser wants chromium, firefox or both, got ${extBrowser}`);
  const extBrowsers: LabBrowser[] = extBrowser === 'both' ? ['chromium', 'firefox'] : [extBrowser as LabBrowser];
  if (values.extension && extBrowsers.includes('firefox') && !existsSync(FIREFOX_PATH)) throw new Error(`--extension-browser ${extBrowser} needs ${FIREFOX_PATH}`);
  const build = buildForLab();
  const started = new Date();
  const all = new Map<string, RunRecord[]>();
  const scored: Scenario[] = [];
  let seed = Number(values.seed);
  const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

  const onlyOther = values['only-mirrors'] || values['only-sni'];
  for (const s of onlyOther ? [] : chosen) {
    if (Date.now() > stopAt) {
      log(`deadline ${values.deadline} passed: ${s.id} and the rest were not run`);
      break;
    }
    const n = isUnshaped(s) ? unshapedRuns : runs;
    const runSeed = seed++;
    // `--runs 0 --unshaped-runs 0 --extension` measures the extension only: no lab, no empty
    // row (the seed still counts, so the other scenarios keep theirs).
    if (n <= 0) continue;
    const rule = values['stopping-rule'];
    all.set(s.id, await runScenario(s, { runs: n, noise, seed: s.seed ?? runSeed, log, glasnostRuns: Number(values['glasnost-runs']), ...(rule ? { cliArgs: ['--stopping-rule', rule] } : {}) }));
    scored.push(s);
  }
  const rows = scored.map((s) => scoreScenario(s, all.get(s.id)!));

  // The extension subset: one port-shaped and one unshaped scenario, fewer runs (a browser
  // session per run is slower than the CLI).
  // From the set being scored, so a held-out or freshly drawn scenario runs in the browsers too.
  const extScenarios = values.extension && !onlyOther ? values['extension-scenarios'].split(',').map((id) => byId(id.trim())) : [];
  const extRows = [];
  for (const s of extScenarios) {
    for (const browser of extBrowsers) {
      if (Date.now() > stopAt) break;
      const extSeed = seed++;
      const recs = await runScenario(s, { runs: Math.max(1, Math.ceil(runs / 2)), noise, seed: s.seed ?? extSeed, client: 'extension', browser, log });
      // Chromium's rows keep the label of earlier tables (bench/accuracy-*.txt).
      const label = browser === 'chromium' ? `${s.id} (extension)` : `${s.id} (extension, ${browser})`;
      all.set(label, recs);
      extRows.push({ ...scoreScenario(s, recs), scenario: label });
    }
  }

  // The mirror lab: every mirror scenario on every server kind.
  const mirrorRows: MirrorRow[] = [];
  const extensionMirrorRows: { scenario: string; server: string; browser: string; runs: number; correct: number; verdicts: string[]; seconds?: number; mb?: number }[] = [];
  const mirrorRecords: Record<string, MirrorRunRecord[]> = {};
  if ((values.mirrors || values['only-mirrors']) && !values['only-sni']) {
    const servers = (values['mirror-servers']?.split(',').map((x) => x.trim()) ?? [...SERVER_KINDS]) as ServerKind[];
    const ids = values['mirror-scenarios']?.split(',').map((x) => x.trim());
    const work = values['mirror-extension'] ? mkdtempSync(join(tmpdir(), 'ttd-bench-ext-')) : undefined;
    // The packaged zips, as a store would get them (scripts/package.mjs), built with the lab's list.
    const packages = work ? await labExtensionPackages(work) : undefined;
    const browsers = ['chromium', ...(existsSync(FIREFOX_PATH) ? ['firefox'] : [])] as const;
    const extensionRuns = Number(values['mirror-extension-runs']);
    try {
      for (const s of MIRROR_SCENARIOS.filter((m) => !ids || ids.includes(m.id))) {
        for (const server of servers) {
          if (Date.now() > stopAt) break;
          const recs = await runMirrorScenario(s, server, { runs, log });
          mirrorRecords[`${s.id} ${server}`] = recs;
          mirrorRows.push(scoreMirror(s, server, recs));
          if (!packages) continue;
          // Fresh installs' first clicks, a fresh profile per click, in each browser.
          const results: Record<string, Result[]> = Object.fromEntries(browsers.map((b) => [b, []]));
          const clicks: Record<string, number> = Object.fromEntries(browsers.map((b) => [b, 0]));
          await runMirrorScenario(s, server, {
            runs: extensionRuns,
            cli: false,
            probe: false,
            log: () => undefined,
            client: async ({ caPath, dir }) => {
              for (const browser of browsers) {
                clicks[browser]!++;
                const result = await (browser === 'chromium'
                  ? firstClickInChromium(packages.chromeDir, caPath, dir).then((c) => c.outcome.result)
                  : firstClickInFirefox(packages.firefoxZip, caPath).then((c) => c.entry.result)
                ).catch((err: unknown) => {
                  log(`${s.id} ${server} ${browser} first click: ${err instanceof Error ? err.message : String(err)}`);
                  return undefined;
                });
                if (!result) continue;
                results[browser]!.push(result);
                log(`${s.id} ${server} ${browser} first click: ${result.verdict} ${(result.durationMs / 1000).toFixed(1)} s ${(result.bytesUsed / 1e6).toFixed(1)} MB${result.error ? ` (${result.error.detail.slice(0, 160)})` : ''}`);
              }
            },
          });
          for (const browser of browsers) {
            const rs = results[browser]!;
            const med = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] : undefined);
            extensionMirrorRows.push({
              scenario: s.id,
              server,
              browser,
              runs: clicks[browser]!,
              correct: rs.filter((r) => s.truth.verdicts.includes(r.verdict)).length,
              verdicts: rs.map((r) => r.verdict),
              seconds: med(rs.map((r) => r.durationMs / 1000)),
              mb: med(rs.map((r) => r.bytesUsed / 1e6)),
            });
          }
        }
      }
    } finally {
      if (work) rmSync(work, { recursive: true, force: true });
    }
  }

  // The SNI lab: each chosen scenario, `runs` runs (no noise: its line has no cross traffic).
  const sniRows: SniRow[] = [];
  const sniRecords: Record<string, SniRunRecord[]> = {};
  const sniIds = values['sni-scenarios'] ?? (values['only-sni'] && !values['sni-zone-scenarios'] ? 'all' : undefined);
  const zoneIds = values['sni-zone-scenarios'] ?? (values['only-sni'] && !values['sni-scenarios'] ? 'all' : undefined);
  for (const s of sniIds === undefined ? [] : sniIds === 'all' ? SNI_SCENARIOS : sniIds.split(',').map((id) => sniScenarioById(id.trim()))) {
    if (Date.now() > stopAt) break;
    const recs = await runSniScenario(s, { runs, log });
    sniRecords[s.id] = recs;
    sniRows.push(scoreSni(s, recs));
  }
  const zoneRows: SniRow[] = [];
  const zoneRecords: Record<string, SniZoneRunRecord[]> = {};
  for (const s of zoneIds === undefined ? [] : zoneIds === 'all' ? SNI_ZONE_SCENARIOS : zoneIds.split(',').map((id) => sniZoneScenarioById(id.trim()))) {
    const recs: SniZoneRunRecord[] = [];
    for (let run = 0; run < runs && Date.now() <= stopAt; run++) recs.push(await runSniZoneScenario(s, log));
    zoneRecords[s.id] = recs;
    zoneRows.push(scoreSni(s, recs));
  }
  const sniOut = [
    ...(sniRows.length
      ? [
          '',
          'SNI lab (sni-srv/sni-cli, a 20 Mbit/s line, no noise): CLI `tls-throttle run https://10.80.0.1 --sni twitter.com --accept-sni-risk --json --max-seconds 90`, every TLS leg pinned to the endpoint\'s certificate; right = the truth\'s verdict, and for sni-throttled the named rate within 20% of 128 kbit/s.',
          '',
          formatSniTable(sniRows),
        ]
      : []),
    ...(zoneRows.length
      ? [
          '',
          'SNI lab, the extension\'s test by name (same line; the endpoint serves the wildcard zone sni.lab.test): Chromium with dist/extension inside sni-cli, the popup\'s "Test by name" on redirector.googlevideo.com, sent as redirector-googlevideo-com.sni.lab.test against a random control label under the zone; right = the truth\'s verdict, and for sni-throttled the named rate within 20% of 128 kbit/s.',
          '',
          formatSniTable(zoneRows),
        ]
      : []),
  ];
  const mirrorOut = mirrorRows.length
    ? [
        '',
        `Mirror lab (Debian's nginx, Apache httpd, lighttpd; no noise): CLI \`tls-throttle run https://10.78.0.1/pub/big.bin --json\` (mirror mode in the engine: pre-use check of both schemes, then every transfer a fresh byte range of the 96 MiB file, sized by the sizer, each plaintext range compared with TLS) and the probe (test/lab/mirror/mirror-probe.ts: pre-use check, 8 rounds of 2 MiB ranges; right = the check's outcome, and a ratio beyond the 25% margin exactly where the truth is throttled).`,
        '',
        formatMirrorTable(mirrorRows),
        ...(extensionMirrorRows.length
          ? [
              '',
              `Through the extension: the packaged zips (scripts/package.mjs) of a build whose list names a server that refuses connections and the lab mirror (the 96 MiB file); per click a fresh profile in mir-cli (Chromium: the Chrome zip unpacked; Firefox: the Firefox zip installed from the file), the popup the only page, one click on "Run test". s and MB are medians:`,
              '',
              '| scenario | server | browser | runs | correct | verdicts | s | MB |',
              '|---|---|---|---|---|---|---|---|',
              ...extensionMirrorRows.map(
                (r) => `| ${r.scenario} | ${r.server} | ${r.browser} | ${r.runs} | ${r.correct}/${r.runs} | ${r.verdicts.join(', ') || 'no result'} | ${r.seconds?.toFixed(1) ?? '-'} | ${r.mb?.toFixed(1) ?? '-'} |`,
              ),
            ]
          : []),
      ]
    : [];
  const when = `${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const out = [
    values['only-sni']
      ? `Accuracy benchmark, SNI lab only, ${when}; ${runs} runs per scenario; ${build}.`
      : values['only-mirrors']
      ? `Accuracy benchmark, mirror lab only, ${when}; ${runs} runs per scenario and server; ${build}.`
      : `Accuracy benchmark, ${set.title}, ${when}; ${runs} runs per scenario${chosen.some(isUnshaped) ? ` (${unshapedRuns} unshaped)` : ''}, noise: ${
          noise.crossTraffic ? `cross traffic on/off + line rate drifting ${noise.lineDriftLo}-1.0x` : 'none'
        } (WAN scenarios: none but their path's delay and loss); CLI \`tls-throttle run https://10.77.0.1 --json\` (https://10.79.0.1 on the WAN lab; with --diagnose where the scenario needs the cause); ${build}.`,
    ...(scored.length || extRows.length ? ['', formatTable([...rows, ...extRows])] : []),
    ...(heldOut && scored.length ? ['', `Goals (${set.goals}, both labs):`, formatGoals(goals(scored, all))] : []),
    ...(!heldOut && scored.some((s) => !s.wan) ? ['', 'Goals (throttle-lab scenarios only):', formatGoals(goals(scored.filter((s) => !s.wan), all))] : []),
    // Only the WAN lab's controls: the throttle lab's unshaped runs carry cross traffic, so
    // their HTTP is below the line on purpose.
    ...(formatControls(scored.filter((s) => s.wan), all)
      ? ['', 'WAN lab: unshaped controls by line rate (a rate whose control is suspect measures the machine, not the method):', formatControls(scored.filter((s) => s.wan), all)]
      : []),
    ...(Number(values['glasnost-runs']) > 0 ? ['', "Glasnost's rule on the same shaping (test/lab/glasnost-rule.ts):", '', formatGlasnost(scored, all)] : []),
    ...mirrorOut,
    ...sniOut,
  ].join('\n');
  console.log(out);
  if (values['json-out']) {
    writeFileSync(
      values['json-out'],
      JSON.stringify({ started: started.toISOString(), runs, noise, records: Object.fromEntries(all), mirrorRecords, sniRecords, zoneRecords }, null, 1),
    );
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
