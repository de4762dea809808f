// The mirror lab's CI subset: Debian's own web servers (not ours) serving one file over both
// schemes with Range, measured in mirror mode and by today's CLI, in namespaces of its own
// (mir-*, 10.78.0.0/24). The full table is `npm run bench:accuracy -- --only-mirrors`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRoot } from '../lab-net.js';
import { MIRROR_SCENARIOS, probeCorrect, runMirrorScenario, type MirrorRunRecord } from './mirror-scenarios.js';
import { acquireMirrorLock, createMirrorLab, destroyMirrorLab, MADDR, MNS } from './mirror-net.js';
import { FILES, SERVER_KINDS, type ServerKind } from './web-servers.js';
import type { Note } from '../../../src/core/notes.js';
import { noteText } from '../../../src/cli/note-text.js';

const REPO = resolve(import.meta.dirname, '..', '..', '..');
const binaries: Record<(typeof SERVER_KINDS)[number], string> = { nginx: '/usr/sbin/nginx', apache: '/usr/sbin/apache2', lighttpd: '/usr/sbin/lighttpd' };
const missing = SERVER_KINDS.filter((k) => !existsSync(binaries[k]));
const skipReason = !isRoot()
  ? ' (skipped: needs root for network namespaces and tc)'
  : !existsSync(join(REPO, 'dist', 'cli.js'))
    ? ' (skipped: dist/cli.js missing, run `node build.mjs`)'
    : missing.length || !existsSync('/usr/lib/lighttpd/mod_openssl.so')
      ? ` (skipped: install nginx-light apache2 lighttpd lighttpd-mod-openssl)`
      : '';
if (skipReason) console.warn(`mirror lab tests${skipReason}`);

const scenario = (id: string) => MIRROR_SCENARIOS.find((s) => s.id === id)!;
async function once(id: string, server: ServerKind, cli: boolean): Promise<MirrorRunRecord> {
  const [r] = await runMirrorScenario(scenario(id), server, { runs: 1, cli });
  return r!;
}
const TIMEOUT_MS = 150_000;

