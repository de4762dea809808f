// The public page in real Chromium: the per-network table and the weekly chart from the
// aggregates, a network name with markup in it shown as text, no request to anywhere else.
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleReport } from '../../support/report-fixtures.js';
import { startTestCollector, type TestCollector } from './harness.js';

let c: TestCollector;
let browser: Browser;
beforeAll(async () => {
  c = await startTestCollector('sqlite');
  const hour = `${new Date().toISOString().slice(0, 13)}:00:00Z`;
  const rows = [
    ...Array.from({ length: 6 }, (_, i) => ({ receivedHour: hour, asn: 64501, network: '<img src=x onerror=alert(1)>Net', country: 'CA', report: sampleReport(i < 2 ? 'tls-throttled' : i < 3 ? 'sni-throttled' : 'no-difference') })),
    ...Array.from({ length: 4 }, () => ({ receivedHour: hour, asn: 64502, network: 'Too Few', country: 'DE', report: sampleReport() })),
  ];
  await c.collector.store.insertMany(rows);
  browser = await chromium.launch({ executablePath: '/usr/lib/chromium/chromium', args: ['--no-sandbox', '--disable-gpu'] });
});
afterAll(async () => {
  await browser?.close();
  await c.close();
});

describe('public aggregates page', () => {
  it('shows each network with enough reports, its share of TLS throttled, and a chart', async () => {
    const page = await browser.newPage();
    const foreign: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(`http://127.0.0.1:${c.port}/`)) foreign.push(r.url());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (d) => {
      errors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(`http://127.0.0.1:${c.port}/v1/`);
    await page.locator('#networks tbody tr').first().waitFor();
    const rows = await page.locator('#networks tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    // Throttled by name has its own column, so "other" stays what it says.
    expect(rows).toEqual([['AS64501 <img src=x onerror=alert(1)>Net', 'CA', '6', '33.3%', '16.7%', '50.0%', '0.0%', '0.0%']]);
    if (process.env.TTD_PAGE_SHOT) await page.screenshot({ path: process.env.TTD_PAGE_SHOT, fullPage: true });
    expect(await page.locator('#networks img').count()).toBe(0);
    expect(await page.locator('#chart svg polyline').count()).toBe(1);
    expect([foreign, errors]).toEqual([[], []]);
    await page.close();
  });
});
