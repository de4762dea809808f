// Runs one lab scenario: builds the hosts and the line (the throttle lab, lab-net.ts, or the
// WAN lab, wan-net.ts, when the scenario has a path), applies the scenario's shaping, starts
// the endpoint (and its fronts) in the server namespace, the noise, and the CLI in the client
// namespace as many times as asked, and Glasnost's rule beside it when asked. Everything it
// started is ended in `finally`, whatever fails; only the namespaces of the lab it built are
// removed, so the two labs can run side by side.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Result } from '../../src/core/types.js';
import { xoshiro128 } from '../../src/core/payload.js';
import { DEFAULT_LIMIT_MS, DIAGNOSE_LIMIT_MS } from '../../src/core/time-budget.js';
import type { LabServerConfig } from './lab-server.js';
import { runGlasnost, type GlasnostOutcome } from './glasnost-rule.js';
import { acquireLabLock, ADDR, createLab, destroyLab, LINE_DOWN_DEV, NS, setLineRate } from './lab-net.js';
import { LineTimeline, type LineSpan } from './line-timeline.js';
import type { Scenario } from './scenarios.js';
import { acquireWanLock, createWanLab, destroyWanLab, setWanLineRate, WAN_ADDR, WAN_NS } from './wan-net.js';

export const REPO = resolve(import.meta.dirname, '..', '..');
// TTD_LAB_CLI points the lab at another build (a method change tried against the same shaping).
const CLI = process.env.TTD_LAB_CLI ?? join(REPO, 'dist', 'cli.js');
const BLASTER_PORT = 9000;

export interface Noise {
  /** Bulk downloads to a third host behind the same line, in random on/off periods. */
  crossTraffic: boolean;
  /** The line's rate moves between lo and 1.0 of nominal every 2-5 s (0 = fixed rate). */
  lineDriftLo: number;
}

export const NO_NOISE: Noise = { crossTraffic: false, lineDriftLo: 0 };
export const DEFAULT_NOISE: Noise = { crossTraffic: true, lineDriftLo: 0.8 };

export interface RunRecord {
  scenario: string;
  run: number;
  /** The CLI's Result, when it printed one. */
  result?: Result;
  /** Why there is no Result (exit code, stderr). */
  error?: string;
  /**
   * What the CLI told its user on stderr (the budget and time it announced, a raise, an
   * extension): where a run stopped is read from it (bench/RESULTS.md, 2026-12-05 14:19).
   */
  said?: string;
  /** Wall time of the CLI process (or the browser session). */
  wallMs: number;
  /** The downlink's rate while the run lasted, as the drift set it (line-timeline.ts). */
  line?: LineSpan;
  client: 'cli' | 'extension';
  /** The browser of an extension run. */
  browser?: LabBrowser;
  /** Glasnost's rule measured right after this run, on the same shaping (glasnost-rule.ts). */
  glasnost?: GlasnostOutcome;
  /** The server's requests of this run, as logged: at each response's end (ScenarioOptions.timeline; test/lab/timeline.ts reads them in arrival order). */
  timeline?: TimelineEntry[];
}

/** One request as the lab server saw it (lab-server.ts timelineRoute). */
export interface TimelineEntry {
  /** Arrival and end of its response, ms since the epoch. */
  at: number;
  end: number;
  /** The client's port: which connection the request came on. */
  conn: number;
  method: string;
  scheme: 'http' | 'https';
  port: number;
  path: string;
  kind: string | null;
  bytes: number;
}

export type LabBrowser = 'chromium' | 'firefox';

export interface ScenarioOptions {
  runs: number;
  /** 'extension': the MV3 extension in a headless browser, started inside the client namespace. */
  client?: 'cli' | 'extension';
  /** The extension's browser (default chromium; firefox is Debian's firefox-esr). */
  browser?: LabBrowser;
  noise: Noise;
  seed?: number;
  /** Extra CLI flags (e.g. --budget-mb). */
  cliArgs?: string[];
  /** Measure Glasnost's rule after each of the first N runs (default 0). */
  glasnostRuns?: number;
  /** Record the server's requests of each run (RunRecord.timeline). */
  timeline?: boolean;
  onRun?: (r: RunRecord) => void;
  log?: (line: string) => void;
}