describe.skipIf(!!skipReason)(`mirror lab${skipReason}`, () => {
  for (const server of SERVER_KINDS) {
    it(
      `${server}: checks the file on both schemes (one address) and measures equal speeds in byte ranges`,
      async () => {
        const r = await once('mir-none', server, false);
        expect(r.probe?.check).toBe('usable');
        expect(r.probe?.checks).toContain('same server address on both schemes (10.78.0.1)');
        expect(r.probe?.stopped).toBeUndefined();
        expect(r.probe?.verifiedBlocks).toBeGreaterThan(0);
        expect(probeCorrect(scenario('mir-none'), r)).toBe(true);
      },
      TIMEOUT_MS,
    );
  }

  it(
    'nginx, port 443 at a fifth: the CLI finds TLS throttled, and mirror mode reads TLS at the cap, far below plaintext',
    async () => {
      const r = await once('mir-port', 'nginx', true);
      console.log(`mir-port probe: ${r.probe?.rounds} rounds, HTTPS ${r.probe?.httpsMbps?.toFixed(2)} Mbit/s, HTTP ${r.probe?.httpMbps?.toFixed(2)} Mbit/s, ratio ${r.probe?.ratio?.toFixed(2)}`);
      expect(r.cli?.verdict).toBe('tls-throttled');
      // The cap is the shaper's, and the ranges carried over TLS read it (9.5 Mbit/s of goodput
      // under a 10 Mbit/s class on a quiet machine). Plaintext reads what the machine pushes
      // through the lab's 50 Mbit/s line: 47.8 here, so 5.0x, but about 33 once on a loaded CI
      // machine (3.4x); the method's claim is the gap, beyond twice the margin, not the machine.
      expect(r.probe?.httpsMbps).toBeGreaterThan(7);
      expect(r.probe?.httpsMbps).toBeLessThan(10.5);
      expect(r.probe?.ratio).toBeGreaterThan(2.5);
      expect(r.probe?.ratio).toBeLessThan(6);
    },
    TIMEOUT_MS,
  );

  it(
    'apache, http redirecting to https: never a throttling verdict; mirror mode calls it not usable',
    async () => {
      const r = await once('mir-redirect', 'apache', true);
      expect(['failed', 'interfered']).toContain(r.cli?.verdict);
      expect(r.probe).toMatchObject({ check: 'not-usable' });
      expect(r.probe?.reason).toMatch(/redirects \(HTTP 301\) to https:\/\/10.78.0.1\//);
    },
    TIMEOUT_MS,
  );

  it(
    'lighttpd behind a plaintext-only cache: interfered, by the CLI and in mirror mode',
    async () => {
      const r = await once('mir-cache', 'lighttpd', true);
      expect(r.cli?.verdict).toBe('interfered');
      expect(r.probe).toMatchObject({ check: 'interfered' });
    },
    TIMEOUT_MS,
  );

  it(
    'run auto: skips a server that refuses connections, measures the lab mirror, and names both',
    async () => {
      let out: { verdict: string; endpoint: string; warnings: string[] } | undefined;
      let stderr = '';
      await runMirrorScenario(scenario('mir-none'), 'nginx', {
        runs: 1,
        cli: false,
        probe: false,
        client: async ({ caPath, dir }) => {
          const list = join(dir, 'servers.json');
          await writeFile(
            list,
            JSON.stringify({
              endpoints: [
                { id: 'lab-gone', url: `https://${MADDR.srv}:9/` },
                { id: 'lab-nginx', kind: 'mirror', url: `https://${MADDR.srv}${FILES.big.path}` },
              ],
            }),
          );
          const r = spawnSync('ip', ['netns', 'exec', MNS.cli, process.execPath, join(REPO, 'dist', 'cli.js'), 'run', 'auto', '--servers', list, '--ca', caPath, '--json'], {
            encoding: 'utf8',
            timeout: 120_000,
          });
          stderr = r.stderr;
          out = JSON.parse(r.stdout.trim().split('\n').pop()!);
        },
      });
      expect(out?.verdict).toBe('no-difference');
      expect(out?.endpoint).toBe(`https://${MADDR.srv}${FILES.big.path}`);
      const said = (out?.warnings ?? []).map((w) => noteText(w as unknown as Note));
      expect(said[0]).toMatch(/^server: lab-nginx \(public mirror .*checked before use: .*same server address on both schemes \(10.78.0.1\)/);
      expect(said.some((w) => /passed over: lab-gone .* was skipped: cannot reach/.test(w))).toBe(true);
      expect(stderr).toMatch(/^lab-gone: cannot reach/m);
    },
    TIMEOUT_MS,
  );
});

describe.skipIf(!isRoot())(`the mirror lab's line${isRoot() ? '' : ' (skipped: needs root)'}`, () => {
  it('announces no address once it is built: no IPv6 link-local address finishing its duplicate detection under a running client', async () => {
    // An address announced in mir-cli while Chromium runs closes its HTTP/2 sessions
    // (ERR_NETWORK_CHANGED): lighttpd's transfers were cut off that way (mirror-net.ts ipv4Only).
    // Duplicate address detection ended about 1.8 s after the build; 3 s covers it.
    const release = await acquireMirrorLock();
    try {
      await createMirrorLab({ downMbps: 50 });
      const monitor = spawn('ip', ['-n', MNS.cli, 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let announced = '';
      monitor.stdout.on('data', (c: Buffer) => (announced += c.toString()));
      await new Promise((r) => setTimeout(r, 3000));
      monitor.kill();
      expect(announced).toBe('');
      for (const ns of [MNS.cli, MNS.srv]) expect(spawnSync('ip', ['-n', ns, '-6', 'addr'], { encoding: 'utf8' }).stdout).toBe('');
    } finally {
      await destroyMirrorLab();
      release();
    }
  }, 30_000);
});
