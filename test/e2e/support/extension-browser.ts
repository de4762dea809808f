// Real headless Chromium with the built extension (dist/extension) loaded, driven through its
// own pages the way a user would: add an endpoint on the options page, click "Run test" in the
// popup, read the verdict off the card's data-verdict. Used by the extension's e2e tests and by
// the throttle lab, which runs it inside network namespaces (so every path, address and
// timeout is a parameter).
//
// TLS is really verified: the endpoint's CA goes into an NSS database under a private $HOME
// ($HOME/.pki/nssdb is where Chromium on Linux reads user-trusted CAs), never
// --ignore-certificate-errors.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
import type { Result } from '../../../src/core/types.js';

export const CHROMIUM_PATH = '/usr/lib/chromium/chromium';

export interface ExtensionBrowserOptions {
  /** The unpacked extension to load; copied first, so a rebuild meanwhile cannot pull it away. */
  extensionDir?: string;
  /** PEM of a CA to trust (the endpoint's development CA). */
  caPath?: string;
  /** Keep the profile here (to restart the browser on the same profile); a temp dir otherwise. */
  userDataDir?: string;
  /**
   * Hosts added to the copy's host_permissions, so adding them asks no permission prompt: a
   * headless browser cannot answer one, and the options page would wait for it forever.
   * The default endpoints' hosts (127.0.0.1 in config/endpoints.json) need none.
   */
  grantHosts?: string[];
  /** Replaces the extension pages' CSP in the copy (to check the plaintext guard). */
  csp?: string;
  executablePath?: string;
  /** Extra environment for the browser process (e.g. in a network namespace). */
  env?: Record<string, string>;
  launchTimeoutMs?: number;
  /** Browser UI language, which picks the extension's _locales (default en-US). */
  lang?: string;
  /** More Chromium switches (e.g. --host-resolver-rules to send test names to a local address). */
  args?: string[];
  /**
   * Leave QUIC (HTTP/3) on. Off by default, so every test's TLS runs over TCP whatever a server
   * advertises; on only where HTTP/3 is the point (test/lab/mirror/mirror-quic.test.ts).
   */
  quic?: boolean;
}

export interface RunOutcome {
  verdict: string;
  runId: string;
  result: Result;
  entry: StoredEntry;
  /** Progress labels seen in the popup while the test ran. */
  progressSeen: string[];
  /** Wall time from the click to the verdict on the card. */
  elapsedMs: number;
}

export interface StoredEntry {
  id: string;
  startedAt: number;
  finishedAt: number;
  endpoint: { id: string; name: string; url: string };
  trigger: 'manual' | 'scheduled';
  result: Result;
}

/** A private HOME whose NSS database trusts `caPath` for TLS servers. */
export function trustingHome(caPath: string | undefined, home = mkdtempSync(join(tmpdir(), 'ttd-home-'))): string {
  const db = join(home, '.pki', 'nssdb');
  mkdirSync(db, { recursive: true });
  if (!existsSync(join(db, 'cert9.db'))) execFileSync('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']);
  if (caPath) execFileSync('certutil', ['-A', '-d', `sql:${db}`, '-n', 'ttd-test-ca', '-t', 'C,,', '-i', caPath]);
  return home;
}

/** Copies the extension to `dir`: an unpacked extension's id follows its path, so a profile
 * reopened later must find it at the same place to keep its storage. */
function prepareExtension(source: string, dir: string, grantHosts: string[], csp?: string): string {
  if (!existsSync(join(source, 'manifest.json'))) {
    throw new Error(`${source} has no manifest.json: run \`node build.mjs\` first`);
  }
  rmSync(dir, { recursive: true, force: true });
  cpSync(source, dir, { recursive: true });
  // Nothing to change: the manifest stays byte for byte as built or packaged.
  if (!grantHosts.length && !csp) return dir;
  const manifestPath = join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    host_permissions?: string[];
    content_security_policy?: { extension_pages: string };
  };
  const extra = grantHosts.flatMap((h) => [`http://${h}/*`, `https://${h}/*`]);
  manifest.host_permissions = [...new Set([...(manifest.host_permissions ?? []), ...extra])];
  if (csp) manifest.content_security_policy = { extension_pages: csp };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  return dir;
}

export class ExtensionBrowser {
  private constructor(
    readonly context: BrowserContext,
    readonly extensionId: string,
    readonly extensionDir: string,
    readonly userDataDir: string,
    private readonly cleanup: string[],
  ) {}

