// The first click of a fresh install, through a mirror: the extension built with a server list
// naming only the mirror lab's servers (an endpoint that refuses connections, and nginx's
// 96 MiB file), packaged by scripts/package.mjs, and installed from the packages as a user
// would: the Chrome zip unpacked in a fresh Chromium profile, the Firefox zip installed from the
// file in a fresh Firefox profile, both inside mir-cli. No page is visited but the popup; the
// first click on "Run test" measures the mirror in byte ranges (src/core/mirror) and must find
// port 443's cap.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH } from '../../e2e/support/extension-browser.js';
import { FIREFOX_PATH } from '../../e2e/support/firefox-browser.js';
import { isRoot } from '../lab-net.js';
import { firstClickInChromium, firstClickInFirefox, labExtensionPackages, type FirefoxFirstClick, type LabPackages } from './mirror-extension-run.js';
import { MIRROR_SCENARIOS, runMirrorScenario } from './mirror-scenarios.js';
import type { Note } from '../../../src/core/notes.js';
import { noteText } from '../../../src/cli/note-text.js';

/** The notes as the CLI words them. */
const said = (notes: Note[]) => notes.map(noteText);

const haveUnzip = spawnSync('unzip', ['-v'], { stdio: 'ignore' }).status === 0;
const skipReason = !isRoot()
  ? ' (skipped: needs root for network namespaces and tc)'
  : !existsSync(CHROMIUM_PATH) || !existsSync('/usr/sbin/nginx') || !haveUnzip
    ? ' (skipped: needs chromium, nginx-light and unzip)'
    : '';

const port443 = MIRROR_SCENARIOS.find((s) => s.id === 'mir-port')!;

describe.skipIf(!!skipReason)(`first run from the packaged extension through a mirror${skipReason}`, () => {
  let work = '';
  let packages: LabPackages;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'ttd-mirror-ext-'));
    packages = await labExtensionPackages(work);
  }, 120_000);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('Chromium, the Chrome zip: measures against the list\'s usable mirror on the first click, naming it and the server passed over', async () => {
    let checked = false;
    await runMirrorScenario(port443, 'nginx', {
      runs: 1,
      cli: false,
      probe: false,
      client: async ({ caPath, dir }) => {
        const click = await firstClickInChromium(packages.chromeDir, caPath, dir);
        expect(click.intro).toMatch(/^A test downloads the same file .* at most 120 seconds and uses at most 60 MB/);
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
  }, 240_000);

  it.skipIf(!existsSync(FIREFOX_PATH))('Firefox, the Firefox zip: the same', async () => {
    let click: FirefoxFirstClick | undefined;
    await runMirrorScenario(port443, 'nginx', {
      runs: 1,
      cli: false,
      probe: false,
      client: async ({ caPath }) => {
        click = await firstClickInFirefox(packages.firefoxZip, caPath);
      },
    });
    // A fresh tab, then the popup: no web page before the click.
    expect(click?.pagesBefore.map((u) => u.replace(/^moz-extension:\/\/[^/]+/, 'moz-extension://'))).toEqual(['about:blank', 'moz-extension:///popup.html']);
    expect(click?.intro).toMatch(/^A test downloads the same file .* at most 120 seconds and uses at most 60 MB/);
    expect(click?.endpointLine).toMatch(/quickest to answer of the 2 listed/);
    expect(click?.reportsHidden).toBe(true);
    expect(click?.verdict).toBe('tls-throttled');
    expect(click?.entry.endpoint.id).toBe('lab-mirror');
    expect(said((click?.entry.result.warnings ?? []) as unknown as Note[]).some((w) => /passed over: lab-gone .* was skipped/.test(w))).toBe(true);
  }, 300_000);
});
