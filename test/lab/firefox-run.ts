// One test through the extension in Firefox, run inside a lab's client namespace as a whole:
// puppeteer talks to Firefox over a loopback WebSocket, which does not cross namespaces (as in
// the mirror lab's first click, mirror/firefox-first-run.ts). The extension is installed as the
// e2e tests install it (test/e2e/support/firefox-browser.ts: the Firefox package's background,
// the endpoint's host granted up front, its CA in the profile), not from the packaged zip: the
// zip asks for the lab's host only as an optional permission, which a headless browser cannot
// grant, and Chromium's lab runs load the same build with the same grant (run-scenario.ts).
// The endpoint is added on the options page, "Run test" clicked in the popup; prints the stored
// Result as one JSON line.
//   ip netns exec wan-cli node --import tsx test/lab/firefox-run.ts https://10.79.0.1 <ca.pem> [extension dir]
import { FirefoxExtension } from '../e2e/support/firefox-browser.js';

async function main(endpointUrl: string, caPath: string, extensionDir?: string): Promise<void> {
  // The endpoint's own page over plain HTTP, whence the tab is sent to the extension's pages.
  const ff = await FirefoxExtension.launch({ caPath, launchPageUrl: `http://${new URL(endpointUrl).hostname}/info`, extensionDir });
  try {
    await ff.addEndpoint(endpointUrl);
    const { entry } = await ff.runTest(150_000);
    process.stdout.write(`${JSON.stringify(entry.result)}\n`);
  } finally {
    await ff.close();
  }
}

const [url, ca, dir] = process.argv.slice(2);
main(url!, ca!, dir).catch((err: unknown) => {
  process.stderr.write(`firefox run failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
