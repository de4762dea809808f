// The mirror lab's scenarios: a file served by nginx, Apache httpd or lighttpd (Debian's, not
// ours) over both schemes, with a shaper or a middlebox whose truth is known. Each run measures
// twice: the CLI against the 96 MiB file (mirror mode in the engine: the pre-use check, then
// every transfer a fresh byte range sized by the sizer, each plaintext range compared with
// TLS: src/core/mirror), and the probe (mirror-probe.ts: the same check and MirrorSession in
// fixed rounds of 2 MiB ranges, read for its ratio).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Result, Verdict } from '../../../src/core/types.js';
import { devCertificate } from '../../../src/server/dev-ca.js';
import { addShapedClass } from '../lab-net.js';
import type { FrontConfig, MirrorFront } from './mirror-front.js';
import { acquireMirrorLock, createMirrorLab, destroyMirrorLab, MADDR, MLINE_DOWN_DEV, MNS } from './mirror-net.js';
import type { ProbeSummary } from './mirror-probe.js';
import { FILES, startWebServer, type ServerKind } from './web-servers.js';

const REPO = resolve(import.meta.dirname, '..', '..', '..');
const CLI = process.env.TTD_LAB_CLI ?? join(REPO, 'dist', 'cli.js');

export interface MirrorScenario {
  id: string;
  title: string;
  lineMbps: number;
  /** What a right answer is: a verdict, or for a mirror not fit for the test, any of these. */
  truth: { verdicts: Verdict[]; check: 'usable' | 'not-usable' | 'interfered'; ratio?: number };
  redirectHttp?: boolean;
  /** Userland fronts on the public ports; with any, the server listens on 127.0.0.1:8080/8443. */
  fronts?: MirrorFront[];
  shape?: () => Promise<void>;
}

const BEHIND = { plain: 8080, tls: 8443 };

export const MIRROR_SCENARIOS: MirrorScenario[] = [
  { id: 'mir-none', title: 'mirror, no shaping, 50 Mbit/s line', lineMbps: 50, truth: { verdicts: ['no-difference'], check: 'usable', ratio: 1 } },
  {
    id: 'mir-port',
    title: 'mirror, htb class on source port 443 at a fifth of the line: 10 of 50 Mbit/s',
    lineMbps: 50,
    truth: { verdicts: ['tls-throttled'], check: 'usable', ratio: 5 },
    shape: () => addShapedClass({ ns: MNS.srv, dev: MLINE_DOWN_DEV, mbps: 10, match: 'ip sport 443 0xffff' }),
  },
  {
    id: 'mir-dpi',
    title: 'mirror behind a DPI proxy pacing TLS on any port to half the line: 25 of 50 Mbit/s',
    lineMbps: 50,
    truth: { verdicts: ['tls-throttled'], check: 'usable', ratio: 2 },
    fronts: [
      { kind: 'pacing', listenPort: 80, targetPort: BEHIND.plain, tlsMbps: 25 },
      { kind: 'pacing', listenPort: 443, targetPort: BEHIND.tls, tlsMbps: 25 },
    ],
  },
  {
    id: 'mir-redirect',
    title: 'mirror whose http URL redirects to https',
    lineMbps: 50,
    // Never a throttling verdict: the mirror is not usable for the test.
    truth: { verdicts: ['failed', 'interfered'], check: 'not-usable' },
    redirectHttp: true,
  },
  {
    id: 'mir-cache',
    title: 'mirror with a caching proxy on the plaintext path only (Via, X-Cache)',
    lineMbps: 50,
    truth: { verdicts: ['interfered'], check: 'interfered' },
    fronts: [
      { kind: 'cache', listenPort: 80, targetPort: BEHIND.plain },
      { kind: 'pacing', listenPort: 443, targetPort: BEHIND.tls },
    ],
  },
];

export interface MirrorRunRecord {
  scenario: string;
  server: ServerKind;
  run: number;
  cli?: Result;
  cliError?: string;
  cliWallMs: number;
  probe?: ProbeSummary;
  probeError?: string;
}

