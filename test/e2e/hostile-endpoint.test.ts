// The extension in headless Chromium against hostile endpoints on loopback: a run whose /info
// never answers ends as failed at the run's time limit, with its numbers, and the worker is
// free for the next run; a plaintext Via header of escape sequences reaches the popup and
// history short and clean. (The same endpoints, against the CLI: test/security.)
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startHostileEndpoint, type HostileEndpoint } from '../security/hostile-endpoint.js';
import { escapingEndpoint, silentInfo } from '../security/hostile-handlers.js';
import { CONTROL_CHARACTERS } from '../security/run-cli.js';
import { CHROMIUM_PATH, ExtensionBrowser } from './support/extension-browser.js';

const haveBrowser = existsSync(CHROMIUM_PATH) && existsSync('dist/extension/manifest.json');

/** Selects `url` as a custom endpoint and sets the run's time limit, as the options page would store them. */
async function useEndpoint(browser: ExtensionBrowser, url: string, maxRunSeconds: number): Promise<void> {
  const page = await browser.openPage('options.html');
  try {
    await page.evaluate(
      async ({ url, maxRunSeconds }) => {
        const { settings } = (await chrome.storage.local.get('settings')) as { settings?: object };
        const id = `custom:${url}`;
        await chrome.storage.local.set({ settings: { ...settings, customEndpoints: [{ id, name: 'Hostile', url }], selectedEndpointId: id, maxRunSeconds } });
      },
      { url, maxRunSeconds },
    );
  } finally {
    await page.close();
  }
}

describe.skipIf(!haveBrowser)('the extension against a hostile endpoint', () => {
  const endpoints: HostileEndpoint[] = [];
  afterEach(async () => {
    await Promise.all(endpoints.splice(0).map((e) => e.close()));
  });

  it('ends a run whose /info never answers at its time limit, frees the worker, and keeps text clean', async () => {
    const silent = await startHostileEndpoint(silentInfo);
    const escaping = await startHostileEndpoint(escapingEndpoint({ via: true }), undefined, silent.certDir);
    endpoints.push(silent, escaping);
    const browser = await ExtensionBrowser.launch({ caPath: silent.caPath });
    try {
      // 127.0.0.1 is a default endpoint's host: its permission covers every port.
      await useEndpoint(browser, `https://127.0.0.1:${silent.tlsPort}/`, 5);
      const stuck = await browser.runTest({ timeoutMs: 30_000 });
      expect(stuck.verdict).toBe('failed');
      expect(stuck.result.error?.detail).toMatch(/^GET https:\/\/127\.0\.0\.1:\d+\/info: no complete answer within the run's time limit of 5000 ms \(0 bytes received after \d+ ms\)$/);
      expect(stuck.elapsedMs).toBeLessThan(5_000 + 3_000);

      // The worker is free: the next run starts and ends on its own.
      await useEndpoint(browser, `https://127.0.0.1:${escaping.tlsPort}/`, 20);
      const popup = await browser.openPage('popup.html');
      const altered = await browser.runTest({ timeoutMs: 60_000, popup });
      expect(altered.verdict, altered.result.error?.detail).toBe('interfered');
      expect(altered.result.error?.detail).toMatch(/via: 1\.1 isp-proxy x+…\)$/);
      expect(altered.result.error!.detail.length).toBeLessThanOrEqual(500);
      const card = (await popup.locator('#latest').textContent()) ?? '';
      // The card isolates names and URLs it quotes with FSI/PDI pairs of its own (shared/dom.ts
      // isolate, for right-to-left locales): those are ours, the rest must be clean.
      expect(card.replace(/\u2068([^\u2068\u2069]*)\u2069/g, '$1')).not.toMatch(CONTROL_CHARACTERS);
      for (const e of await browser.history()) expect(JSON.stringify(e.result)).not.toMatch(/\\u00(9b|85)|\\u202e/);
      await popup.close();
    } finally {
      await browser.close();
    }
  }, 120_000);
});
