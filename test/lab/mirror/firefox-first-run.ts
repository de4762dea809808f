// The first click in Firefox, run inside mir-cli as a whole (puppeteer talks to Firefox over a
// loopback WebSocket, which does not cross network namespaces): install the given build in a
// fresh profile, open the popup, click "Run test", print the popup's first-run text and the
// outcome as one JSON line.
//   ip netns exec mir-cli node --import tsx test/lab/mirror/firefox-first-run.ts <extension-dir> <ca.pem> <launch-page-url>
import { FirefoxExtension } from '../../e2e/support/firefox-browser.js';

async function main(extensionDir: string, caPath: string, launchPageUrl: string): Promise<void> {
  const ff = await FirefoxExtension.launch({ caPath, launchPageUrl, extensionDir });
  try {
    const popup = await ff.open('popup.html');
    const intro = await popup.$eval('#intro', (e) => e.textContent ?? '');
    const { verdict, entry } = await ff.runTest(120_000);
    process.stdout.write(`${JSON.stringify({ intro, verdict, entry })}\n`);
  } finally {
    await ff.close();
  }
}

const [dir, ca, page] = process.argv.slice(2);
main(dir!, ca!, page!).catch((err: unknown) => {
  process.stderr.write(`firefox first run failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
