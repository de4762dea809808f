// The SNI lab for CI: one CLI run per scenario against the SNI shaper in network namespaces
// (test/lab/README.md, "The SNI lab"). Each asserts what the scenario's truth says the user
// must be told; the accuracy table is `npm run bench:accuracy -- --sni-scenarios all`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRoot } from '../lab-net.js';
import { REPO } from '../run-scenario.js';
import { runSniScenario, SHAPED_KBPS, sniScenarioById, TESTED_NAME, type SniRunRecord } from './sni-scenarios.js';

const skipReason = !isRoot()
  ? ' (skipped: needs root for network namespaces and tc)'
  : !existsSync(join(REPO, 'dist', 'cli.js'))
    ? ' (skipped: dist/cli.js missing, run `node build.mjs`)'
    : '';
if (skipReason) console.warn(`SNI lab tests${skipReason}`);

async function once(id: string): Promise<SniRunRecord> {
  const [record] = await runSniScenario(sniScenarioById(id), { runs: 1 });
  if (!record?.result) throw new Error(`${id}: no result: ${record?.error}`);
  return record;
}

const TIMEOUT_MS = 150_000;

describe.skipIf(!!skipReason)(`SNI lab${skipReason}`, () => {
  it(
    `finds ${TESTED_NAME} throttled by its server name, at the shaper's ${SHAPED_KBPS} kbit/s within 20%, with the certificate pinned`,
    async () => {
      const { result } = await once('sni-throttled');
      expect(result!.verdict).toBe('sni-throttled');
      expect(result!.sni?.name).toBe(TESTED_NAME);
      expect(Math.abs((result!.sni!.rateMbps! * 1000) / SHAPED_KBPS - 1)).toBeLessThan(0.2);
      expect(result!.ci95[0]).toBeGreaterThan(1.25);
    },
    TIMEOUT_MS,
  );

  it(
    'says no difference when only a name containing the tested one is shaped',
    async () => {
      const { result } = await once('sni-substring');
      expect(result!.verdict).toBe('no-difference');
      expect(result!.comparisons.find((c) => c.id === 'sni')?.outcome).toBe('same');
    },
    TIMEOUT_MS,
  );

  it(
    'says no difference when only other names are shaped',
    async () => {
      const { result } = await once('sni-other');
      expect(result!.verdict).toBe('no-difference');
    },
    TIMEOUT_MS,
  );

  it(
    'says interfered, with what it saw, when connections naming the name are swallowed: never no difference',
    async () => {
      const { result } = await once('sni-drop');
      expect(result!.verdict).toBe('interfered');
      expect(result!.error?.detail).toMatch(new RegExp(`connections naming ${TESTED_NAME.replace('.', '\\.')} failed`));
    },
    TIMEOUT_MS,
  );

  it(
    'says interfered when connections naming the name are reset at their ClientHello',
    async () => {
      const { result } = await once('sni-reset');
      expect(result!.verdict).toBe('interfered');
      expect(result!.error?.detail).toMatch(/ECONNRESET/);
    },
    TIMEOUT_MS,
  );
});
