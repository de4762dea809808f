// Runs one lab scenario: builds the hosts and the line, applies the scenario's shaping, starts
// the endpoint (and its fronts) in lab-srv, the noise, and the CLI in lab-cli as many times as
// asked. Everything it started is ended in `finally`, whatever fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Result } from '../../src/core/types.js';
import { xoshiro128 } from '../../src/core/payload.js';
import type { LabServerConfig } from './lab-server.js';
import { acquireLabLock, ADDR, createLab, destroyLab, LINE_DOWN_DEV, NS, setLineRate } from './lab-net.js';
import type { Scenario } from './scenarios.js';

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
  /** Wall time of the CLI process (or the browser session). */
  wallMs: number;
  client: 'cli' | 'extension';
}

export interface ScenarioOptions {
  runs: number;
  /** 'extension': the MV3 extension in headless Chromium, started inside lab-cli. */
  client?: 'cli' | 'extension';
  noise: Noise;
  seed?: number;
  /** Extra CLI flags (e.g. --budget-mb). */
  cliArgs?: string[];
  onRun?: (r: RunRecord) => void;
  log?: (line: string) => void;
}

function inNamespace(ns: string, args: string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Waits for the child's first stdout line (its readiness JSON) or its exit. */
function firstLine(child: ChildProcess, what: string, timeoutMs: number): Promise<string> {
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

/** One `tls-throttle run --json` inside lab-cli. */
export function runCli(caPath: string, diagnose: boolean, extra: string[] = [], timeoutMs = 150_000): Promise<{ result?: Result; error?: string; wallMs: number }> {
  const args = [process.execPath, CLI, 'run', `https://${ADDR.srv}`, '--ca', caPath, '--json', ...(diagnose ? ['--diagnose'] : []), ...extra];
  const started = Date.now();
  const child = inNamespace(NS.cli, args);
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
        resolveRun({ result: JSON.parse(line) as Result, wallMs });
      } catch {
        resolveRun({ error: `the CLI exited with ${signal ?? code} and no JSON: ${err.trim().slice(-400)}`, wallMs });
      }
    });
  });
}

/**
 * One test through the extension: Chromium runs inside lab-cli (a wrapper puts it there;
 * Playwright talks to it over a pipe, which crosses namespaces), the popup's "Run test".
 * The extension has no --diagnose switch: it diagnoses when screening sees a difference.
 */
async function runExtension(caPath: string, workDir: string): Promise<{ result?: Result; error?: string; wallMs: number }> {
  const { runExtensionTest, CHROMIUM_PATH } = await import('../e2e/support/extension-browser.js');
  const wrapper = join(workDir, 'chromium-in-lab-cli.sh');
  await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${NS.cli} ${CHROMIUM_PATH} "$@"\n`);
  await chmod(wrapper, 0o755);
  const started = Date.now();
  try {
    const outcome = await runExtensionTest({
      endpointUrl: `https://${ADDR.srv}`,
      caPath,
      grantHosts: [ADDR.srv],
      executablePath: wrapper,
      extensionDir: join(REPO, 'dist', 'extension'),
      runTimeoutMs: 150_000,
    });
    return { result: outcome.result, wallMs: Date.now() - started };
  } catch (err) {
    return { error: `the extension run failed: ${err instanceof Error ? err.message : String(err)}`, wallMs: Date.now() - started };
  }
}

export async function runScenario(scenario: Scenario, opts: ScenarioOptions): Promise<RunRecord[]> {
  const log = opts.log ?? (() => undefined);
  const random = (() => {
    const next = xoshiro128(opts.seed ?? 1);
    return () => next() / 2 ** 32;
  })();
  const noise = scenario.noise ?? opts.noise;
  const release = await acquireLabLock();
  const children: ChildProcess[] = [];
  let drift: NodeJS.Timeout | undefined;
  let dataDir: string | undefined;
  const records: RunRecord[] = [];
  try {
    await createLab({ downMbps: scenario.lineMbps });
    await scenario.shape?.();
    dataDir = await mkdtemp(join(tmpdir(), 'ttd-lab-'));
    const config: LabServerConfig = {
      publicHost: ADDR.srv,
      ports: [80, 443],
      dataDir,
      fronts: scenario.fronts,
      blasterPort: BLASTER_PORT,
    };
    const server = inNamespace(NS.srv, [process.execPath, '--import', 'tsx', 'test/lab/lab-server.ts', JSON.stringify(config)]);
    children.push(server);
    const ready = JSON.parse(await firstLine(server, 'the lab server', 30_000)) as { caPath: string };
    if (noise.crossTraffic) {
      const seed = String(Math.floor(random() * 2 ** 31));
      children.push(inNamespace(NS.cross, [process.execPath, '--import', 'tsx', 'test/lab/cross-traffic.ts', ADDR.srv, String(BLASTER_PORT), seed]));
    }
    if (noise.lineDriftLo > 0) {
      const lo = noise.lineDriftLo;
      const step = () => {
        const mbps = scenario.lineMbps * (lo + (1 - lo) * random());
        void setLineRate(NS.srv, LINE_DOWN_DEV, mbps).catch(() => undefined);
        drift = setTimeout(step, 2000 + 3000 * random());
      };
      drift = setTimeout(step, 2000 + 3000 * random());
    }
    const client = opts.client ?? 'cli';
    for (let run = 0; run < opts.runs; run++) {
      const r =
        client === 'cli'
          ? await runCli(ready.caPath, scenario.diagnose, opts.cliArgs)
          : await runExtension(ready.caPath, dataDir);
      const record: RunRecord = { scenario: scenario.id, run, client, ...r };
      records.push(record);
      log(`${scenario.id} run ${run + 1}/${opts.runs}: ${r.result ? `${r.result.verdict}${r.result.cause ? `/${r.result.cause}` : ''} ratio ${r.result.ratio?.toFixed?.(2)} in ${(r.result.durationMs / 1000).toFixed(1)} s, ${(r.result.bytesUsed / 1e6).toFixed(1)} MB` : r.error}`);
      opts.onRun?.(record);
    }
    return records;
  } finally {
    if (drift) clearTimeout(drift);
    for (const c of children) await stop(c);
    await destroyLab();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    release();
  }
}
