// The extension's test by name end to end in headless Chromium: a local endpoint that serves
// the wildcard zone sni.ttd.test (a development certificate naming *.sni.ttd.test, trusted
// through the NSS db like every e2e endpoint), Chromium sending every name under the zone to
// 127.0.0.1 (--host-resolver-rules), and the user's path: open "Test by name" in the popup,
// read what it can and cannot show, tick the consent, click "Test this name".
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEndpoint } from '../support/endpoint.js';
import { CHROMIUM_PATH, ExtensionBrowser } from './support/extension-browser.js';
import { historyEntry, setHistory, sniZoneResult } from './support/popup-states.js';
import type { Page } from 'playwright-core';
import { tlsRequestLog } from './support/tls-request-log.js';

const AXE = existsSync('node_modules/axe-core/axe.min.js') ? readFileSync('node_modules/axe-core/axe.min.js', 'utf8') : '';

async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

const overflowPx = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** Adds the endpoint through the options page's form, found by id (its labels follow the locale). */
async function addById(browser: ExtensionBrowser, url: string): Promise<void> {
  const options = await browser.openPage('options.html');
  await options.locator('#endpoint-url').fill(url);
  await options.locator('#add-endpoint').click();
  await options.waitForSelector('#endpoint-status[data-state="ok"]', { timeout: 15_000 });
  await options.close();
}

async function popupAt(browser: ExtensionBrowser, width: number): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height: 900 });
  await page.goto(browser.url('popup.html'));
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

const haveBrowser = existsSync(CHROMIUM_PATH) && existsSync('dist/extension/manifest.json');
if (!haveBrowser) console.warn(`skipping the test-by-name e2e: needs ${CHROMIUM_PATH} and a build (node build.mjs)`);

const ZONE = 'sni.ttd.test';
const NAMED = `redirector-googlevideo-com.${ZONE}`;

describe.skipIf(!haveBrowser)('the extension tests a listed name under the endpoint\'s wildcard zone', () => {
  let endpoint: Awaited<ReturnType<typeof startTestEndpoint>>;
  const log = tlsRequestLog();

  beforeAll(async () => {
    endpoint = await startTestEndpoint({ sniZone: ZONE, routes: [log.record] }, [`*.${ZONE}`]);
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
      // Only the test by name's own requests: adding the endpoint checked it by its address.
      log.clear();
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
      const payloads = log.transfers();
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

  // What the screenshots (npm run screenshots -- sni sni-fa) showed, pinned: the box and the
  // card's lines at the popup's narrowest, long subdomains broken rather than overflowing,
  // Persian right to left, no axe violations; and a server without a zone says so.
  it('lays the box and the card of a test by name out at 360 px, in English and Persian, without overflow or axe violations', async () => {
    for (const lang of ['en-US', 'fa']) {
      const browser = await ExtensionBrowser.launch({ caPath: endpoint.caPath, lang });
      try {
        await addById(browser, `https://127.0.0.1:${endpoint.tlsPort}/`);
        let page = await popupAt(browser, 360);
        await page.locator('#sni-test summary').click();
        await page.waitForSelector('#sni-form:not([hidden])', { timeout: 15_000 });
        expect(await overflowPx(page), lang).toBe(0);
        expect(await axeViolations(page), lang).toEqual([]);
        expect(await page.evaluate(() => document.documentElement.dir)).toBe(lang === 'fa' ? 'rtl' : 'ltr');
        // The consent and the words come before the button, in reading order.
        const order = await page.evaluate(() => ['sni-can', 'sni-cannot', 'sni-accept', 'sni-run'].map((id) => document.getElementById(id)!.getBoundingClientRect().top));
        expect([...order].sort((a, b) => a - b)).toEqual(order);
        await page.close();
        const seeder = await browser.openPage('options.html');
        await setHistory(seeder, [historyEntry(0, sniZoneResult())]);
        await seeder.close();
        page = await popupAt(browser, 360);
        const lines = await page.locator('#latest .sni-scope p').allTextContents();
        expect(lines).toHaveLength(3);
        // The round-by-round chart draws the name tested beside the control and plaintext.
        expect(await page.locator('#transfers-chart .series').count()).toBe(3);
        expect(await page.locator('#transfers-chart .chart-legend li').count()).toBe(3);
        expect(lines[0]).toContain('qhvzkrnbtwpxalmfdoeyjucsig.sni.endpoint.example');
        if (lang === 'en-US') {
          expect(lines[1]).toBe('Median speed under the name: 0.1 Mbit/s; under the control name: 19.4 Mbit/s.');
          // The details name each leg in words, the name's and the control's told apart.
          const details = await page.locator('#latest details').textContent();
          expect(details).toContain('encrypted download (HTTPS, port 443), under the name tested');
          expect(details).toContain('encrypted download (HTTPS, port 443), under the control name');
        }
        expect(await overflowPx(page), lang).toBe(0);
        // A long subdomain is one word: without overflow-wrap it runs out of its paragraph.
        const spill = await page.locator('#latest .sni-scope p').evaluateAll((ps) => ps.map((p) => p.scrollWidth - p.clientWidth));
        expect(spill).toEqual([0, 0, 0]);
        expect(await axeViolations(page), lang).toEqual([]);
        await page.close();
      } finally {
        await browser.close();
      }
    }
  });

  it('says a server without a wildcard zone cannot test names, and offers no button', async () => {
    const plain = await startTestEndpoint();
    const browser = await ExtensionBrowser.launch({ caPath: plain.caPath });
    try {
      await addById(browser, `https://127.0.0.1:${plain.tlsPort}/`);
      const page = await popupAt(browser, 420);
      await page.locator('#sni-test summary').click();
      await expect.poll(() => page.locator('#sni-status').textContent(), { timeout: 15_000 }).toBe('This server cannot test names: its operator has not set up a wildcard name for it.');
      expect(await page.locator('#sni-form').isHidden()).toBe(true);
    } finally {
      await browser.close();
      await plain.close(0);
    }
  });
});
