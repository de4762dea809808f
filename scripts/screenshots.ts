// npm run screenshots: the built extension (dist/extension) in headless Chromium, taken
// through every state a user can meet, each written as a PNG under docs/screenshots/ to be
// looked at (and the main ones shown in the README). Stored results are seeded as
// test/e2e/support/seed-history.ts does; a running test is shown by broadcasting its state as
// the background does. Nothing here measures anything: no network is used.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { ExtensionBrowser } from '../test/e2e/support/extension-browser.js';
import {
  broadcastState,
  FAST_LINE,
  historyEntry,
  NOTE_STATES,
  runningState,
  setHistory,
  sniZoneResult,
  OVER_QUIC,
  STATES,
  twentyResults,
  type NoteStateName,
  type StateName,
} from '../test/e2e/support/popup-states.js';
import { startTestEndpoint } from '../test/support/endpoint.js';

const OUT = 'docs/screenshots';
const POPUP_VIEWPORT = { width: 420, height: 1600 };

async function shoot(page: Page, name: string, selector = 'body'): Promise<void> {
  // The card's SVG and fonts settle within a frame; two frames to be sure.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.locator(selector).screenshot({ path: `${OUT}/${name}.png` });
  console.log(`${OUT}/${name}.png`);
}

async function popupWith(browser: ExtensionBrowser, history: ReturnType<typeof twentyResults>, colorScheme: 'light' | 'dark' = 'light', width = POPUP_VIEWPORT.width): Promise<Page> {
  const seeder = await browser.openPage('options.html');
  await setHistory(seeder, history);
  await seeder.close();
  const page = await browser.context.newPage();
  await page.setViewportSize({ ...POPUP_VIEWPORT, width });
  await page.emulateMedia({ colorScheme });
  await page.goto(browser.url('popup.html'));
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

async function englishStates(browser: ExtensionBrowser): Promise<void> {
  let page = await popupWith(browser, []);
  await shoot(page, 'first-open');
  await page.close();

  for (const name of Object.keys(STATES) as StateName[]) {
    page = await popupWith(browser, [historyEntry(0, STATES[name])]);
    await shoot(page, `verdict-${name}`);
    await page.close();
  }

  await noteStates(browser, 'en');
  await noteStates(browser, 'en', 'dark');

  page = await popupWith(browser, [historyEntry(0, OVER_QUIC)], 'light', 360);
  await page.waitForSelector('#next-steps:not([hidden])');
  await shoot(page, 'verdict-over-quic');
  await page.close();

  page = await popupWith(browser, [historyEntry(0, FAST_LINE)]);
  await page.waitForSelector('#fast-line-cost:not([hidden])');
  await shoot(page, 'fast-line-cost');
  await page.close();
  page = await popupWith(browser, [historyEntry(0, NOTE_STATES['path-plan'])]);
  await page.waitForSelector('#fast-line-cost:not([hidden])');
  await shoot(page, 'fast-line-cost-long-path');
  await page.close();

  // An upload finding after a download finding: the card, the chart and the table row show the uploads.
  page = await popupWith(browser, [historyEntry(0, STATES['tls-throttled']), historyEntry(1, NOTE_STATES['upload-finding'])], 'light', 360);
  await shoot(page, 'history-upload-finding');
  await page.close();
  page = await popupWith(browser, [historyEntry(0, STATES['tls-throttled']), historyEntry(1, NOTE_STATES['upload-finding'])], 'dark', 360);
  await shoot(page, 'history-upload-finding-dark');
  await page.close();

  page = await popupWith(browser, twentyResults());
  await shoot(page, 'history-20');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#save-image').click()]);
  await download.saveAs(`${OUT}/share-image.png`);
  console.log(`${OUT}/share-image.png`);
  const sender = await browser.openPage('options.html');
  await broadcastState(sender, runningState(Date.now()));
  await page.waitForSelector('#progress:not([hidden])');
  await shoot(page, 'running');
  const running = runningState(Date.now());
  if (running.status === 'running') {
    await broadcastState(sender, { ...running, progress: { ...running.progress, budgetRaised: { lineMbps: 937, budgetBytes: 172e6, capBytes: 250e6 } } });
    await page.waitForSelector('#progress-budget:not([hidden])');
    await shoot(page, 'running-budget');
  }
  await sender.close();
  await page.close();

  page = await popupWith(browser, twentyResults());
  await page.context().setOffline(true);
  await page.evaluate(() => dispatchEvent(new Event('offline')));
  await page.waitForSelector('#run-blocked:not([hidden])');
  await shoot(page, 'offline');
  await page.context().setOffline(false);
  await page.close();

  page = await popupWith(browser, twentyResults(), 'dark');
  await shoot(page, 'dark');
  await page.close();

  page = await browser.context.newPage();
  await page.setViewportSize({ width: 360, height: 800 });
  await page.goto(browser.url('options.html'));
  await page.waitForSelector('body[data-ready="true"]');
  await page.locator('#run-budget').fill('0');
  await page.locator('#run-budget').dispatchEvent('change');
  await page.locator('#monthly-budget').fill('3000');
  await page.locator('#monthly-budget').dispatchEvent('change');
  await page.waitForSelector('#monthly-budget-status[data-state="ok"]:not(:empty)');
  await page.screenshot({ path: `${OUT}/options-360.png`, fullPage: true });
  console.log(`${OUT}/options-360.png`);
  await page.close();

  page = await browser.context.newPage();
  await page.setViewportSize({ width: 600, height: 800 });
  await page.goto(browser.url('how.html'));
  await page.screenshot({ path: `${OUT}/how.png`, fullPage: true });
  console.log(`${OUT}/how.png`);
  await page.close();
}

/** The cards whose notes a user reads, details open, at Firefox for Android's 360 px. */
async function noteStates(browser: ExtensionBrowser, lang: string, colorScheme: 'light' | 'dark' = 'light'): Promise<void> {
  for (const name of Object.keys(NOTE_STATES) as NoteStateName[]) {
    const page = await popupWith(browser, [historyEntry(0, NOTE_STATES[name])], colorScheme, 360);
    for (const summary of await page.locator('#latest details summary').all()) await summary.click();
    await shoot(page, `notes-${name}-${lang}${colorScheme === 'dark' ? '-dark' : ''}`);
    await page.close();
  }
}

async function localeStates(lang: string): Promise<void> {
  const browser = await ExtensionBrowser.launch({ lang });
  try {
    await noteStates(browser, lang);
    const page = await popupWith(browser, twentyResults());
    await shoot(page, `history-20-${lang}`);
    const sender = await browser.openPage('options.html');
    await broadcastState(sender, runningState(Date.now()));
    await page.waitForSelector('#progress:not([hidden])');
    await shoot(page, `running-${lang}`);
    await sender.close();
    await page.close();
    const options = await browser.context.newPage();
    await options.setViewportSize({ width: 360, height: 800 });
    await options.goto(browser.url('options.html'));
    await options.waitForSelector('body[data-ready="true"]');
    await options.screenshot({ path: `${OUT}/options-360-${lang}.png`, fullPage: true });
    console.log(`${OUT}/options-360-${lang}.png`);
    await options.close();
    const uploads = await popupWith(browser, [historyEntry(0, STATES['tls-throttled']), historyEntry(1, NOTE_STATES['upload-finding'])], 'light', 360);
    await shoot(uploads, `history-upload-finding-${lang}`);
    await uploads.close();
    const single = await popupWith(browser, [historyEntry(0, STATES.inconclusive)]);
    await shoot(single, `verdict-inconclusive-${lang}`);
    await single.close();
    // A failed run's card: a translated sentence around the error's English detail.
    const failed = await popupWith(browser, [historyEntry(0, OVER_QUIC)], 'light', 360);
    await failed.waitForSelector('#next-steps:not([hidden])');
    await shoot(failed, `verdict-over-quic-${lang}`);
    await failed.close();
  } finally {
    await browser.close();
  }
}

/**
 * The popup's test by name, opened on an endpoint that serves a wildcard zone: a loopback
 * endpoint answers the one /info the popup asks for (nothing is measured), and the card of a
 * test by name, in English and in Persian (right to left).
 */
async function sniStates(lang: string): Promise<void> {
  const zone = 'sni.ttd.test';
  const endpoint = await startTestEndpoint({ sniZone: zone }, [`*.${zone}`]);
  const browser = await ExtensionBrowser.launch({ lang, caPath: endpoint.caPath });
  const suffix = lang === 'en-US' ? '' : `-${lang}`;
  try {
    // The options page's own form, found by id: its labels are in `lang`.
    const options = await browser.openPage('options.html');
    await options.locator('#endpoint-url').fill(`https://127.0.0.1:${endpoint.tlsPort}/`);
    await options.locator('#add-endpoint').click();
    await options.waitForSelector('#endpoint-status[data-state="ok"]');
    await options.close();
    let page = await popupWith(browser, []);
    await page.locator('#sni-test summary').click();
    await page.waitForSelector('#sni-form:not([hidden])');
    await shoot(page, `sni-test${suffix}`);
    await page.close();
    page = await popupWith(browser, [historyEntry(0, sniZoneResult())]);
    await shoot(page, `verdict-sni-zone${suffix}`);
    await page.close();
  } finally {
    await browser.close();
    await endpoint.close(0);
  }
}

mkdirSync(OUT, { recursive: true });
const only = process.argv.slice(2);
const browser = await ExtensionBrowser.launch({});
try {
  if (!only.length || only.includes('en')) await englishStates(browser);
} finally {
  await browser.close();
}
for (const lang of ['fr', 'fa', 'ru', 'es', 'pt-BR', 'tr', 'zh-CN']) {
  if (only.length ? only.includes(lang) : ['fr', 'fa'].includes(lang)) await localeStates(lang);
}
for (const lang of ['en-US', 'fa', 'ru', 'zh-CN']) {
  if (only.length ? only.includes(`sni-${lang}`) || (lang === 'en-US' && only.includes('sni')) : ['en-US', 'fa'].includes(lang)) await sniStates(lang);
}
writeFileSync(`${OUT}/.gitignore`, '# Regenerated by npm run screenshots; only the README\'s are kept.\n*.png\n!verdict-tls-throttled.png\n!verdict-inconclusive.png\n!history-20.png\n!running.png\n!share-image.png\n!history-20-fa.png\n!sni-test.png\n');
