// The extension as a fresh install meets the mirror lab: built from a server list naming only
// the lab's servers (one that refuses connections, and the mirror's file), packaged by
// scripts/package.mjs into the zips a store would get, and installed from them: the Chrome zip
// unpacked into a fresh directory and loaded in a fresh Chromium profile inside mir-cli
// (Playwright drives it over a pipe, which crosses namespaces), the Firefox zip installed as a
// temporary add-on from the file (firefox-first-run.ts). One click on "Run test" in the popup,
// and no other page visited.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from '../../../build.mjs';
import { packageExtension } from '../../../scripts/package.mjs';
import { CHROMIUM_PATH, ExtensionBrowser, type RunOutcome, type StoredEntry } from '../../e2e/support/extension-browser.js';
import { MADDR, MNS } from './mirror-net.js';
import { FILES } from './web-servers.js';

export interface LabPackages {
  /** The Chrome zip, unpacked as it is into a directory of its own. */
  chromeDir: string;
  chromeZip: string;
  /** The Firefox zip, installed from the file. */
  firefoxZip: string;
}

/**
 * Builds the extension with the lab's list into `work` and packages it; answers the packages.
 * With `source`, another checkout of the project builds it (bench/mirror-quic.ts measures an
 * older commit so), in a process of its own started there: build.mjs names its entry points
 * relative to the working directory, and under tsx a chdir before the build did not change
 * what esbuild bundled (tsx runs esbuild too, started in this directory).
 */
export async function labExtensionPackages(work: string, file: string = FILES.big.path, source?: string): Promise<LabPackages> {
  const config = join(work, 'endpoints.json');
  await writeFile(
    config,
    JSON.stringify({
      endpoints: [
        { id: 'lab-gone', name: 'An endpoint that is down', url: `https://${MADDR.srv}:9/` },
        { id: 'lab-mirror', kind: 'mirror', name: 'The lab mirror', url: `https://${MADDR.srv}${file}`, source: 'test/lab/mirror' },
      ],
    }),
  );
  const built = { outDir: join(work, 'dist'), configFile: config, only: 'dist/extension' };
  const packaged = { source: join(work, 'dist', 'extension'), out: join(work, 'packages') };
  let zips: { chrome: string; firefox: string };
  if (source) {
    const script = `import { build } from './build.mjs';
      import { packageExtension } from './scripts/package.mjs';
      await build(${JSON.stringify(built)});
      process.stdout.write(JSON.stringify(packageExtension(${JSON.stringify(packaged)})));`;
    zips = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: source, encoding: 'utf8' })) as typeof zips;
  } else {
    await build(built);
    zips = packageExtension(packaged);
  }
  const chromeDir = join(work, 'chrome-unpacked');
  await mkdir(chromeDir, { recursive: true });
  execFileSync('unzip', ['-q', '-o', zips.chrome, '-d', chromeDir]);
  return { chromeDir, chromeZip: zips.chrome, firefoxZip: zips.firefox };
}

export interface FirstClick {
  intro: string;
  endpointLine: string;
  reportsHidden: boolean;
  outcome: RunOutcome;
}

/**
 * One first click in Chromium inside mir-cli; `dir` holds the wrapper script. With `netLogPath`,
 * Chromium writes its net log there (--log-net-log: every HTTP/2 frame's type, stream and
 * error code, and each socket's fate), to tell who cut a transfer off.
 */
export async function firstClickInChromium(extensionDir: string, caPath: string, dir: string, netLogPath?: string): Promise<FirstClick> {
  const wrapper = join(dir, 'chromium-in-mir-cli.sh');
  const netLog = netLogPath ? ` --log-net-log=${netLogPath} --net-log-capture-mode=Default` : '';
  await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${MNS.cli} ${CHROMIUM_PATH}${netLog} "$@"\n`);
  await chmod(wrapper, 0o755);
  const browser = await ExtensionBrowser.launch({ extensionDir, caPath, executablePath: wrapper });
  try {
    const popup = await browser.openPage('popup.html');
    const intro = (await popup.locator('#intro').textContent()) ?? '';
    const endpointLine = (await popup.locator('#endpoint-line').textContent()) ?? '';
    const reportsHidden = await popup.locator('#report-status').isHidden();
    const outcome = await browser.runTest({ popup, timeoutMs: 120_000 });
    return { intro, endpointLine, reportsHidden, outcome };
  } finally {
    await browser.close();
  }
}

/** What firefox-first-run.ts prints: the popup's first-run text and the run as stored. */
export interface FirefoxFirstClick {
  intro: string;
  endpointLine: string;
  reportsHidden: boolean;
  verdict: string;
  entry: StoredEntry;
  /** Pages the tab showed before the click: the popup only. */
  pagesBefore: string[];
}

/** One first click in Firefox, the whole browser inside mir-cli (firefox-first-run.ts). */
export async function firstClickInFirefox(firefoxZip: string, caPath: string, timeoutMs = 180_000, prefs?: Record<string, unknown>): Promise<FirefoxFirstClick> {
  let out: string;
  try {
    ({ stdout: out } = await promisify(execFile)(
      'ip',
      ['netns', 'exec', MNS.cli, process.execPath, '--import', 'tsx', 'test/lab/mirror/firefox-first-run.ts', firefoxZip, caPath, ...(prefs ? [JSON.stringify(prefs)] : [])],
      { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' },
    ));
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    throw new Error(`Firefox first click failed (${e.code ?? 'killed'}): ${(e.stderr ?? String(err)).slice(-600)}`, { cause: err });
  }
  return JSON.parse(out.trim().split('\n').pop()!) as FirefoxFirstClick;
}