function inCli(args: string[], timeoutMs: number): Promise<{ out: string; err: string; code: number | null; wallMs: number }> {
  const started = Date.now();
  const child = spawn('ip', ['netns', 'exec', MNS.cli, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((r) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      r({ out, err, code, wallMs: Date.now() - started });
    }),
  );
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

function firstLine(child: ChildProcess, what: string): Promise<void> {
  return new Promise((resolveLine, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${what} not ready after 20 s: ${err}`)), 20_000);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.once('data', () => (clearTimeout(timer), resolveLine()));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`${what} exited with ${code}: ${err}`))));
  });
}

export interface MirrorRunOptions {
  runs: number;
  /** Measure with the CLI (`tls-throttle run <the 96 MiB file's URL>`). */
  cli?: boolean;
  /** Run the probe (mirror-probe.ts: fixed rounds of ranges of the large file). */
  probe?: boolean;
  log?: (line: string) => void;
  onRun?: (r: MirrorRunRecord) => void;
  /** Another client, run once per run after the others (the extension in Chromium). */
  client?: (ctx: { caPath: string; dir: string; run: number }) => Promise<void>;
}

export async function runMirrorScenario(s: MirrorScenario, server: ServerKind, opts: MirrorRunOptions): Promise<MirrorRunRecord[]> {
  const log = opts.log ?? (() => undefined);
  const release = await acquireMirrorLock();
  const children: ChildProcess[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'ttd-mirror-'));
  // The servers' workers (nobody, www-data) must reach the document root below it.
  await chmod(dir, 0o755);
  const records: MirrorRunRecord[] = [];
  try {
    await createMirrorLab({ downMbps: s.lineMbps });
    await s.shape?.();
    const cert = await devCertificate(join(dir, 'ca'), [MADDR.srv]);
    await writeFile(join(dir, 'cert.pem'), cert.certPem);
    await writeFile(join(dir, 'key.pem'), cert.keyPem, { mode: 0o600 });
    const fronted = !!s.fronts?.length;
    children.push(
      await startWebServer({
        kind: server,
        dir: join(dir, server),
        host: fronted ? '127.0.0.1' : MADDR.srv,
        plainPort: fronted ? BEHIND.plain : 80,
        tlsPort: fronted ? BEHIND.tls : 443,
        certFile: join(dir, 'cert.pem'),
        keyFile: join(dir, 'key.pem'),
        ...(s.redirectHttp ? { redirectHttp: true } : {}),
      }),
    );
    if (fronted) {
      const config: FrontConfig = { host: MADDR.srv, fronts: s.fronts! };
      const front = spawn('ip', ['netns', 'exec', MNS.srv, process.execPath, '--import', 'tsx', 'test/lab/mirror/mirror-front.ts', JSON.stringify(config)], {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(front);
      await firstLine(front, 'the mirror front');
    }
    for (let run = 0; run < opts.runs; run++) {
      const record: MirrorRunRecord = { scenario: s.id, server, run, cliWallMs: 0 };
      if (opts.cli !== false) {
        const r = await inCli([process.execPath, CLI, 'run', `https://${MADDR.srv}${FILES.big.path}`, '--ca', cert.caPath, '--json'], 150_000);
        record.cliWallMs = r.wallMs;
        try {
          record.cli = JSON.parse(r.out.trim().split('\n').pop() ?? '') as Result;
        } catch {
          record.cliError = `the CLI exited with ${r.code} and no JSON: ${r.err.trim().slice(-300)}`;
        }
      }
      if (opts.probe !== false) {
        const p = await inCli([process.execPath, '--import', 'tsx', 'test/lab/mirror/mirror-probe.ts', `https://${MADDR.srv}${FILES.big.path}`, cert.caPath], 150_000);
        try {
          record.probe = JSON.parse(p.out.trim().split('\n').pop() ?? '') as ProbeSummary;
        } catch {
          record.probeError = `the probe exited with ${p.code}: ${p.err.trim().slice(-300)}`;
        }
      }
      await opts.client?.({ caPath: cert.caPath, dir, run });
      const cliText = record.cli ? `${record.cli.verdict} ratio ${record.cli.ratio?.toFixed?.(2)} ${(record.cli.durationMs / 1000).toFixed(1)} s ${(record.cli.bytesUsed / 1e6).toFixed(1)} MB${record.cli.error ? ` (${record.cli.error.detail.slice(0, 120)})` : ''}` : record.cliError ?? '-';
      const probeText = record.probe
        ? `${record.probe.check}${record.probe.ratio !== undefined ? ` ratio ${record.probe.ratio.toFixed(2)}` : ''}${record.probe.stopped ? ` ${record.probe.stopped.outcome}: ${record.probe.stopped.reason.slice(0, 120)}` : ''}${record.probe.reason ? `: ${record.probe.reason.slice(0, 120)}` : ''}`
        : record.probeError ?? '-';
      log(`${s.id} ${server} run ${run + 1}/${opts.runs}: CLI ${cliText}; probe ${probeText}`);
      records.push(record);
      opts.onRun?.(record);
    }
    return records;
  } finally {
    for (const c of children.reverse()) await stop(c);
    await destroyMirrorLab();
    await rm(dir, { recursive: true, force: true });
    release();
  }
}

/** Was the CLI's verdict right? */
export function cliCorrect(s: MirrorScenario, r: MirrorRunRecord): boolean {
  return !!r.cli && s.truth.verdicts.includes(r.cli.verdict);
}

/**
 * Was the probe right? The check's outcome, and for a usable mirror a ratio on the right
 * side of the method's 25% margin (src/core/compare.ts DEFAULT_MARGIN_RATIO): above 1.25 for
 * a throttled one, within it for an unshaped one. An interfered check or transfer answers the
 * middlebox scenarios.
 */
export function probeCorrect(s: MirrorScenario, r: MirrorRunRecord): boolean {
  const p = r.probe;
  if (!p) return false;
  const outcome = p.stopped?.outcome ?? p.check;
  if (s.truth.check !== 'usable') return outcome === s.truth.check;
  if (p.check !== 'usable' || p.stopped || p.ratio === undefined) return false;
  return (s.truth.ratio ?? 1) > 1.25 ? p.ratio > 1.25 : p.ratio < 1.25 && p.ratio > 1 / 1.25;
}
