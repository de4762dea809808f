// What the extension says about a mirror that speaks HTTP/3, behind a cap on TCP from port 443
// at a fifth of the line that leaves UDP alone (test/lab/mirror/mirror-quic.test.ts): each run
// visits it with QUIC off and on, in Chromium and in Firefox, and prints the verdict, the ratio,
// the bytes, and the HTTP versions Caddy logged for the TLS requests.
//
//   npx tsx bench/mirror-quic.ts [--runs N] [--source DIR]
//
// `--source` builds the extension from another checkout (its build.mjs and
// scripts/package.mjs), e.g. one from before the TLS-over-TCP check, to measure what that
// check prevents:
//   git worktree add /tmp/before <commit> && ln -s "$PWD/node_modules" /tmp/before/
//   npx tsx bench/mirror-quic.ts --source /tmp/before
// Needs root, chromium, firefox-esr, caddy and unzip, as the test does.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { firstClickInFirefox, labExtensionPackages } from '../test/lab/mirror/mirror-extension-run.js';
import { runMirrorScenario } from '../test/lab/mirror/mirror-scenarios.js';
import { chromiumInMirCli, FIREFOX_HTTP3_PREFS, TCP_PORT_CAP } from '../test/lab/mirror/quic-mirror.js';
import { caddyProtocols } from '../test/lab/mirror/web-servers.js';
import type { Result } from '../src/core/types.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, source: { type: 'string' } } });
const runs = Number(values.runs);
const source = resolve(values.source ?? '.');

async function chromiumClick(extensionDir: string, caPath: string, dir: string, quic: boolean): Promise<Result> {
  const browser = await chromiumInMirCli(extensionDir, caPath, dir, quic);
  try {
    return (await browser.runTest({ timeoutMs: 150_000 })).result;
  } finally {
    await browser.close();
  }
}

function counts(protocols: string[]): string {
  const n = new Map<string, number>();
  for (const p of protocols) n.set(p, (n.get(p) ?? 0) + 1);
  return [...n].map(([p, k]) => `${p} x${k}`).join(', ') || 'none';
}

function line(what: string, r: Result, protocols: string[]): string {
  const ratio = Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}x` : '-';
  // The end of a long detail names the mirror's own reason (the list's servers come first).
  const detail = r.error && r.error.detail.length > 260 ? `...${r.error.detail.slice(-260)}` : r.error?.detail;
  const why = r.error ? ` (${r.error.code}: ${detail})` : '';
  return `${what}: ${r.verdict} ${ratio} ${(r.bytesUsed / 1e6).toFixed(1)} MB ${(r.durationMs / 1000).toFixed(1)} s; TLS requests ${counts(protocols)}${why}`;
}

const work = await mkdtemp(join(tmpdir(), 'ttd-mirror-quic-bench-'));
try {
  const commit = execFileSync('git', ['-C', source, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  console.log(`${new Date().toISOString()} extension built from ${source} at ${commit}; Caddy (HTTP/3 on), ${TCP_PORT_CAP.title}; ${runs} runs`);
  const pk = await labExtensionPackages(work, undefined, source === resolve('.') ? undefined : source);
  await runMirrorScenario(TCP_PORT_CAP, 'caddy', {
    runs,
    cli: false,
    probe: false,
    client: async ({ caPath, dir, run }) => {
      const log = join(dir, 'caddy');
      const visits: [string, () => Promise<Result>][] = [
        ['Chromium, QUIC off', () => chromiumClick(pk.chromeDir, caPath, dir, false)],
        ['Chromium, QUIC forced for the origin', () => chromiumClick(pk.chromeDir, caPath, dir, true)],
        ['Firefox, HTTP/3 off for third-party roots (its default)', async () => (await firstClickInFirefox(pk.firefoxZip, caPath)).entry.result],
        [
          'Firefox, HTTP/3 by Alt-Svc',
          async () => (await firstClickInFirefox(pk.firefoxZip, caPath, 180_000, FIREFOX_HTTP3_PREFS)).entry.result,
        ],
      ];
      for (const [what, click] of visits) {
        const before = (await caddyProtocols(log)).length;
        const result = await click();
        console.log(`run ${run + 1} ${line(what, result, (await caddyProtocols(log)).slice(before))}`);
      }
    },
  });
} finally {
  await rm(work, { recursive: true, force: true });
}