  static async launch(opts: ExtensionBrowserOptions = {}): Promise<ExtensionBrowser> {
    const cleanup: string[] = [];
    const userDataDir = opts.userDataDir ?? mkdtempSync(join(tmpdir(), 'ttd-profile-'));
    if (!opts.userDataDir) cleanup.push(userDataDir);
    const extensionDir = prepareExtension(resolve(opts.extensionDir ?? 'dist/extension'), join(userDataDir, 'extension'), opts.grantHosts ?? [], opts.csp);
    const home = trustingHome(opts.caPath, join(userDataDir, 'home'));
    const lang = opts.lang ?? 'en-US';
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: opts.executablePath ?? CHROMIUM_PATH,
      headless: true,
      timeout: opts.launchTimeoutMs ?? 30_000,
      locale: lang,
      env: { ...process.env, HOME: home, LANGUAGE: lang.replace('-', '_'), ...opts.env } as Record<string, string>,
      args: [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        ...(opts.quic ? [] : ['--disable-quic']),
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--lang=${lang}`,
        `--disable-extensions-except=${extensionDir}`,
        `--load-extension=${extensionDir}`,
        ...(opts.args ?? []),
      ],
    });
    const worker = context.serviceWorkers().find((w) => w.url().endsWith('/background.js'))
      ?? (await context.waitForEvent('serviceworker', { timeout: opts.launchTimeoutMs ?? 30_000 }));
    const extensionId = new URL(worker.url()).host;
    return new ExtensionBrowser(context, extensionId, extensionDir, userDataDir, cleanup);
  }

  url(page: string): string {
    return `chrome-extension://${this.extensionId}/${page}`;
  }

  /** The background's service worker, woken by a message if it was stopped. */
  async worker(timeoutMs = 10_000): Promise<Worker> {
    const live = this.context.serviceWorkers().find((w) => w.url().startsWith(this.url('')));
    if (live) return live;
    const waiting = this.context.waitForEvent('serviceworker', { timeout: timeoutMs });
    const page = await this.openPage('popup.html');
    await page.close();
    return waiting;
  }

  async openPage(path: 'popup.html' | 'options.html', readyTimeoutMs = 10_000): Promise<Page> {
    const page = await this.context.newPage();
    await page.goto(this.url(path));
    await page.waitForSelector('body[data-ready="true"]', { timeout: readyTimeoutMs });
    return page;
  }

  /** Everything in the extension's storage.local, read from one of its pages. */
  async storage(): Promise<Record<string, unknown>> {
    const page = await this.context.newPage();
    try {
      await page.goto(this.url('options.html'));
      return await page.evaluate(() => chrome.storage.local.get(null));
    } finally {
      await page.close();
    }
  }

  async history(): Promise<StoredEntry[]> {
    const { history } = await this.storage();
    return Array.isArray(history) ? (history as StoredEntry[]) : [];
  }

  /** Types the URL into "Endpoint URL" on the options page, clicks Add, waits for the check. */
  async addEndpoint(endpointUrl: string, timeoutMs = 15_000): Promise<string> {
    const page = await this.openPage('options.html');
    try {
      await page.getByLabel('Endpoint URL').fill(endpointUrl);
      await page.getByRole('button', { name: 'Add' }).click();
      const status = page.locator('#endpoint-status');
      await page.waitForSelector('#endpoint-status[data-state="ok"], #endpoint-status[data-state="error"]', { timeout: timeoutMs });
      const text = (await status.textContent()) ?? '';
      if ((await status.getAttribute('data-state')) !== 'ok') throw new Error(`adding ${endpointUrl} failed: ${text}`);
      return text;
    } finally {
      await page.close();
    }
  }

  /** Sets stored settings through the options page's own fields. */
  async setBudgets(opts: { runBudgetMb?: number; monthlyBudgetMb?: number }): Promise<void> {
    const page = await this.openPage('options.html');
    try {
      if (opts.runBudgetMb !== undefined) {
        await page.locator('#run-budget').fill(String(opts.runBudgetMb));
        await page.locator('#run-budget').dispatchEvent('change');
      }
      if (opts.monthlyBudgetMb !== undefined) {
        await page.locator('#monthly-budget').fill(String(opts.monthlyBudgetMb));
        await page.locator('#monthly-budget').dispatchEvent('change');
      }
      await page.waitForFunction(
        async (want) => {
          const { settings } = (await chrome.storage.local.get('settings')) as { settings?: Record<string, number> };
          return Object.entries(want).every(([k, v]) => v === undefined || settings?.[k] === v);
        },
        opts,
        { timeout: 5000 },
      );
    } finally {
      await page.close();
    }
  }

  /**
   * Opens the popup, clicks "Run test", and waits until the verdict card shows a run other
   * than the one it showed before. Returns the card's data-verdict and the stored Result.
   */
  async runTest(opts: { timeoutMs?: number; popup?: Page } = {}): Promise<RunOutcome> {
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const page = opts.popup ?? (await this.openPage('popup.html'));
    try {
      const card = page.locator('#latest');
      const before = (await card.getAttribute('data-run-id')) ?? '';
      const progressSeen: string[] = [];
      await page.exposeFunction('__ttdProgress', (text: string) => progressSeen.push(text)).catch(() => undefined);
      await page.evaluate(() => {
        const label = document.getElementById('progress-label')!;
        new MutationObserver(() => {
          (window as unknown as { __ttdProgress(t: string): void }).__ttdProgress(label.textContent ?? '');
        }).observe(label, { childList: true, characterData: true, subtree: true });
      });
      const startedAt = Date.now();
      await page.getByRole('button', { name: 'Run test' }).click();
      await page.waitForFunction(
        (prev) => {
          const el = document.getElementById('latest');
          return !!el?.dataset.verdict && el.dataset.runId !== prev;
        },
        before,
        { timeout: timeoutMs, polling: 250 },
      );
      const elapsedMs = Date.now() - startedAt;
      const verdict = (await card.getAttribute('data-verdict'))!;
      const runId = (await card.getAttribute('data-run-id'))!;
      const entry = (await this.history()).find((e) => e.id === runId);
      if (!entry) throw new Error(`run ${runId} shows on the card but is not in stored history`);
      return { verdict, runId, result: entry.result, entry, progressSeen, elapsedMs };
    } finally {
      if (!opts.popup) await page.close();
    }
  }

  /**
   * The popup's test by name (popup/sni-test.ts): opens "Test by name", waits for the form
   * (the endpoint's zone read from its /info), ticks the consent, picks `name`, clicks "Test
   * this name", and waits for its verdict on the card. Found by ids, so any locale works.
   */
  async runTestByName(opts: { name?: string; timeoutMs?: number; popup?: Page } = {}): Promise<RunOutcome> {
    const page = opts.popup ?? (await this.openPage('popup.html'));
    try {
      const before = (await page.locator('#latest').getAttribute('data-run-id')) ?? '';
      await page.locator('#sni-test summary').click();
      await page.waitForSelector('#sni-form:not([hidden])', { timeout: 15_000 });
      if (opts.name) await page.locator('#sni-name').selectOption(opts.name);
      await page.locator('#sni-accept').check();
      const startedAt = Date.now();
      await page.locator('#sni-run').click();
      await page.waitForFunction(
        (prev) => {
          const el = document.getElementById('latest');
          return !!el?.dataset.verdict && el.dataset.runId !== prev;
        },
        before,
        { timeout: opts.timeoutMs ?? 120_000, polling: 250 },
      );
      const elapsedMs = Date.now() - startedAt;
      const runId = (await page.locator('#latest').getAttribute('data-run-id'))!;
      const entry = (await this.history()).find((e) => e.id === runId);
      if (!entry) throw new Error(`run ${runId} shows on the card but is not in stored history`);
      return { verdict: (await page.locator('#latest').getAttribute('data-verdict'))!, runId, result: entry.result, entry, progressSeen: [], elapsedMs };
    } finally {
      if (!opts.popup) await page.close();
    }
  }

  async close(opts: { keepProfile?: boolean } = {}): Promise<void> {
    await this.context.close().catch(() => undefined);
    for (const dir of this.cleanup) {
      if (opts.keepProfile && dir === this.userDataDir) continue;
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

export interface ExtensionRunOptions extends ExtensionBrowserOptions {
  endpointUrl: string;
  runBudgetMb?: number;
  addEndpointTimeoutMs?: number;
  runTimeoutMs?: number;
}

/**
 * One whole user session: launch, add the endpoint, run a test, close. For the throttle lab:
 * the endpoint's host is granted up front unless `grantHosts` says otherwise.
 */
export async function runExtensionTest(opts: ExtensionRunOptions): Promise<RunOutcome> {
  const browser = await ExtensionBrowser.launch({ ...opts, grantHosts: opts.grantHosts ?? [new URL(opts.endpointUrl).hostname] });
  try {
    await browser.addEndpoint(opts.endpointUrl, opts.addEndpointTimeoutMs);
    if (opts.runBudgetMb !== undefined) await browser.setBudgets({ runBudgetMb: opts.runBudgetMb });
    return await browser.runTest({ timeoutMs: opts.runTimeoutMs });
  } finally {
    await browser.close();
  }
}
