// `npm run package`'s zips: each holds a manifest its store accepts, and the Chrome one loads
// and works in Chromium as it is.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, ExtensionBrowser } from './support/extension-browser.js';

const haveUnzip = (() => {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const ready = haveUnzip && existsSync(CHROMIUM_PATH) && existsSync('dist/extension/manifest.json');

describe.skipIf(!ready)('scripts/package.mjs', () => {
  it('builds a Chrome zip that loads and a Firefox zip with a background script only', async () => {
    execFileSync(process.execPath, ['scripts/package.mjs'], { stdio: 'pipe' });
    const version = JSON.parse(readFileSync('package.json', 'utf8')).version as string;
    const zips = readdirSync('dist/packages').filter((f) => f.endsWith('.zip'));
    expect(zips.sort()).toEqual([`tls-throttle-detector-chrome-${version}.zip`, `tls-throttle-detector-firefox-${version}.zip`]);
    const dir = mkdtempSync(join(tmpdir(), 'ttd-package-'));
    try {
      for (const browser of ['chrome', 'firefox']) {
        execFileSync('unzip', ['-q', `dist/packages/tls-throttle-detector-${browser}-${version}.zip`, '-d', join(dir, browser)]);
      }
      const chrome = JSON.parse(readFileSync(join(dir, 'chrome', 'manifest.json'), 'utf8'));
      const firefox = JSON.parse(readFileSync(join(dir, 'firefox', 'manifest.json'), 'utf8'));
      expect(chrome.background).toEqual({ service_worker: 'background.js', type: 'module' });
      expect(chrome.browser_specific_settings).toBeUndefined();
      expect(firefox.background).toEqual({ scripts: ['background.js'], type: 'module' });
      expect(firefox.version).toBe(version);
      const loaded = await ExtensionBrowser.launch({ extensionDir: join(dir, 'chrome') });
      try {
        const popup = await loaded.openPage('popup.html');
        expect(await popup.getByRole('button', { name: 'Run test' }).count()).toBe(1);
      } finally {
        await loaded.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
