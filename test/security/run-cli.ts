// Runs the real built CLI (dist/cli.js, `node build.mjs`) as a child process and reports what a
// user would see: exit code, stdout, stderr, wall time, and the peak RSS (rss-probe.mjs).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
  /** performance.now() when the child had exited. */
  exitedAt: number;
  maxRssKb: number;
}

const PROBE = fileURLToPath(new URL('rss-probe.mjs', import.meta.url));

/** Kills the child after `killAfterMs` so a hanging client fails the test instead of hanging it. */
export async function runCli(args: string[], killAfterMs = 30_000, onSpawn?: (child: ChildProcess) => void): Promise<CliRun> {
  const dir = mkdtempSync(join(tmpdir(), 'ttd-rss-'));
  const rssFile = join(dir, 'rss');
  const startedAt = performance.now();
  const child = spawn(process.execPath, ['--import', PROBE, 'dist/cli.js', ...args], {
    env: { ...process.env, TTD_RSS_FILE: rssFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  onSpawn?.(child);
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  // Sampled too, for a child that had to be killed (then rss-probe writes nothing).
  let sampledRssKb = 0;
  const sampler = setInterval(() => {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) sampledRssKb = Math.max(sampledRssKb, Number(m[1]));
    } catch {
      // Gone already.
    }
  }, 100);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(killer);
  clearInterval(sampler);
  const exitedAt = performance.now();
  const elapsedMs = exitedAt - startedAt;
  let maxRssKb = sampledRssKb;
  try {
    maxRssKb = Math.max(sampledRssKb, Number(readFileSync(rssFile, 'utf8')));
  } catch {
    // Killed before exit: only the sampled figure.
  }
  rmSync(dir, { recursive: true, force: true });
  return { code, stdout, stderr, elapsedMs, exitedAt, maxRssKb };
}

/** C0 controls but tab and newline, DEL, C1 controls, and the bidi overrides and isolates. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
export const CONTROL_CHARACTERS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
