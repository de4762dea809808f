// The extension as a fresh install meets the mirror lab: built from a server list naming only
// the lab's servers (one that refuses connections, and the mirror's file), loaded in a fresh
// Chromium profile inside mir-cli (Playwright drives it over a pipe, which crosses namespaces),
// with one click on "Run test" in the popup and no other page visited.
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from '../../../build.mjs';
import { CHROMIUM_PATH, ExtensionBrowser, type RunOutcome } from '../../e2e/support/extension-browser.js';
import { MADDR, MNS } from './mirror-net.js';
import { FILES } from './web-servers.js';

/** Builds the extension with the lab's list into `work`; answers the unpacked directory. */
export async function labExtensionBuild(work: string, file: string = FILES.big.path): Promise<string> {
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
  await build({ outDir: join(work, 'dist'), configFile: config, only: 'dist/extension' });
  return join(work, 'dist', 'extension');
}

export interface FirstClick {
  intro: string;
  endpointLine: string;
  reportsHidden: boolean;
  outcome: RunOutcome;
}

/** One first click in Chromium inside mir-cli; `dir` holds the wrapper script. */
export async function firstClickInChromium(extensionDir: string, caPath: string, dir: string): Promise<FirstClick> {
  const wrapper = join(dir, 'chromium-in-mir-cli.sh');
  await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${MNS.cli} ${CHROMIUM_PATH} "$@"\n`);
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
