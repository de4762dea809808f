// The first click of a fresh install, through a mirror: an extension built with a server list
// naming only the mirror lab's servers (an endpoint that refuses connections, and nginx's file),
// in a fresh Chromium profile inside mir-cli, gives a verdict with no page visited but the
// popup. Today's HTTP runner measures the mirror's small file whole (a file URL); the list,
// the choice, the fall-back and the popup are what this test holds to.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATH } from '../../e2e/support/extension-browser.js';
import { FIREFOX_PATH } from '../../e2e/support/firefox-browser.js';
import { isRoot } from '../lab-net.js';
import { MADDR, MNS } from './mirror-net.js';
import { firstClickInChromium, labExtensionBuild } from './mirror-extension-run.js';
import { MIRROR_SCENARIOS, runMirrorScenario } from './mirror-scenarios.js';
import type { Note } from '../../../src/core/notes.js';
import { noteText } from '../../../src/cli/note-text.js';

/** The notes as the CLI words them. */
const said = (notes: Note[]) => notes.map(noteText);


const skipReason = !isRoot()
  ? ' (skipped: needs root for network namespaces and tc)'
  : !existsSync(CHROMIUM_PATH) || !existsSync('/usr/sbin/nginx')
    ? ' (skipped: needs chromium and nginx-light)'
    : '';

describe.skipIf(!!skipReason)(`first run through a mirror${skipReason}`, () => {
  it('measures against the list\'s usable mirror on the first click, naming it and the server passed over', async () => {
    const work = await mkdtemp(join(tmpdir(), 'ttd-mirror-ext-'));
    try {
      const extensionDir = await labExtensionBuild(work);
      const port443 = MIRROR_SCENARIOS.find((s) => s.id === 'mir-port')!;
      let checked = false;
      await runMirrorScenario(port443, 'nginx', {
        runs: 1,
        cli: false,
        probe: false,
        client: async ({ caPath, dir }) => {
          const click = await firstClickInChromium(extensionDir, caPath, dir);
          expect(click.intro).toMatch(/^A test downloads the same file .* at most 60 seconds and uses at most 60 MB/);
          expect(click.endpointLine).toMatch(/quickest to answer of the 2 listed/);
          // No collector in this build: no reports to speak of.
          expect(click.reportsHidden).toBe(true);
          const { outcome } = click;
          expect(outcome.verdict).toBe('tls-throttled');
          expect(outcome.entry.endpoint.id).toBe('lab-mirror');
          expect(said(outcome.result.warnings as unknown as Note[])[0]).toMatch(/^server: lab-mirror \(public mirror https:\/\/10.78.0.1\/pub\/big.bin\), chosen by its connection time/);
          expect(said(outcome.result.warnings).some((w) => /passed over: lab-gone .* was skipped: cannot reach/.test(w))).toBe(true);
          checked = true;
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
      const extensionDir = await labExtensionBuild(work);
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
      expect(outcome?.entry.endpoint.id).toBe('lab-mirror');
      expect(said((outcome?.entry.result.warnings ?? []) as unknown as Note[]).some((w) => /passed over: lab-gone/.test(w))).toBe(true);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 300_000);
});