/** The requests logged since the last call; the file starts again empty. */
async function takeTimeline(path: string): Promise<TimelineEntry[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  await writeFile(path, '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TimelineEntry);
}

/** Where a scenario runs: the hosts' names and addresses and how to build and remove them. */
interface Site {
  srvNs: string;
  cliNs: string;
  /** The household's second device, for cross traffic (the WAN lab has none). */
  crossNs?: string;
  srvAddr: string;
  lock(): Promise<() => void>;
  build(seed: number): Promise<{ stop(): Promise<Record<string, number> | undefined> }>;
  destroy(): Promise<void>;
  setLineRate(mbps: number): Promise<void>;
}

function siteOf(scenario: Scenario): Site {
  const wan = scenario.wan;
  if (!wan) {
    return {
      srvNs: NS.srv,
      cliNs: NS.cli,
      crossNs: NS.cross,
      srvAddr: ADDR.srv,
      lock: () => acquireLabLock(),
      build: async () => {
        await createLab({ downMbps: scenario.lineMbps });
        return { stop: () => Promise.resolve(undefined) };
      },
      destroy: destroyLab,
      setLineRate: (mbps) => setLineRate(NS.srv, LINE_DOWN_DEV, mbps),
    };
  }
  return {
    srvNs: WAN_NS.srv,
    cliNs: WAN_NS.cli,
    srvAddr: WAN_ADDR.srv,
    lock: () => acquireWanLock(),
    build: async (seed) => {
      const lab = await createWanLab({ downMbps: scenario.lineMbps, upMbps: wan.upMbps, rttMs: wan.rttMs, lossPct: wan.lossPct, congestion: wan.congestion, police: wan.police, seed });
      return { stop: () => lab.stopForwarder() };
    },
    destroy: destroyWanLab,
    setLineRate: setWanLineRate,
  };
}

/** The labs this process has built and not yet removed (for a signal handler). */
const activeSites = new Set<Site>();

/** Removes only the labs this process built (an interrupted bench must not touch another's lab). */
export async function destroyActiveLabs(): Promise<void> {
  for (const site of activeSites) await site.destroy();
  activeSites.clear();
}

/** A child process in a lab namespace, stdout and stderr piped (the labs' servers and clients). */
export function inNamespace(ns: string, args: string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Waits for the child's first stdout line (its readiness JSON) or its exit. */
export function firstLine(child: ChildProcess, what: string, timeoutMs: number): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${what} not ready after ${timeoutMs} ms: ${err.trim()}`)), timeoutMs);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolveLine(out.slice(0, nl));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with code ${code} before it was ready: ${err.trim()}`));
    });
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

/** When a CLI run of the bench is killed: half a minute past the CLI's own default limit, which it keeps. */
const cliKillMs = (diagnose: boolean) => (diagnose ? DIAGNOSE_LIMIT_MS : DEFAULT_LIMIT_MS) + 30_000;

/** One `tls-throttle run --json` inside the client namespace (lab-cli by default). */
export function runCli(
  caPath: string,
  diagnose: boolean,
  extra: string[] = [],
  timeoutMs = 150_000,
  where: { cliNs: string; srvAddr: string } = { cliNs: NS.cli, srvAddr: ADDR.srv },
): Promise<{ result?: Result; error?: string; said?: string; wallMs: number }> {
  const args = [process.execPath, CLI, 'run', `https://${where.srvAddr}`, '--ca', caPath, '--json', ...(diagnose ? ['--diagnose'] : []), ...extra];
  const started = Date.now();
  const child = inNamespace(where.cliNs, args);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolveRun) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const wallMs = Date.now() - started;
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolveRun({ result: JSON.parse(line) as Result, said: err.slice(-8000), wallMs });
      } catch {
        resolveRun({ error: `the CLI exited with ${signal ?? code} and no JSON: ${err.trim().slice(-400)}`, wallMs });
      }
    });
  });
}

