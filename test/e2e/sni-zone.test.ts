// The extension's test by name end to end in headless Chromium: a local endpoint that serves
// the wildcard zone sni.ttd.test (a development certificate naming *.sni.ttd.test, trusted
// through the NSS db like every e2e endpoint), Chromium sending every name under the zone to
// 127.0.0.1 (--host-resolver-rules), and the user's path: open "Test by name" in the popup,
// read what it can and cannot show, tick the consent, click "Test this name".
import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteHandler } from '../../src/server/http-util.js';
import { startTestEndpoint } from '../support/endpoint.js';
import { CHROMIUM_PATH, ExtensionBrowser } from './support/extension-browser.js';

const haveBrowser = existsSync(CHROMIUM_PATH) && existsSync('dist/extension/manifest.json');
if (!haveBrowser) console.warn(`skipping the test-by-name e2e: needs ${CHROMIUM_PATH} and a build (node build.mjs)`);

const ZONE = 'sni.ttd.test';
const NAMED = `redirector-googlevideo-com.${ZONE}`;

describe.skipIf(!haveBrowser)('the extension tests a listed name under the endpoint\'s wildcard zone', () => {
  let endpoint: Awaited<ReturnType<typeof startTestEndpoint>>;
  /** The server name of each TLS request's ClientHello and its Host header, as the endpoint saw them. */
  const seen: { servername: string; host: string; path: string }[] = [];
  const record: RouteHandler = async (req: IncomingMessage, _res, ctx) => {
    if (ctx.scheme === 'https') seen.push({ servername: String((req.socket as TLSSocket).servername), host: req.headers.host ?? '', path: ctx.url.pathname });
    return false;
  };

  beforeAll(async () => {
    endpoint = await startTestEndpoint({ sniZone: ZONE, routes: [record] }, [`*.${ZONE}`]);
  });
  afterAll(async () => {
    await endpoint?.close(0);
  });

  it('runs the two subdomains interleaved on the same server and port, with the CLI\'s engine and verdicts', async () => {
    const browser = await ExtensionBrowser.launch({
      caPath: endpoint.caPath,
      // The zone's host permission is granted up front: a headless browser cannot answer a prompt.
      grantHosts: [`*.${ZONE}`],
      args: [`--host-resolver-rules=MAP *.${ZONE} 127.0.0.1`],
    });
    try {
      const url = `https://127.0.0.1:${endpoint.tlsPort}/`;
      await browser.addEndpoint(url);
      await browser.setBudgets({ runBudgetMb: 40 });
      const popup = await browser.openPage('popup.html');
      await popup.getByText("Test by name: is a site's name slowed?").click();
      await popup.waitForSelector('#sni-form:not([hidden])', { timeout: 15_000 });
      // The words above the button name what is sent and what is not tested.
      expect(await popup.locator('#sni-can').textContent()).toContain(NAMED);
      expect(await popup.locator('#sni-cannot').textContent()).toMatch(/cannot send the site's own name, \u2068redirector\.googlevideo\.com\u2069.*not tested/);
      const button = popup.getByRole('button', { name: 'Test this name' });
      expect(await button.isDisabled()).toBe(true);
      await popup.getByLabel(/my internet provider/).check();
      expect(await button.isDisabled()).toBe(false);
      await button.click();
      await popup.waitForFunction(() => !!document.getElementById('latest')?.dataset.verdict, undefined, { timeout: 120_000, polling: 250 });
      const runId = await popup.locator('#latest').getAttribute('data-run-id');
      const entry = (await browser.history()).find((e) => e.id === runId)!;
      const r = entry.result;
      // Unshaped loopback: any measured verdict but a failure or a finding about the name.
      expect(r.verdict, r.error?.detail).not.toBe('failed');
      expect(r.verdict).not.toBe('sni-throttled');
      expect(r.sni?.name).toBe(NAMED);
      expect(r.sni?.controlName).toMatch(/^[a-z]{26}\.sni\.ttd\.test$/);
      const legs = r.legs.filter((l) => l.transfers.length > 0).map((l) => l.id).sort();
      expect(legs).toEqual([`http-${endpoint.plainPort}-down-random`, `https-${endpoint.tlsPort}-down-random-sni-control`, `https-${endpoint.tlsPort}-down-random-sni-name`]);
      expect(r.comparisons.map((c) => c.id).sort()).toEqual(['screen', 'sni']);
      // Each TLS leg's payloads went over connections whose ClientHello named its subdomain.
      const payloads = seen.filter((s) => s.path === '/payload');
      expect(new Set(payloads.map((s) => s.servername))).toEqual(new Set([NAMED, r.sni!.controlName]));
      for (const s of payloads) expect(s.host).toBe(`${s.servername}:${endpoint.tlsPort}`);
      // The card says which names were compared and what was not tested.
      const card = await popup.locator('#latest').textContent();
      expect(card).toContain(`Compared connections under \u2068${NAMED}\u2069 with connections under the control name \u2068${r.sni!.controlName}\u2069`);
      expect(card).toContain('one that matches only the exact name, or its ending, was not tested');
    } finally {
      await browser.close();
    }
  });
});
