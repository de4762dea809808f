// The extension's test by name in Debian's firefox-esr, headless: the same user path as
// sni-zone.test.ts in Chromium (open "Test by name", tick the consent, "Test this name"),
// against a local endpoint serving the wildcard zone sni.ttd.test. Firefox has no
// --host-resolver-rules; its test preference network.dns.native-is-localhost answers every
// name with the loopback address, which is what the named and the random control subdomain
// need. The zone's host permission is granted up front in the test's manifest copy: a
// headless browser cannot answer the prompt a user sees.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEndpoint } from '../support/endpoint.js';
import { FirefoxExtension, haveFirefox } from './support/firefox-browser.js';
import type { StoredEntry } from './support/extension-browser.js';
import { tlsRequestLog } from './support/tls-request-log.js';

const ready = haveFirefox && existsSync('dist/extension/manifest.json');
if (!ready) console.warn('skipping the Firefox test by name: needs /usr/bin/firefox-esr and a build');

const ZONE = 'sni.ttd.test';
const NAMED = `redirector-googlevideo-com.${ZONE}`;

describe.skipIf(!ready)('the extension tests a listed name under the endpoint\'s wildcard zone, in Firefox', () => {
  let endpoint: Awaited<ReturnType<typeof startTestEndpoint>>;
  const log = tlsRequestLog();

  beforeAll(async () => {
    endpoint = await startTestEndpoint({ sniZone: ZONE, routes: [log.record] }, [`*.${ZONE}`]);
  });
  afterAll(async () => {
    await endpoint?.close(0);
  });

  it('runs the named and the control subdomain interleaved, and names both on the card', async () => {
    const ff = await FirefoxExtension.launch({
      caPath: endpoint.caPath,
      launchPageUrl: `http://127.0.0.1:${endpoint.plainPort}/info`,
      grantHosts: [`https://*.${ZONE}/*`],
      prefs: { 'network.dns.native-is-localhost': true, 'network.trr.mode': 5 },
    });
    try {
      await ff.addEndpoint(`https://127.0.0.1:${endpoint.tlsPort}/`);
      const popup = await ff.open('popup.html');
      await popup.click('#sni-test summary');
      await popup.waitForSelector('#sni-form:not([hidden])', { timeout: 15_000 });
      expect(await popup.$eval('#sni-can', (e) => e.textContent)).toContain(NAMED);
      expect(await popup.$eval('#sni-run', (e) => (e as HTMLButtonElement).disabled)).toBe(true);
      await popup.click('#sni-accept');
      const before = await popup.$eval('#latest', (e) => e.getAttribute('data-run-id') ?? '');
      // Only the test by name's own requests: adding the endpoint checked it by its address.
      log.clear();
      await popup.click('#sni-run');
      await popup.waitForFunction(
        (prev) => {
          const el = document.getElementById('latest');
          return !!el?.dataset.verdict && el.dataset.runId !== prev;
        },
        { timeout: 150_000, polling: 250 },
        before,
      );
      const runId = await popup.$eval('#latest', (e) => e.getAttribute('data-run-id'));
      const history = (await popup.evaluate(async () => {
        const api = (globalThis as unknown as { browser: typeof chrome }).browser;
        return (await api.storage.local.get('history')).history;
      })) as StoredEntry[];
      const r = history.find((e) => e.id === runId)!.result;
      console.log(`Firefox, test by name on loopback: ${r.verdict}, ${r.rounds} rounds, ${(r.bytesUsed / 1e6).toFixed(1)} MB`);
      expect(r.verdict, r.error?.detail).not.toBe('failed');
      expect(r.verdict).not.toBe('sni-throttled');
      expect(r.sni?.name).toBe(NAMED);
      expect(r.sni?.controlName).toMatch(/^[a-z]{26}\.sni\.ttd\.test$/);
      expect(r.comparisons.map((c) => c.id).sort()).toEqual(['screen', 'sni']);
      const payloads = log.transfers();
      expect(new Set(payloads.map((s) => s.servername)), JSON.stringify(payloads.filter((s) => ![NAMED, r.sni!.controlName].includes(s.servername)))).toEqual(
        new Set([NAMED, r.sni!.controlName]),
      );
      const card = await popup.$eval('#latest', (e) => e.textContent ?? '');
      expect(card).toContain(`Compared connections under \u2068${NAMED}\u2069 with connections under the control name \u2068${r.sni!.controlName}\u2069`);
    } finally {
      await ff.close();
    }
  }, 200_000);
});