/**
 * One test through the extension: Chromium runs inside the client namespace (a wrapper puts it
 * there; Playwright talks to it over a pipe, which crosses namespaces), the popup's "Run test".
 * The extension has no --diagnose switch: it diagnoses when screening sees a difference.
 */
async function resultInChromium(caPath: string, workDir: string, site: Site): Promise<Result> {
  const { runExtensionTest, CHROMIUM_PATH } = await import('../e2e/support/extension-browser.js');
  const wrapper = join(workDir, `chromium-in-${site.cliNs}.sh`);
  await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${site.cliNs} ${CHROMIUM_PATH} "$@"\n`);
  await chmod(wrapper, 0o755);
  const outcome = await runExtensionTest({
    endpointUrl: `https://${site.srvAddr}`,
    caPath,
    grantHosts: [site.srvAddr],
    executablePath: wrapper,
    extensionDir: join(REPO, 'dist', 'extension'),
    runTimeoutMs: 150_000,
  });
  return outcome.result;
}

/**
 * The same in Firefox, the browser and its driver both inside the client namespace
 * (firefox-run.ts): puppeteer's WebSocket to Firefox does not cross namespaces. Killed with
 * the rest of the namespace's processes if it outlives its time (the labs' destroy).
 */
async function resultInFirefox(caPath: string, site: Site): Promise<Result> {
  const args = ['netns', 'exec', site.cliNs, process.execPath, '--import', 'tsx', 'test/lab/firefox-run.ts', `https://${site.srvAddr}`, caPath, join(REPO, 'dist', 'extension')];
  try {
    const { stdout } = await promisify(execFile)('ip', args, { cwd: REPO, encoding: 'utf8', timeout: 240_000, killSignal: 'SIGKILL', maxBuffer: 16 << 20 });
    return JSON.parse(stdout.trim().split('\n').pop()!) as Result;
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    throw new Error(`(${e.code ?? 'killed'}): ${(e.stderr || String(err)).slice(-600)}`, { cause: err });
  }
}

async function runExtension(caPath: string, workDir: string, site: Site, browser: LabBrowser): Promise<{ result?: Result; error?: string; wallMs: number }> {
  const started = Date.now();
  try {
    const result = browser === 'firefox' ? await resultInFirefox(caPath, site) : await resultInChromium(caPath, workDir, site);
    return { result, wallMs: Date.now() - started };
  } catch (err) {
    return { error: `the extension run in ${browser} failed: ${err instanceof Error ? err.message : String(err)}`, wallMs: Date.now() - started };
  }
}

