// The extension's test by name in the SNI lab (sni-zone-scenarios.ts): a shaper that matches
// "googlevideo" anywhere in the server name is found, at its rate; one that matches names
// ending in googlevideo.com is not, as the popup says.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATH } from '../../e2e/support/extension-browser.js';
import { isRoot } from '../lab-net.js';
import { REPO } from '../run-scenario.js';
import { SHAPED_KBPS } from './sni-scenarios.js';
import { LAB_ZONE, runSniZoneScenario, sniZoneScenarioById as scenario } from './sni-zone-scenarios.js';

const skipReason = !isRoot()
  ? ' (skipped: needs root for network namespaces and tc)'
  : !existsSync(join(REPO, 'dist', 'extension', 'manifest.json')) || !existsSync(CHROMIUM_PATH)
    ? ` (skipped: needs ${CHROMIUM_PATH} and a build, node build.mjs)`
    : '';
if (skipReason) console.warn(`SNI zone lab tests${skipReason}`);

const TIMEOUT_MS = 200_000;

describe.skipIf(!!skipReason)(`SNI lab, the extension's test by name${skipReason}`, () => {
  it(
    `finds a name slowed by a substring shaper through its subdomain, at the shaper's ${SHAPED_KBPS} kbit/s within 20%`,
    async () => {
      const record = await runSniZoneScenario(scenario('zone-substring'), console.log);
      const r = record.result;
      expect(r, record.error).toBeDefined();
      expect(r!.verdict, r!.error?.detail).toBe('sni-throttled');
      expect(r!.sni?.name).toBe(`redirector-googlevideo-com.${LAB_ZONE}`);
      expect(Math.abs((r!.sni!.rateMbps! * 1000) / SHAPED_KBPS - 1)).toBeLessThan(0.2);
      expect(r!.ci95[0]).toBeGreaterThan(1.25);
    },
    TIMEOUT_MS,
  );

  it(
    'finds no difference when the box matches only names ending in googlevideo.com, which it cannot send',
    async () => {
      const record = await runSniZoneScenario(scenario('zone-suffix'), console.log);
      expect(record.result, record.error).toBeDefined();
      expect(record.result!.verdict, record.result!.error?.detail).toBe('no-difference');
    },
    TIMEOUT_MS,
  );
});
