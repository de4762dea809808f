// The extension in Debian's firefox-esr, headless, installed through WebDriver BiDi. Firefox is
// where the plaintext leg is at risk: its default extension CSP carries
// upgrade-insecure-requests, which would quietly send "plain" transfers over TLS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { FirefoxExtension, haveFirefox } from './support/firefox-browser.js';
import { startPacedLine } from './support/paced-line.js';

const ready = haveFirefox && existsSync('dist/extension/manifest.json');
if (!ready) console.warn('skipping the Firefox e2e: needs /usr/bin/firefox-esr (apt-get install firefox-esr) and a build');

describe.skipIf(!ready)('the extension in headless Firefox', () => {
  let line: Awaited<ReturnType<typeof startPacedLine>>;
  beforeAll(async () => {
    // Uploads paced too: a line shapes both directions, and unpaced loopback uploads run at the
    // processor's speed, where TLS is 5-10x slower than plaintext (as in extension.test.ts).
    line = await startPacedLine({ plainMbps: 20, tlsMbps: 20, plainUploadMbps: 20, tlsUploadMbps: 20 });
  });
  afterAll(async () => {
    await line?.close();
  });

  it('keeps the plaintext leg plaintext on the wire and says no-difference on an even line', async () => {
    const ff = await FirefoxExtension.launch({
      caPath: line.endpoint.caPath,
      launchPageUrl: `http://127.0.0.1:${line.endpoint.plainPort}/info`,
    });
    try {
      await ff.addEndpoint(line.url);
      const plainBefore = line.plainProxy.stats.plainConnections;
      const { verdict, entry } = await ff.runTest(150_000);
      const r = entry.result;
      console.log(`Firefox, 20/20 Mbit/s: ${r.verdict}, ratio ${r.ratio.toFixed(2)}, ${r.rounds} rounds, ${(r.bytesUsed / 1e6).toFixed(1)} MB, ${r.durationMs} ms`);
      expect(verdict, JSON.stringify(entry.result.warnings) + (entry.result.error?.detail ?? '')).toBe('no-difference');
      expect(entry.result.legs.find((l) => l.scheme === 'http')!.transfers.length).toBeGreaterThanOrEqual(6);
      // The shaper reads each connection's first byte: the plain port saw plaintext HTTP, and
      // no TLS handshake at all.
      expect(line.plainProxy.stats.plainConnections).toBeGreaterThan(plainBefore);
      expect(line.plainProxy.stats.tlsConnections).toBe(0);
    } finally {
      await ff.close();
    }
  }, 200_000);

  it('finishes a run after the popup is closed, with the event page idle timeout cut to 8 s', async () => {
    const slow = await startPacedLine({ plainMbps: 20, tlsMbps: 5 });
    const ff = await FirefoxExtension.launch({
      caPath: slow.endpoint.caPath,
      launchPageUrl: `http://127.0.0.1:${slow.endpoint.plainPort}/info`,
      prefs: { 'extensions.background.idle.timeout': 8000 },
    });
    try {
      await ff.addEndpoint(slow.url);
      const popup = await ff.open('popup.html');
      await popup.click('#run');
      await popup.waitForSelector('#progress:not([hidden])');
      // Leave the extension alone (any page of it would keep the background awake) for longer
      // than the run takes on this line (about 20 s), then look.
      await popup.goto(`http://127.0.0.1:${slow.endpoint.plainPort}/info`);
      await new Promise((r) => setTimeout(r, 32_000));
      const again = await ff.open('popup.html');
      await again.waitForSelector('#latest[data-verdict]', { timeout: 30_000 });
      expect(await again.$eval('#latest', (e) => e.getAttribute('data-verdict'))).toBe('tls-throttled');
    } finally {
      await ff.close();
      await slow.close();
    }
  }, 150_000);
});
