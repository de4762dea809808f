// Anonymous reports end to end: the built extension in real headless Chromium, a
// real endpoint with the collector on its ports (as `tls-throttle serve --collector` mounts
// it), consent given on the options page after its preview, a test run from the popup, then the
// report in the collector's export and, with four more reports from the same network, in its
// aggregates. Loopback stands for one network here: the collector's IP look-up maps it to a
// documentation ASN (RFC 5398), since the real tables know no network for 127.0.0.1.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateReport, type Report } from '../../src/core/report.js';
import { startCollector, type Collector } from '../../src/server/collector/index.js';
import { UNKNOWN_NETWORK, type IpLookup } from '../../src/server/collector/ip-geo.js';
import type { RouteHandler } from '../../src/server/http-util.js';
import { startTestEndpoint } from '../support/endpoint.js';
import { sampleReport } from '../support/report-fixtures.js';
import { httpRequest } from '../server/collector/harness.js';
import { CHROMIUM_PATH, ExtensionBrowser } from './support/extension-browser.js';
import { FirefoxExtension, haveFirefox } from './support/firefox-browser.js';

const haveBrowser = existsSync(CHROMIUM_PATH) && existsSync('dist/extension/manifest.json');
if (!haveBrowser) console.warn(`skipping the reporting e2e: needs ${CHROMIUM_PATH} and a build (node build.mjs)`);

const LOOPBACK_NET = { asn: 64500, network: 'Example Loopback Net', country: 'CA' };
const lookup: IpLookup = (address) => (address === '127.0.0.1' || address === '::ffff:127.0.0.1' ? LOOPBACK_NET : UNKNOWN_NETWORK);

