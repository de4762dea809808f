// The ws:// leg of an M-Lab test must stay plaintext: Firefox's default extension CSP
// carries upgrade-insecure-requests, which would open it as wss:// and compare TLS with TLS.
// Browsers never upgrade loopback, so the ndt7 server runs in a network namespace (10.79.1.2),
// behind a line of a fast home's rate (support/netns-mlab.ts says why).
// With the manifest's CSP the leg stays ws://; with Firefox's default CSP the run fails and
// says why, instead of reporting a comparison it did not make. Needs root for ip netns.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FirefoxExtension, haveFirefox } from './support/firefox-browser.js';
import { canUseNetns } from './support/netns-endpoint.js';
import { LINE_MBIT, startNetnsMlab, type NetnsMlab } from './support/netns-mlab.js';

const built = existsSync('dist/extension/manifest.json');
if (!canUseNetns) console.warn('skipping the M-Lab plaintext guard e2e: it needs root for ip netns');

/** The CSP Firefox gives MV3 extension pages that declare none (MDN, content_security_policy). */
const FIREFOX_DEFAULT_CSP = "script-src 'self'; upgrade-insecure-requests";

describe.skipIf(!canUseNetns || !built || !haveFirefox)('the ws:// leg of an M-Lab test off loopback, in Firefox', () => {
  let mlab: NetnsMlab;
  beforeAll(async () => {
    mlab = await startNetnsMlab();
  });
  afterAll(async () => {
    await mlab?.close();
  });

  /**
   * Points the extension at the relayed locate server and gives consent on the options page.
   * The budget leaves room for rounds whatever Firefox's late Closes are estimated to cost
   * (src/core/ndt7/subtest.ts, unseenAfterClose): what is tested is the scheme.
   */
  async function consentAndRun(ff: FirefoxExtension) {
    const options = await ff.open('options.html');
    await options.evaluate(async (locateUrl) => {
      const api = (globalThis as unknown as { browser: typeof chrome }).browser;
      const { mlab: state, settings } = (await api.storage.local.get(['mlab', 'settings'])) as Record<string, object | undefined>;
      await api.storage.local.set({ mlab: { ...state, locateUrl }, settings: { ...settings, maxRunSeconds: 30, runBudgetMb: 150 } });
    }, mlab.locateUrl);
    await options.click('#mlab-consent');
    await options.waitForSelector('#mlab-status[data-state="on"]', { timeout: 10_000 });
    return ff.runTest(90_000);
  }

  it('stays ws:// with the CSP the manifest declares', async () => {
    const ff = await FirefoxExtension.launch({ caPath: mlab.caPath, launchPageUrl: mlab.launchPageUrl });
    try {
      const { verdict, entry } = await consentAndRun(ff);
      const r = entry.result;
      const slowClose = r.warnings.find((n) => n.code === 'mlab-slow-close');
      console.log(
        `Firefox, M-Lab at ${mlab.host} over a veth at ${LINE_MBIT} Mbit/s: ${verdict}, ${r.rounds} rounds, ${(r.bytesUsed / 1e6).toFixed(1)} MB` +
          `${slowClose ? `, slow close: ${JSON.stringify(slowClose)}` : ''}${r.error ? `, error: ${r.error.detail}` : ''}`,
      );
      expect(verdict, r.error?.detail).not.toBe('failed');
      expect(r.legs.find((l) => l.id.startsWith('ws-'))!.transfers.length).toBeGreaterThan(0);
    } finally {
      await ff.close();
    }
  }, 150_000);

  it("fails the run, instead of counting wss:// as plaintext, under Firefox's default CSP", async () => {
    const ff = await FirefoxExtension.launch({ caPath: mlab.caPath, launchPageUrl: mlab.launchPageUrl, csp: FIREFOX_DEFAULT_CSP });
    try {
      const { verdict, entry } = await consentAndRun(ff);
      console.log(`Firefox, M-Lab under upgrade-insecure-requests: ${verdict}: ${entry.result.error?.detail}`);
      expect(verdict).toBe('failed');
      expect(entry.result.error?.detail).toMatch(/the browser upgraded ws: to wss:/);
    } finally {
      await ff.close();
    }
  }, 150_000);
});