export async function runScenario(scenario: Scenario, opts: ScenarioOptions): Promise<RunRecord[]> {
  const log = opts.log ?? (() => undefined);
  const random = (() => {
    const next = xoshiro128(opts.seed ?? 1);
    return () => next() / 2 ** 32;
  })();
  const noise = scenario.noise ?? opts.noise;
  const site = siteOf(scenario);
  const release = await site.lock();
  const children: ChildProcess[] = [];
  let drift: NodeJS.Timeout | undefined;
  let dataDir: string | undefined;
  let path: { stop(): Promise<Record<string, number> | undefined> } | undefined;
  const records: RunRecord[] = [];
  try {
    activeSites.add(site);
    path = await site.build(Math.floor(random() * 2 ** 31));
    await scenario.shape?.();
    dataDir = await mkdtemp(join(tmpdir(), 'ttd-lab-'));
    const config: LabServerConfig = {
      publicHost: site.srvAddr,
      ports: [80, 443],
      dataDir,
      fronts: scenario.fronts,
      blasterPort: BLASTER_PORT,
      ...(opts.timeline ? { timelinePath: join(dataDir, 'timeline.jsonl') } : {}),
    };
    const server = inNamespace(site.srvNs, [process.execPath, '--import', 'tsx', 'test/lab/lab-server.ts', JSON.stringify(config)]);
    children.push(server);
    const ready = JSON.parse(await firstLine(server, 'the lab server', 30_000)) as { caPath: string };
    if (noise.crossTraffic && site.crossNs) {
      const seed = String(Math.floor(random() * 2 ** 31));
      children.push(inNamespace(site.crossNs, [process.execPath, '--import', 'tsx', 'test/lab/cross-traffic.ts', site.srvAddr, String(BLASTER_PORT), seed]));
    } else if (noise.crossTraffic) {
      log(`${scenario.id}: this lab has no cross-traffic host; running without cross traffic`);
    }
    const timeline = new LineTimeline(scenario.lineMbps, Date.now());
    if (noise.lineDriftLo > 0) {
      const lo = noise.lineDriftLo;
      const step = () => {
        const mbps = scenario.lineMbps * (lo + (1 - lo) * random());
        // The rate counts from when tc has applied it; a step that failed leaves the old one.
        void site
          .setLineRate(mbps)
          .then(() => timeline.set(Date.now(), mbps))
          .catch(() => undefined);
        drift = setTimeout(step, 2000 + 3000 * random());
      };
      drift = setTimeout(step, 2000 + 3000 * random());
    }
    const client = opts.client ?? 'cli';
    const browser = client === 'extension' ? (opts.browser ?? 'chromium') : undefined;
    const label = browser === 'firefox' ? `${scenario.id} (firefox)` : scenario.id;
    let uploadFile: string | undefined;
    if ((opts.glasnostRuns ?? 0) > 0 && scenario.glasnostDirection === 'up') {
      // Random bytes, so no compression or entropy rule can favour one scheme.
      uploadFile = join(dataDir, 'glasnost-upload.bin');
      await writeFile(uploadFile, randomBytes(64 * 1024 * 1024));
    }
    for (let run = 0; run < opts.runs; run++) {
      const startedMs = Date.now();
      const r =
        client === 'cli'
          ? await runCli(ready.caPath, scenario.diagnose, opts.cliArgs, cliKillMs(scenario.diagnose), site)
          : await runExtension(ready.caPath, dataDir, site, browser!);
      // The measurement's own seconds where the client said how long it measured (the process
      // also starts up and shuts down); else the whole process.
      const endedMs = Math.max(Date.now(), startedMs + 1);
      const measuredMs = r.result?.durationMs;
      const line = timeline.over(measuredMs && measuredMs > 0 && measuredMs < endedMs - startedMs ? endedMs - measuredMs : startedMs, endedMs);
      const record: RunRecord = { scenario: scenario.id, run, client, ...(browser ? { browser } : {}), ...r, line };
      if (config.timelinePath) record.timeline = await takeTimeline(config.timelinePath);
      const drifted = line.meanMbps !== line.nominalMbps ? `, line at ${(line.meanMbps / line.nominalMbps).toFixed(2)} of nominal` : '';
      log(`${label} run ${run + 1}/${opts.runs}: ${r.result ? `${r.result.verdict}${r.result.cause ? `/${r.result.cause}` : ''} ratio ${r.result.ratio?.toFixed?.(2)} in ${(r.result.durationMs / 1000).toFixed(1)} s, ${(r.result.bytesUsed / 1e6).toFixed(1)} MB${drifted}` : r.error}`);
      if (run < (opts.glasnostRuns ?? 0)) {
        try {
          const g = await runGlasnost({ ns: site.cliNs, host: site.srvAddr, caPath: ready.caPath, direction: scenario.glasnostDirection ?? 'down', seconds: 5, uploadFile });
          record.glasnost = g;
          log(`${scenario.id} Glasnost's rule: ${g.verdict} ratio ${g.ratio.toFixed(2)} (HTTP ${g.httpMbps.map((x) => x.toFixed(1)).join('/')}, HTTPS ${g.httpsMbps.map((x) => x.toFixed(1)).join('/')} Mbit/s)`);
        } catch (err) {
          log(`${scenario.id} Glasnost's rule failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      records.push(record);
      opts.onRun?.(record);
    }
    return records;
  } finally {
    if (drift) clearTimeout(drift);
    for (const c of children) await stop(c);
    const counters = await path?.stop().catch(() => undefined);
    if (counters) log(`${scenario.id} forwarder: ${JSON.stringify(counters)}`);
    await site.destroy();
    activeSites.delete(site);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    release();
  }
}