/** An export line: the report without its id (so rows cannot be matched to retries), and its network. */
type ExportRow = Omit<Report, 'reportId'> & { receivedHour: string; asn: number | null; network: string | null; country: string | null };

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(!haveBrowser)('anonymous reports from the extension in headless Chromium and Firefox', () => {
  let collector: Collector;
  let endpoint: Awaited<ReturnType<typeof startTestEndpoint>>;
  let dataDir: string;
  /** While set, the collector answers this status instead of taking reports (an outage). */
  let outageStatus: number | undefined;

  const exported = async (): Promise<ExportRow[]> => {
    const res = await httpRequest(endpoint.plainPort, '/v1/export?format=ndjson');
    expect(res.status).toBe(200);
    return res.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ExportRow);
  };
  const fromExtension = async () => (await exported()).filter((r) => r.client.kind === 'extension');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ttd-e2e-collector-'));
    // This test follows one extension's reports through the collector: the limits a public
    // collector puts on one address (reads, reports per network) and the read snapshots'
    // refresh interval are tested on their own (test/security/server-collector.test.ts).
    collector = await startCollector({
      dataDir,
      log: () => undefined,
      lookup,
      readRateLimit: false,
      networkCeiling: false,
      readCache: { refreshMs: 0, maxStaleMs: 0 },
    });
    const outage: RouteHandler = async (_req, res, ctx) => {
      if (outageStatus === undefined || ctx.url.pathname !== '/v1/reports') return false;
      res.writeHead(outageStatus, { 'access-control-allow-origin': '*', 'content-type': 'application/json' });
      res.end('{"error":"down for the test"}');
      return true;
    };
    endpoint = await startTestEndpoint({ routes: [outage, collector.route] });
  });
  afterAll(async () => {
    await endpoint?.close(0);
    await collector?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** Consent through the options page: collector URL saved, preview checked, box ticked. */
  async function giveConsent(browser: ExtensionBrowser): Promise<Report> {
    const options = await browser.openPage('options.html');
    try {
      await options.getByLabel('Collector URL').fill(`https://127.0.0.1:${endpoint.tlsPort}/v1/reports`);
      await options.getByRole('button', { name: 'Save' }).click();
      await options.waitForFunction(async () => {
        const { reporting } = (await chrome.storage.local.get('reporting')) as { reporting?: { collectorUrl: string | null } };
        return !!reporting?.collectorUrl;
      });
      const preview = JSON.parse((await options.locator('#report-preview').textContent()) ?? '') as unknown;
      const consent = options.getByLabel('Send an anonymous report after each test');
      expect(await consent.isChecked()).toBe(false);
      await consent.check();
      await options.waitForSelector('#reporting-status[data-state="on"]');
      const checked = validateReport(preview);
      if (!checked.ok) throw new Error(`the preview is not a valid report: ${checked.issues.join('; ')}`);
      return checked.report;
    } finally {
      await options.close();
    }
  }

  it('sends nothing before consent, then the consented test reaches the collector and, with 4 more from its network, the aggregates', async () => {
    const browser = await ExtensionBrowser.launch({ caPath: endpoint.caPath });
    try {
      await browser.addEndpoint(`https://127.0.0.1:${endpoint.tlsPort}/`);
      await browser.setBudgets({ runBudgetMb: 20 });
      const unconsented = await browser.runTest({ timeoutMs: 90_000 });
      expect(unconsented.verdict, unconsented.result.error?.detail).not.toBe('failed');

      const preview = await giveConsent(browser);
      // The preview is the newest test's report: the run it shows is the one just made.
      expect(preview).toMatchObject({ verdict: unconsented.verdict, endpoint: 'custom', trigger: 'manual', rounds: unconsented.result.rounds });
      expect(await fromExtension()).toEqual([]);

      // Four reports from the command line on the same network: with the extension's, a group of 5.
      for (let i = 0; i < 4; i++) {
        const res = await httpRequest(endpoint.plainPort, '/v1/reports', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(sampleReport('no-difference', { client: { kind: 'cli', version: '0.1.0', browser: null, os: 'linux' } })),
        });
        expect(res.status).toBe(201);
      }

      const startedAt = Date.now();
      const run = await browser.runTest({ timeoutMs: 90_000 });
      const [row] = await waitFor('the report in the export', 30_000, async () => {
        const rows = await fromExtension();
        return rows.length ? rows : undefined;
      });
      const arrivedMs = Date.now() - startedAt;
      const report = row!;
      expect(report).toMatchObject({
        verdict: run.verdict,
        trigger: 'manual',
        endpoint: 'custom',
        rounds: run.result.rounds,
        client: { kind: 'extension', os: 'linux' },
      });
      expect(['chromium', 'chrome']).toContain(report.client.browser?.family);
      expect(row!.asn).toBe(LOOPBACK_NET.asn);

      const popup = await browser.openPage('popup.html');
      await popup.waitForSelector('#report-status[data-sent="1"][data-pending="0"]', { timeout: 10_000 });
      // What the popup lists as sent is what the collector has, field for field.
      const stored = (await browser.storage()).reportQueue as { sent: { report: Report }[] };
      expect(stored.sent).toHaveLength(1);
      const { reportId: _id, ...sent } = stored.sent[0]!.report;
      expect(report).toMatchObject(sent);

      const aggregates = (await httpRequest(endpoint.plainPort, '/v1/aggregates?window=all&days=2')).json() as {
        groups: { asn: number | null; reports: number; verdicts: Record<string, { count: number }> }[];
      };
      const group = aggregates.groups.find((g) => g.asn === LOOPBACK_NET.asn);
      expect(group?.reports).toBe(5);
      expect(group!.verdicts[run.verdict]!.count).toBeGreaterThanOrEqual(1);
      console.log(
        `reporting e2e: run ${run.elapsedMs} ms (${run.verdict}), report in the export ${arrivedMs} ms after the click, ${group!.reports} reports in the aggregate of AS${LOOPBACK_NET.asn}`,
      );

      // Withdrawn: the next test sends nothing.
      const options = await browser.openPage('options.html');
      await options.getByLabel('Send an anonymous report after each test').uncheck();
      await options.waitForSelector('#reporting-status[data-state="off"]');
      await options.close();
      await browser.runTest({ timeoutMs: 90_000, popup });
      await new Promise((r) => setTimeout(r, 2000));
      expect(await fromExtension()).toHaveLength(1);
      expect(await popup.locator('#report-status').getAttribute('data-pending')).toBe('0');
    } finally {
      await browser.close();
    }
  }, 300_000);

  it('keeps a report through a collector outage and a browser restart, then delivers it', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'ttd-e2e-profile-'));
    const before = (await fromExtension()).length;
    try {
      let browser = await ExtensionBrowser.launch({ caPath: endpoint.caPath, userDataDir: profile });
      await browser.addEndpoint(`https://127.0.0.1:${endpoint.tlsPort}/`);
      await browser.setBudgets({ runBudgetMb: 20 });
      await giveConsent(browser);
      outageStatus = 503;
      const popup = await browser.openPage('popup.html');
      await browser.runTest({ timeoutMs: 90_000, popup });
      await popup.waitForSelector('#report-status[data-pending="1"]', { timeout: 10_000 });
      expect(await popup.locator('#report-status').textContent()).toContain('the collector answered 503');
      await browser.close({ keepProfile: true });

      outageStatus = undefined;
      const relaunchedAt = Date.now();
      browser = await ExtensionBrowser.launch({ caPath: endpoint.caPath, userDataDir: profile });
      try {
        await waitFor('the queued report after the restart', 60_000, async () => ((await fromExtension()).length > before ? true : undefined));
        console.log(`reporting e2e: queued report delivered ${Date.now() - relaunchedAt} ms after the browser restarted`);
        const reopened = await browser.openPage('popup.html');
        await reopened.waitForSelector('#report-status[data-sent="1"][data-pending="0"]', { timeout: 10_000 });
      } finally {
        await browser.close();
      }
    } finally {
      outageStatus = undefined;
      rmSync(profile, { recursive: true, force: true });
    }
  }, 300_000);
  it('forgets a waiting report when consent is withdrawn: it never arrives after the outage ends', async () => {
    const browser = await ExtensionBrowser.launch({ caPath: endpoint.caPath });
    const before = (await fromExtension()).length;
    try {
      await browser.addEndpoint(`https://127.0.0.1:${endpoint.tlsPort}/`);
      await browser.setBudgets({ runBudgetMb: 20 });
      await giveConsent(browser);
      outageStatus = 503;
      const popup = await browser.openPage('popup.html');
      await browser.runTest({ timeoutMs: 90_000, popup });
      await popup.waitForSelector('#report-status[data-pending="1"]', { timeout: 10_000 });
      const options = await browser.openPage('options.html');
      await options.getByLabel('Send an anonymous report after each test').uncheck();
      await popup.waitForSelector('#report-status[data-pending="0"][data-consent="false"]', { timeout: 10_000 });
      outageStatus = undefined;
      // Past both quick retries (2 s and 10 s after the first try), had the report still waited.
      await new Promise((r) => setTimeout(r, 13_000));
      expect(await fromExtension()).toHaveLength(before);
      expect(await popup.locator('#report-status').textContent()).toBe('Anonymous reports are off.');
    } finally {
      outageStatus = undefined;
      await browser.close();
    }
  }, 120_000);

  // Firefox asks for its own data-transmission permission when reporting is turned on. A
  // headless Firefox cannot show that prompt; extensions.webextOptionalPermissionPrompts=false
  // grants optional permission requests as a click on "Allow" would.
  it.skipIf(!haveFirefox)('in Firefox, asks for its data-collection permission with consent, reports, and gives it back on withdrawal', async () => {
    const ff = await FirefoxExtension.launch({
      caPath: endpoint.caPath,
      launchPageUrl: `http://127.0.0.1:${endpoint.plainPort}/info`,
      prefs: { 'extensions.webextOptionalPermissionPrompts': false },
    });
    const granted = () =>
      ff.page.evaluate(async () => {
        const api = (globalThis as unknown as { browser: typeof chrome }).browser;
        return ((await api.permissions.getAll()) as { data_collection?: string[] }).data_collection ?? [];
      });
    try {
      await ff.addEndpoint(`https://127.0.0.1:${endpoint.tlsPort}/`);
      const page = await ff.open('options.html');
      await page.$eval('#run-budget', (input) => {
        (input as HTMLInputElement).value = '20';
        input.dispatchEvent(new Event('change'));
      });
      await page.type('#collector-url', `https://127.0.0.1:${endpoint.tlsPort}/v1/reports`);
      await page.click('#save-collector');
      expect(await granted()).toEqual([]);
      await page.click('#report-consent');
      await page.waitForSelector('#reporting-status[data-state="on"]', { timeout: 10_000 });
      expect(await granted()).toEqual(['technicalAndInteraction']);

      // Withdrawn other than by the switch (about:addons does it from outside): the open page
      // turns the switch off and says why, and so does a page opened afterwards.
      const consentShown = () => page.$eval('#report-consent', (c) => (c as HTMLInputElement).checked);
      await page.evaluate(async () => {
        const api = (globalThis as unknown as { browser: typeof chrome }).browser;
        await api.permissions.remove({ data_collection: ['technicalAndInteraction'] } as chrome.permissions.Permissions);
      });
      await page.waitForSelector('#reporting-status[data-state="error"]', { timeout: 10_000 });
      expect(await consentShown()).toBe(false);
      await ff.open('options.html');
      await page.waitForSelector('#reporting-status[data-state="error"]', { timeout: 10_000 });
      expect(await consentShown()).toBe(false);
      // Ticked again, it asks again.
      await page.click('#report-consent');
      await page.waitForSelector('#reporting-status[data-state="on"]', { timeout: 10_000 });
      expect(await granted()).toEqual(['technicalAndInteraction']);

      const { verdict } = await ff.runTest(120_000);
      const row = await waitFor('the Firefox report in the export', 30_000, async () =>
        (await fromExtension()).find((r) => r.client.browser?.family === 'firefox'),
      );
      expect(row).toMatchObject({ verdict, endpoint: 'custom', client: { kind: 'extension', os: 'linux', browser: { family: 'firefox' } } });

      const options = await ff.open('options.html');
      await options.click('#report-consent');
      await options.waitForSelector('#reporting-status[data-state="off"]', { timeout: 10_000 });
      await expect.poll(granted, { timeout: 5000 }).toEqual([]);
    } finally {
      await ff.close();
    }
  }, 300_000);
});
