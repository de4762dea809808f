// A fresh install where no listed server is usable: the first "Run test" ends in a failed
// state that says why, server by server, and offers the next step in place (another server,
// M-Lab with its consent text right there, adding one's own), never a dead end.
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from '../../build.mjs';
import { CHROMIUM_PATH, ExtensionBrowser } from './support/extension-browser.js';

describe.skipIf(!existsSync(CHROMIUM_PATH))('the first run when nothing is usable', () => {
  it('says why for each server and offers another server, M-Lab with its consent, or one\'s own', async () => {
    const work = await mkdtemp(join(tmpdir(), 'ttd-first-run-'));
    // A server that is not an endpoint of ours (its /info is a 404): it is skipped, and it sees
    // which User-Agent the extension's requests carry.
    const userAgents: string[] = [];
    const notOurs = createServer((req, res) => {
      userAgents.push(req.headers['user-agent'] ?? '');
      res.writeHead(404).end();
    });
    notOurs.listen(0, '127.0.0.1');
    await once(notOurs, 'listening');
    const notOursPort = (notOurs.address() as { port: number }).port;
    try {
      const config = join(work, 'endpoints.json');
      await writeFile(
        config,
        JSON.stringify({
          endpoints: [
            { id: 'down-endpoint', name: 'An endpoint that is down', url: 'https://127.0.0.1:9/' },
            { id: 'not-ours', name: 'A server that is not an endpoint', url: `http://127.0.0.1:${notOursPort}/` },
            { id: 'down-mirror', kind: 'mirror', name: 'A mirror that is down', url: 'https://127.0.0.1:9/pub/big.iso', source: 'test' },
            { id: 'mlab', kind: 'mlab', name: 'Measurement Lab (M-Lab), nearest server', url: 'https://locate.measurementlab.net/v2/nearest/ndt/ndt7' },
          ],
        }),
      );
      await build({ outDir: join(work, 'dist'), configFile: config, only: 'dist/extension' });
      const browser = await ExtensionBrowser.launch({ extensionDir: join(work, 'dist', 'extension') });
      try {
        const popup = await browser.openPage('popup.html');
        await popup.waitForSelector('body[data-ready="true"]');
        expect(await popup.locator('#intro').isVisible()).toBe(true);
        const outcome = await browser.runTest({ popup, timeoutMs: 60_000 });
        expect(outcome.verdict).toBe('failed');
        expect(outcome.result.error?.detail).toMatch(
          /^no server could be used: down-endpoint .* was skipped: cannot reach .*; not-ours .* was skipped: .*answered HTTP 404; down-mirror .* was skipped: cannot reach/,
        );
        // Chrome replaces the User-Agent an extension's fetch sets with its own (Chromium bug
        // 571722): the project's name cannot reach servers from Chrome.
        expect(userAgents.length).toBeGreaterThan(0);
        expect(userAgents.every((ua) => /Chrome\//.test(ua) && !ua.includes('tls-throttle-detector'))).toBe(true);
        const steps = popup.locator('#next-steps');
        await steps.waitFor({ state: 'visible' });
        // The automatic choice just failed: the list offers each server on its own.
        expect(await popup.locator('#next-server option').allTextContents()).toEqual([
          'An endpoint that is down (127.0.0.1:9)',
          `A server that is not an endpoint (127.0.0.1:${notOursPort})`,
          'A mirror that is down (127.0.0.1:9)',
        ]);
        expect(await popup.locator('#mlab-consent-inline').textContent()).toMatch(/publish.*IP address/);
        expect(await popup.getByRole('button', { name: 'I accept: test with M-Lab' }).count()).toBe(1);
        expect(await popup.getByRole('button', { name: 'Add your own endpoint or mirror in the options' }).count()).toBe(1);
        // One "Run test" button still: the next steps' buttons are named apart from it.
        expect(await popup.getByRole('button', { name: 'Run test' }).count()).toBe(1);
        // This build names no collector: the popup has no reports to speak of.
        expect(await popup.locator('#report-status').isHidden()).toBe(true);
        // M-Lab cannot be selected in the options before its terms are accepted.
        const options = await browser.openPage('options.html');
        await options.waitForSelector('body[data-ready="true"]');
        const mlabRadio = options.locator('input[name="endpoint"][value="mlab"]');
        expect(await mlabRadio.isDisabled()).toBe(true);
        expect(await options.locator('#reporting-section').isHidden()).toBe(true);
      } finally {
        await browser.close();
      }
    } finally {
      notOurs.close();
      await rm(work, { recursive: true, force: true });
    }
  }, 120_000);
});
