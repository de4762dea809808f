// The first click of a fresh install, through a mirror: an extension built with a server list
// naming only the mirror lab's servers (an endpoint that refuses connections, and nginx's file),
// in a fresh Chromium profile inside mir-cli, gives a verdict with no page visited but the
// popup. Today's HTTP runner measures the mirror's small file whole (a file URL); the list,
// the choice, the fall-back and the popup are what this test holds to.
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from '../../../build.mjs';
import { CHROMIUM_PATH, ExtensionBrowser } from '../../e2e/support/extension-browser.js';
import { FIREFOX_PATH } from '../../e2e/support/firefox-browser.js';
import { isRoot } from '../lab-net.js';
import { MADDR, MNS } from './mirror-net.js';
import { MIRROR_SCENARIOS, runMirrorScenario } from './mirror-scenarios.js';
import { FILES } from './web-servers.js';

const skipReason = !isRoot()
  ? ' (skipped: needs root for network namespaces and tc)'
  : !existsSync(CHROMIUM_PATH) || !existsSync('/usr/sbin/nginx')
    ? ' (skipped: needs chromium and nginx-light)'
    : '';

/** A build whose list names only the lab's servers: one that refuses connections, and nginx's file. */
async function labBuild(work: string): Promise<string> {
  const config = join(work, 'endpoints.json');
  await writeFile(
    config,
    JSON.stringify({
      endpoints: [
        { id: 'lab-gone', name: 'An endpoint that is down', url: `https://${MADDR.srv}:9/` },
        { id: 'lab-nginx', kind: 'mirror', name: 'The lab mirror (nginx)', url: `https://${MADDR.srv}${FILES.small.path}`, source: 'test/lab/mirror' },
      ],
    }),
  );
  await build({ outDir: join(work, 'dist'), configFile: config, only: 'dist/extension' });
  return join(work, 'dist', 'extension');
}

describe.skipIf(!!skipReason)(`first run through a mirror${skipReason}`, () => {
  it('measures against the list\'s usable mirror on the first click, naming it and the server passed over', async () => {
    const work = await mkdtemp(join(tmpdir(), 'ttd-mirror-ext-'));
    try {
      const extensionDir = await labBuild(work);
      const port443 = MIRROR_SCENARIOS.find((s) => s.id === 'mir-port')!;
      let checked = false;
      await runMirrorScenario(port443, 'nginx', {
        runs: 1,
        cli: false,
        probe: false,
        client: async ({ caPath, dir }) => {
          const wrapper = join(dir, 'chromium-in-mir-cli.sh');
          await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${MNS.cli} ${CHROMIUM_PATH} "$@"\n`);
          await chmod(wrapper, 0o755);
          const browser = await ExtensionBrowser.launch({ extensionDir, caPath, executablePath: wrapper });
          try {
            const popup = await browser.openPage('popup.html');
            await popup.waitForSelector('body[data-ready="true"]');
            expect(await popup.locator('#intro').textContent()).toMatch(/^A test downloads the same file .* at most 60 seconds and uses at most 60 MB/);
            expect(await popup.locator('#endpoint-line').textContent()).toMatch(/quickest to answer of the 2 listed/);
            // No collector in this build: no reports to speak of.
            expect(await popup.locator('#report-status').isHidden()).toBe(true);
            const outcome = await browser.runTest({ popup, timeoutMs: 120_000 });
            expect(outcome.verdict).toBe('tls-throttled');
            expect(outcome.entry.endpoint.id).toBe('lab-nginx');
            expect(outcome.result.warnings[0]).toMatch(/^server: lab-nginx \(public mirror https:\/\/10.78.0.1\/pub\/small.bin\), chosen by its connection time/);
            expect(outcome.result.warnings.some((w) => /passed over: lab-gone .* was skipped: cannot reach/.test(w))).toBe(true);
            checked = true;
          } finally {
            await browser.close();
          }
        },
      });
      expect(checked).toBe(true);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 240_000);

  it.skipIf(!existsSync(FIREFOX_PATH))('does the same in Firefox', async () => {
    const work = await mkdtemp(join(tmpdir(), 'ttd-mirror-ff-'));
    try {
      const extensionDir = await labBuild(work);
      let outcome: { intro: string; verdict: string; entry: { endpoint: { id: string }; result: { warnings: string[] } } } | undefined;
      await runMirrorScenario(MIRROR_SCENARIOS.find((s) => s.id === 'mir-port')!, 'nginx', {
        runs: 1,
        cli: false,
        probe: false,
        client: async ({ caPath }) => {
          const r = spawnSync(
            'ip',
            ['netns', 'exec', MNS.cli, process.execPath, '--import', 'tsx', 'test/lab/mirror/firefox-first-run.ts', extensionDir, caPath, `http://${MADDR.srv}/pub/`],
            { encoding: 'utf8', timeout: 180_000 },
          );
          if (r.status !== 0) throw new Error(`Firefox run failed (${r.status}): ${r.stderr.slice(-600)}`);
          outcome = JSON.parse(r.stdout.trim().split('\n').pop()!);
        },
      });
      expect(outcome?.intro).toMatch(/^A test downloads the same file/);
      expect(outcome?.verdict).toBe('tls-throttled');
      expect(outcome?.entry.endpoint.id).toBe('lab-nginx');
      expect(outcome?.entry.result.warnings.some((w) => /passed over: lab-gone/.test(w))).toBe(true);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 300_000);
});
