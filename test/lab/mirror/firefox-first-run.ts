// The first click in Firefox from the packaged zip, run inside mir-cli as a whole (puppeteer
// talks to Firefox over a loopback WebSocket, which does not cross network namespaces): a fresh
// profile trusting the lab's CA, the zip installed as a temporary add-on from the file as it is
// (WebDriver BiDi webExtension.install), the popup opened in a tab, "Run test" clicked; prints
// the popup's first-run text and the outcome as one JSON line.
//   ip netns exec mir-cli node --import tsx test/lab/mirror/firefox-first-run.ts <firefox.zip> <ca.pem> [<prefs JSON>]
//
// The tab goes straight to moz-extension://…/popup.html, no web page first: BiDi refuses such a
// navigation unless the browser runs with --remote-allow-system-access (Firefox's
// remote/components/RemoteAgent.sys.mjs), a flag of the automation, not of the add-on, whose
// manifest stays as packaged.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Page } from 'puppeteer-core';
import { FIREFOX_PATH } from '../../e2e/support/firefox-browser.js';
import type { StoredEntry } from '../../e2e/support/extension-browser.js';
import type { FirefoxFirstClick } from './mirror-extension-run.js';

const ADDON_ID = 'tls-throttle-detector@tls-throttle.invalid';
/** Fixed through extensions.webextensions.uuids, so the runner knows the moz-extension:// origin. */
const UUID = '5c0e2d7a-8f41-4b6e-9d3a-7e2b1c4f6a90';

/**
 * Navigates the tab to an extension page and waits for its script to say it is ready. The
 * navigation's own promise is not awaited: puppeteer never sees it end for a moz-extension
 * page (the load moves to the extension process), though the page loads.
 */
async function openExtensionPage(page: Page, path: string): Promise<void> {
  page.goto(`moz-extension://${UUID}/${path}`, { timeout: 20_000 }).catch(() => undefined);
  await page.waitForFunction(
    (p) => location.pathname === `/${p}` && document.body?.dataset.ready === 'true',
    { timeout: 20_000, polling: 100 },
    path,
  );
}

async function main(zip: string, caPath: string, prefs: Record<string, unknown>): Promise<void> {
  const profile = mkdtempSync(join(tmpdir(), 'ttd-ff-first-'));
  try {
    execFileSync('certutil', ['-N', '-d', `sql:${profile}`, '--empty-password']);
    execFileSync('certutil', ['-A', '-d', `sql:${profile}`, '-n', 'ttd-lab-ca', '-t', 'C,,', '-i', caPath]);
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX_PATH,
      headless: true,
      userDataDir: profile,
      args: ['--remote-allow-system-access'],
      extraPrefsFirefox: { 'extensions.webextensions.uuids': JSON.stringify({ [ADDON_ID]: UUID }), ...prefs },
    });
    try {
      const installed = await browser.installExtension(resolve(zip));
      if (installed !== ADDON_ID) throw new Error(`installed ${installed}, not ${ADDON_ID}`);
      const page = await browser.newPage();
      const pagesBefore = [page.url()];
      await openExtensionPage(page, 'popup.html');
      pagesBefore.push(await page.evaluate(() => location.href));
      const read = (sel: string) => page.$eval(sel, (e) => e.textContent ?? '');
      const intro = await read('#intro');
      const endpointLine = await read('#endpoint-line');
      const reportsHidden = await page.$eval('#report-status', (e) => Boolean((e as HTMLElement).hidden) || getComputedStyle(e).display === 'none');
      await page.click('#run');
      await page.waitForFunction(() => !!document.getElementById('latest')?.dataset.verdict, { timeout: 150_000, polling: 250 });
      const { verdict, runId } = await page.$eval('#latest', (e) => ({ verdict: e.getAttribute('data-verdict')!, runId: e.getAttribute('data-run-id')! }));
      const history = (await page.evaluate(async () => {
        const api = (globalThis as unknown as { browser: typeof chrome }).browser;
        return (await api.storage.local.get('history')).history;
      })) as StoredEntry[];
      const entry = history.find((e) => e.id === runId);
      if (!entry) throw new Error(`run ${runId} is on the card but not in stored history`);
      const click: FirefoxFirstClick = { intro, endpointLine, reportsHidden, verdict, entry, pagesBefore };
      process.stdout.write(`${JSON.stringify(click)}\n`);
    } finally {
      await browser.close().catch(() => undefined);
    }
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

const [zip, ca, prefs] = process.argv.slice(2);
main(zip!, ca!, prefs ? (JSON.parse(prefs) as Record<string, unknown>) : {}).catch((err: unknown) => {
  process.stderr.write(`firefox first run failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
