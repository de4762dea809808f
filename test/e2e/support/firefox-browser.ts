// Debian's firefox-esr, headless, with the built extension installed through WebDriver BiDi's
// webExtension.install (puppeteer-core's installExtension). Two test-only changes to a copy of
// the manifest, both needed by automation, none by users:
//  - background.service_worker is removed, as in the Firefox package (scripts/package.mjs);
//  - popup.html and options.html are web-accessible from the endpoint's origin, because BiDi
//    refuses to navigate a tab to moz-extension:// directly ("not allowed in this context");
//    a page of the endpoint sends the tab there with location.href instead.
// The endpoint's CA goes into the profile's own NSS database (cert9.db), so TLS is verified.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { StoredEntry } from './extension-browser.js';

export const FIREFOX_PATH = '/usr/bin/firefox-esr';
const ADDON_ID = 'tls-throttle-detector@tls-throttle.invalid';
/** Fixed through extensions.webextensions.uuids, so the test knows the moz-extension:// origin. */
const UUID = '3b1d6f4e-2a7c-4c1e-9a57-1f0e8d2b6c11';

export interface FirefoxOptions {
  caPath: string;
  /** An http:// page on the endpoint's host, from which the tab is sent to extension pages. */
  launchPageUrl: string;
  extensionDir?: string;
  /** Replaces the extension pages' CSP in the test copy (to check the run-time guard). */
  csp?: string;
  /** More Firefox preferences (e.g. a shorter background idle timeout). */
  prefs?: Record<string, unknown>;
  /** More host permissions granted up front (match patterns), e.g. an endpoint's wildcard zone. */
  grantHosts?: string[];
}

export class FirefoxExtension {
  private constructor(
    private readonly browser: Browser,
    readonly page: Page,
    private readonly launchPageUrl: string,
    private readonly dirs: string[],
  ) {}

  static async launch(opts: FirefoxOptions): Promise<FirefoxExtension> {
    const profile = mkdtempSync(join(tmpdir(), 'ttd-ff-profile-'));
    const ext = mkdtempSync(join(tmpdir(), 'ttd-ff-ext-'));
    execFileSync('certutil', ['-N', '-d', `sql:${profile}`, '--empty-password']);
    execFileSync('certutil', ['-A', '-d', `sql:${profile}`, '-n', 'ttd-test-ca', '-t', 'C,,', '-i', opts.caPath]);
    cpSync(resolve(opts.extensionDir ?? 'dist/extension'), ext, { recursive: true });
    const manifestPath = join(ext, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    delete manifest.background.service_worker;
    const host = new URL(opts.launchPageUrl).hostname;
    // The endpoint's host is granted up front: a headless browser cannot answer a prompt.
    manifest.host_permissions = [...new Set([...(manifest.host_permissions ?? []), `http://${host}/*`, `https://${host}/*`, ...(opts.grantHosts ?? [])])];
    manifest.web_accessible_resources = [{ resources: ['popup.html', 'options.html'], matches: [`http://${host}/*`] }];
    if (opts.csp) manifest.content_security_policy = { extension_pages: opts.csp };
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX_PATH,
      headless: true,
      userDataDir: profile,
      extraPrefsFirefox: { 'extensions.webextensions.uuids': JSON.stringify({ [ADDON_ID]: UUID }), ...opts.prefs },
    });
    try {
      await browser.installExtension(ext);
      const page = await browser.newPage();
      return new FirefoxExtension(browser, page, opts.launchPageUrl, [profile, ext]);
    } catch (err) {
      await browser.close();
      throw err;
    }
  }

  /** Sends the tab to an extension page and waits until its script says it is ready. */
  async open(path: 'popup.html' | 'options.html'): Promise<Page> {
    await this.page.goto(this.launchPageUrl);
    await this.page.evaluate((u) => {
      location.href = u;
    }, `moz-extension://${UUID}/${path}`);
    await this.page.waitForFunction(
      (p) => location.pathname === `/${p}` && document.body?.dataset.ready === 'true',
      { timeout: 15_000, polling: 100 },
      path,
    );
    return this.page;
  }

  async addEndpoint(url: string): Promise<string> {
    const page = await this.open('options.html');
    await page.type('#endpoint-url', url);
    await page.click('#add-endpoint');
    await page.waitForSelector('#endpoint-status[data-state="ok"], #endpoint-status[data-state="error"]', { timeout: 15_000 });
    const text = await page.$eval('#endpoint-status', (e) => `${e.getAttribute('data-state')}: ${e.textContent}`);
    if (!text.startsWith('ok')) throw new Error(`adding ${url} in Firefox failed: ${text}`);
    return text;
  }

  async runTest(timeoutMs = 120_000): Promise<{ verdict: string; entry: StoredEntry }> {
    const page = await this.open('popup.html');
    const before = await page.$eval('#latest', (e) => e.getAttribute('data-run-id') ?? '');
    await page.click('#run');
    await page.waitForFunction(
      (prev) => {
        const el = document.getElementById('latest');
        return !!el?.dataset.verdict && el.dataset.runId !== prev;
      },
      { timeout: timeoutMs, polling: 250 },
      before,
    );
    const { verdict, runId } = await page.$eval('#latest', (e) => ({
      verdict: e.getAttribute('data-verdict')!,
      runId: e.getAttribute('data-run-id')!,
    }));
    const history = (await page.evaluate(async () => {
      const api = (globalThis as unknown as { browser: typeof chrome }).browser;
      return (await api.storage.local.get('history')).history;
    })) as StoredEntry[];
    const entry = history.find((e) => e.id === runId);
    if (!entry) throw new Error(`run ${runId} is on the card but not in stored history`);
    return { verdict, entry };
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}

export const haveFirefox = existsSync(FIREFOX_PATH);
