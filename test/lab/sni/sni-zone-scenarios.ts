// The SNI lab with the extension's test by name (src/core/sni/zone-runner.ts): the endpoint
// serves the wildcard zone sni.lab.test behind the SNI shaper, and Chromium with the built
// extension runs inside sni-cli (a wrapper puts it there, as test/lab/run-scenario.ts does for
// the throttle lab), every name under the zone sent to the server by --host-resolver-rules.
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Result } from '../../../src/core/types.js';
import { firstLine, inNamespace, REPO } from '../run-scenario.js';
import { SHAPED_KBPS } from './sni-scenarios.js';
import { acquireSniLock, createSniLab, destroySniLab, SNI_ADDR, SNI_NS } from './sni-net.js';
import type { SniServerConfig } from './sni-server.js';

export const LAB_ZONE = 'sni.lab.test';
/** The listed name the extension tests, sent as redirector-googlevideo-com.sni.lab.test. */
export const ZONE_TESTED_NAME = 'redirector.googlevideo.com';
const LINE_MBPS = 20;

export interface SniZoneScenario {
  id: string;
  what: string;
  shaper: SniServerConfig['shaper'];
  correct: Result['verdict'][];
  rateKbps?: number;
}

export const SNI_ZONE_SCENARIOS: SniZoneScenario[] = [
  {
    id: 'zone-substring',
    what: `any server name containing "googlevideo" held to ${SHAPED_KBPS} kbit/s: the extension's subdomain carries it, the control does not`,
    shaper: { names: ['googlevideo'], match: 'substring', action: 'shape', kbps: SHAPED_KBPS },
    correct: ['sni-throttled'],
    rateKbps: SHAPED_KBPS,
  },
  {
    // What the popup says it cannot see: the box matches names ending in googlevideo.com,
    // which no subdomain of the zone is, so the test by name finds no difference.
    id: 'zone-suffix',
    what: `names ending in googlevideo.com held to ${SHAPED_KBPS} kbit/s: invisible to a subdomain of the zone`,
    shaper: { names: ['googlevideo.com'], match: 'suffix', action: 'shape', kbps: SHAPED_KBPS },
    correct: ['no-difference'],
  },
];

export function sniZoneScenarioById(id: string): SniZoneScenario {
  const s = SNI_ZONE_SCENARIOS.find((x) => x.id === id);
  if (!s) throw new Error(`no SNI zone scenario "${id}" (known: ${SNI_ZONE_SCENARIOS.map((x) => x.id).join(', ')})`);
  return s;
}

export function judgeZone(s: SniZoneScenario, result: Result | undefined): boolean {
  if (!result || !s.correct.includes(result.verdict)) return false;
  if (s.rateKbps === undefined) return true;
  return Math.abs(((result.sni?.rateMbps ?? NaN) * 1000) / s.rateKbps - 1) <= 0.2;
}

export interface SniZoneRunRecord {
  scenario: string;
  result?: Result;
  error?: string;
  wallMs: number;
  correct: boolean;
}

/** One run of the extension's test by name in the scenario. */
export async function runSniZoneScenario(s: SniZoneScenario, log: (line: string) => void = () => undefined): Promise<SniZoneRunRecord> {
  const release = await acquireSniLock();
  let server: ChildProcess | undefined;
  const workDir = await mkdtemp(join(tmpdir(), 'ttd-sni-zone-lab-'));
  const started = Date.now();
  try {
    await createSniLab(LINE_MBPS);
    const config: SniServerConfig = { publicHost: SNI_ADDR.srv, ports: [80, 443], dataDir: join(workDir, 'data'), shaper: s.shaper, sniZone: LAB_ZONE };
    server = inNamespace(SNI_NS.srv, [process.execPath, '--import', 'tsx', 'test/lab/sni/sni-server.ts', JSON.stringify(config)]);
    const ready = JSON.parse(await firstLine(server, 'the SNI lab server', 30_000)) as { caPath: string };
    const { ExtensionBrowser, CHROMIUM_PATH } = await import('../../e2e/support/extension-browser.js');
    const wrapper = join(workDir, `chromium-in-${SNI_NS.cli}.sh`);
    await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${SNI_NS.cli} ${CHROMIUM_PATH} "$@"\n`);
    await chmod(wrapper, 0o755);
    const browser = await ExtensionBrowser.launch({
      caPath: ready.caPath,
      grantHosts: [SNI_ADDR.srv, `*.${LAB_ZONE}`],
      executablePath: wrapper,
      extensionDir: join(REPO, 'dist', 'extension'),
      args: [`--host-resolver-rules=MAP *.${LAB_ZONE} ${SNI_ADDR.srv}`],
    });
    try {
      await browser.addEndpoint(`https://${SNI_ADDR.srv}/`);
      const outcome = await browser.runTestByName({ name: ZONE_TESTED_NAME, timeoutMs: 150_000 });
      const r = outcome.result;
      const rate = r.sni?.rateMbps === undefined ? '' : ` at ${(r.sni.rateMbps * 1000).toFixed(0)} kbit/s`;
      log(`${s.id}: ${r.verdict}${rate} ratio ${r.ratio?.toFixed?.(2)} in ${(r.durationMs / 1000).toFixed(1)} s, ${(r.bytesUsed / 1e6).toFixed(1)} MB${r.error ? ` (${r.error.detail})` : ''}`);
      return { scenario: s.id, result: r, wallMs: Date.now() - started, correct: judgeZone(s, r) };
    } finally {
      await browser.close();
    }
  } catch (err) {
    return { scenario: s.id, error: err instanceof Error ? err.message : String(err), wallMs: Date.now() - started, correct: false };
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise<void>((r) => server!.once('exit', () => r()));
      server.kill('SIGTERM');
      const t = setTimeout(() => server!.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(t);
    }
    await destroySniLab();
    await rm(workDir, { recursive: true, force: true });
    release();
  }
}
