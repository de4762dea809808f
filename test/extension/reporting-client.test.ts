// What a report says about the browser and the OS: the family and major version, nothing finer.
import { describe, expect, it } from 'vitest';
import { browserInfo, clientInfo, osFamily } from '../../src/extension/platform/client-info.js';
import { reportEndpointId } from '../../src/extension/shared/report-meta.js';

const CHROME_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const EDGE_UA = `${CHROME_UA} Edg/131.0.2903.86`;
const FIREFOX_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
const HEADLESS_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0.0.0 Safari/537.36';

describe('browserInfo', () => {
  it('takes Debian Chromium from its UA-CH brands', () => {
    const brands = [{ brand: 'Not)A;Brand', version: '8' }, { brand: 'Chromium', version: '140' }];
    expect(browserInfo(CHROME_UA, brands)).toEqual({ family: 'chromium', major: 140 });
  });

  it('tells Edge from the Chromium it is built on, by brand', () => {
    const brands = [{ brand: 'Chromium', version: '131' }, { brand: 'Microsoft Edge', version: '131' }];
    expect(browserInfo(CHROME_UA, brands)).toEqual({ family: 'edge', major: 131 });
  });

  it('falls back to the user agent when there are no brands', () => {
    expect(browserInfo(EDGE_UA, undefined)).toEqual({ family: 'edge', major: 131 });
    expect(browserInfo(FIREFOX_UA, undefined)).toEqual({ family: 'firefox', major: 140 });
    expect(browserInfo(HEADLESS_UA, [])).toEqual({ family: 'chrome', major: 140 });
  });

  it('says nothing about a browser it cannot name', () => {
    expect(browserInfo('curl/8.5.0', undefined)).toBeNull();
  });
});

describe('osFamily', () => {
  it('maps runtime.getPlatformInfo names to report families', () => {
    expect(['win', 'mac', 'linux', 'android', 'cros', 'openbsd', 'ios', 'fuchsia'].map(osFamily)).toEqual([
      'windows', 'mac', 'linux', 'android', 'chromeos', 'bsd', 'ios', 'other',
    ]);
  });

  it('reports "other" when the platform cannot be asked', async () => {
    const info = await clientInfo({ userAgent: FIREFOX_UA }, () => Promise.reject(new Error('no runtime')));
    expect(info).toEqual({ browser: { family: 'firefox', major: 140 }, os: 'other' });
  });
});

describe('reportEndpointId', () => {
  const listed = [{ id: 'local-dev', name: 'Local', url: 'https://127.0.0.1:8443/' }];

  it('reports a shipped endpoint by its id', () => {
    expect(reportEndpointId(listed[0]!, listed)).toBe('local-dev');
  });

  it('reports a user-added endpoint as custom', () => {
    expect(reportEndpointId({ id: 'custom:https://nas.home.arpa/', name: 'nas', url: 'https://nas.home.arpa/' }, listed)).toBe('custom');
  });

  it('reports as custom an entry that borrows a shipped id for another origin', () => {
    expect(reportEndpointId({ id: 'local-dev', name: 'x', url: 'https://nas.home.arpa/' }, listed)).toBe('custom');
  });
});
