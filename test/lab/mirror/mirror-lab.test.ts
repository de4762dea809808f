// The mirror lab's CI subset: Debian's own web servers (not ours) serving one file over both
// schemes with Range, measured in mirror mode and by today's CLI, in namespaces of its own
// (mir-*, 10.78.0.0/24). The full table is `npm run bench:accuracy -- --only-mirrors`.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRoot } from '../lab-net.js';
import { MIRROR_SCENARIOS, probeCorrect, runMirrorScenario, type MirrorRunRecord } from './mirror-scenarios.js';
import { SERVER_KINDS, type ServerKind } from './web-servers.js';

const REPO = resolve(import.meta.dirname, '..', '..', '..');
const binaries: Record<ServerKind, string> = { nginx: '/usr/sbin/nginx', apache: '/usr/sbin/apache2', lighttpd: '/usr/sbin/lighttpd' };
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
    'nginx, port 443 at a fifth: the CLI finds TLS throttled, and mirror mode reads about 5x',
    async () => {
      const r = await once('mir-port', 'nginx', true);
      expect(r.cli?.verdict).toBe('tls-throttled');
      expect(r.probe?.ratio).toBeGreaterThan(4);
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
});
