// The popup's time to ready with an empty history and with a full one (500 results, the cap):
// navigation start to the popup's data-ready mark, which it sets once the verdict card, the
// history table and the chart are drawn. Headless Chromium with the built extension.
import { ExtensionBrowser } from '../test/e2e/support/extension-browser.js';
import { seedHistory } from '../test/e2e/support/seed-history.js';

const OPENS = 9;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

interface Open {
  totalMs: number;
  /** From the popup's own marks: script start to history read, to history drawn, to ready. */
  readMs: number;
  renderMs: number;
  readyMs: number;
}

async function timeOpens(browser: ExtensionBrowser): Promise<Open[]> {
  const opens: Open[] = [];
  for (let i = 0; i < OPENS; i++) {
    const started = performance.now();
    const page = await browser.openPage('popup.html');
    const totalMs = performance.now() - started;
    const marks = await page.evaluate(() =>
      Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])),
    );
    opens.push({
      totalMs,
      readMs: marks['ttd:history-read']!,
      renderMs: marks['ttd:history-rendered']! - marks['ttd:history-read']!,
      readyMs: marks['ttd:ready']!,
    });
    await page.close();
  }
  return opens;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const browser = await ExtensionBrowser.launch({});
try {
  const rows: string[] = [];
  for (const count of [0, 500]) {
    const page = await browser.openPage('options.html');
    await seedHistory(page, count);
    await page.close();
    const opens = await timeOpens(browser);
    const total = opens.map((o) => o.totalMs).sort((a, b) => a - b);
    const cells = [
      count,
      median(total),
      quantile(total, 0.9),
      median(opens.map((o) => o.readMs)),
      median(opens.map((o) => o.renderMs)),
      median(opens.map((o) => o.readyMs)),
    ];
    rows.push(cells.map((c, i) => c.toFixed(0).padStart(i === 0 ? 7 : 10)).join(''));
  }
  console.log(`Popup ready, ${OPENS} opens each, headless Chromium (ms; read/render/ready from the page's own marks)`);
  console.log(['results', 'median', 'p90', 'read', 'render', 'ready'].map((h, i) => h.padStart(i === 0 ? 7 : 10)).join(''));
  for (const r of rows) console.log(r);
} finally {
  await browser.close();
}
