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
import { createHash, createPublicKey } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CHROMIUM_PATH, ExtensionBrowser } from '../test/e2e/support/extension-browser.js';
import { addShapedClass } from '../test/lab/lab-net.js';
import { firstClickInFirefox } from '../test/lab/mirror/mirror-extension-run.js';
import { MADDR, MLINE_DOWN_DEV, MNS } from '../test/lab/mirror/mirror-net.js';
import { runMirrorScenario, type MirrorScenario } from '../test/lab/mirror/mirror-scenarios.js';
import { caddyProtocols, FILES } from '../test/lab/mirror/web-servers.js';
import type { Result } from '../src/core/types.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, source: { type: 'string' } } });
const runs = Number(values.runs);
const source = resolve(values.source ?? '.');

const tcpPortCap: MirrorScenario = {
  id: 'mir-port-tcp',
  title: 'mirror (Caddy, HTTP/3 on), htb class on TCP source port 443 at 10 of 50 Mbit/s; UDP untouched',
  lineMbps: 50,
  truth: { verdicts: ['tls-throttled'], check: 'usable', ratio: 5 },
  shape: () => addShapedClass({ ns: MNS.srv, dev: MLINE_DOWN_DEV, mbps: 10, match: 'ip protocol 6 0xff match ip sport 443 0xffff' }),
};

/** The lab's extension (the list names the lab mirror) built from `source`, as test/lab/mirror does. */
async function packages(work: string): Promise<{ chromeDir: string; firefoxZip: string }> {
  const config = join(work, 'endpoints.json');
  await writeFile(config, JSON.stringify({
    endpoints: [
      { id: 'lab-gone', name: 'An endpoint that is down', url: `https://${MADDR.srv}:9/` },
      { id: 'lab-mirror', kind: 'mirror', name: 'The lab mirror', url: `https://${MADDR.srv}${FILES.big.path}`, source: 'test/lab/mirror' },
    ],
  }));
  // In a process of its own started in `source`: build.mjs names its entry points relative to
  // the working directory, and under tsx a chdir before the build did not change what esbuild
  // bundled (tsx runs esbuild too, started in this directory).
  const script = `
    import { build } from './build.mjs';
    import { packageExtension } from './scripts/package.mjs';
    await build({ outDir: ${JSON.stringify(join(work, 'dist'))}, configFile: ${JSON.stringify(config)}, only: 'dist/extension' });
    const zips = packageExtension({ source: ${JSON.stringify(join(work, 'dist', 'extension'))}, out: ${JSON.stringify(join(work, 'packages'))} });
    process.stdout.write(JSON.stringify(zips));`;
  const zips = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: source, encoding: 'utf8' })) as { chrome: string; firefox: string };
  const chromeDir = join(work, 'chrome-unpacked');
  await mkdir(chromeDir, { recursive: true });
  execFileSync('unzip', ['-q', '-o', zips.chrome, '-d', chromeDir]);
  return { chromeDir, firefoxZip: zips.firefox };
}

function spkiHash(certPem: string): string {
  return createHash('sha256').update(createPublicKey(certPem).export({ type: 'spki', format: 'der' })).digest('base64');
}

async function chromiumClick(extensionDir: string, caPath: string, dir: string, quic: boolean): Promise<Result> {
  const wrapper = join(dir, 'chromium-in-mir-cli.sh');
  await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${MNS.cli} ${CHROMIUM_PATH} "$@"\n`, { mode: 0o755 });
  const spki = spkiHash(await readFile(join(dir, 'cert.pem'), 'utf8'));
  const browser = await ExtensionBrowser.launch({
    extensionDir,
    caPath,
    executablePath: wrapper,
    quic,
    args: quic ? [`--origin-to-force-quic-on=${MADDR.srv}:443`, `--ignore-certificate-errors-spki-list=${spki}`] : [],
  });
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
  console.log(`${new Date().toISOString()} extension built from ${source} at ${commit}; ${tcpPortCap.title}; ${runs} runs`);
  const pk = await packages(work);
  await runMirrorScenario(tcpPortCap, 'caddy', {
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
          async () => (await firstClickInFirefox(pk.firefoxZip, caPath, 180_000, { 'network.http.http3.disable_when_third_party_roots_found': false })).entry.result,
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
