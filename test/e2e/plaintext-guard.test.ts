// The plaintext leg must stay plaintext. Browsers never upgrade loopback, so this runs against
// an endpoint in a network namespace (10.79.0.2), where Firefox does apply an extension CSP's
// upgrade-insecure-requests. Needs root for ip netns; skipped otherwise.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, ExtensionBrowser } from './support/extension-browser.js';
import { FirefoxExtension, haveFirefox } from './support/firefox-browser.js';
import { canUseNetns, startNetnsEndpoint, type NetnsEndpoint } from './support/netns-endpoint.js';

const built = existsSync('dist/extension/manifest.json');
if (!canUseNetns) console.warn('skipping the plaintext guard e2e: it needs root for ip netns');

/** The CSP Firefox gives MV3 extension pages that declare none (MDN, content_security_policy). */
const FIREFOX_DEFAULT_CSP = "script-src 'self'; upgrade-insecure-requests";

describe.skipIf(!canUseNetns || !built)('the plaintext leg off loopback', () => {
  let ep: NetnsEndpoint;
  let url: string;
  let infoUrl: string;
  beforeAll(async () => {
    ep = await startNetnsEndpoint();
    url = `https://${ep.host}:${ep.ports[1]}/`;
    infoUrl = `http://${ep.host}:${ep.ports[0]}/info`;
  });
  afterAll(async () => {
    await ep?.close();
  });

  it.skipIf(!haveFirefox)('stays plaintext in Firefox with the CSP the manifest declares', async () => {
    const ff = await FirefoxExtension.launch({ caPath: ep.caPath, launchPageUrl: infoUrl });
    try {
      await ff.addEndpoint(url);
      const { verdict, entry } = await ff.runTest(90_000);
      expect(verdict, entry.result.error?.detail).not.toBe('failed');
      expect(entry.result.legs.find((l) => l.scheme === 'http')!.transfers.length).toBeGreaterThan(0);
    } finally {
      await ff.close();
    }
  }, 150_000);

  it.skipIf(!haveFirefox)("fails the run, instead of counting TLS as plaintext, under Firefox's default CSP", async () => {
    const ff = await FirefoxExtension.launch({ caPath: ep.caPath, launchPageUrl: infoUrl, csp: FIREFOX_DEFAULT_CSP });
    try {
      await ff.addEndpoint(url);
      const { verdict, entry } = await ff.runTest(90_000);
      expect(verdict).toBe('failed');
      expect(entry.result.error?.detail).toMatch(/the browser upgraded the plaintext leg to TLS/);
      expect(await ff.page.$eval('#progress', (e) => (e as HTMLElement).hidden)).toBe(true);
    } finally {
      await ff.close();
    }
  }, 150_000);

  it.skipIf(!existsSync(CHROMIUM_PATH))('stays plaintext in Chromium', async () => {
    const browser = await ExtensionBrowser.launch({ caPath: ep.caPath, grantHosts: [ep.host] });
    try {
      await browser.addEndpoint(url);
      const run = await browser.runTest({ timeoutMs: 90_000 });
      expect(run.verdict, run.result.error?.detail).not.toBe('failed');
      expect(run.result.legs.find((l) => l.scheme === 'http')!.transfers.length).toBeGreaterThan(0);
    } finally {
      await browser.close();
    }
  }, 150_000);
});
