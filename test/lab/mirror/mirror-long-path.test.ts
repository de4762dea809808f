// A mirror on a long path: Debian's nginx serving the file over both schemes across the WAN
// lab's 60 ms path (wan-net.ts: a userland forwarder adds the delay), TLS held to 15 of
// 40 Mbit/s by an htb class on port 443. A finding on a path this long stands only once it
// shows again on new connections (decision.ts rule 1f); a mirror's server cannot be asked to
// end one as our endpoint can (close=1), so the CLI sends `Connection: close` with the leg's
// next range itself (src/cli/node-io.ts). nginx's access log shows what reached the server:
// each leg's connection ended by the request that asked, and the new one kept for the rest.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Result } from '../../../src/core/types.js';
import { devCertificate } from '../../../src/server/dev-ca.js';
import { addShapedClass, isRoot } from '../lab-net.js';
import { acquireWanLock, createWanLab, destroyWanLab, WAN_ADDR, WAN_DOWN_DEV, WAN_NS } from '../wan-net.js';
import { FILES, startWebServer } from './web-servers.js';

const REPO = resolve(import.meta.dirname, '..', '..', '..');
const CLI = join(REPO, 'dist', 'cli.js');
const skipReason = !isRoot()
  ? ' (skipped: needs root for network namespaces and tc)'
  : !existsSync(CLI)
    ? ' (skipped: dist/cli.js missing, run `node build.mjs`)'
    : !existsSync('/usr/sbin/nginx')
      ? ' (skipped: install nginx-light)'
      : !existsSync('/usr/bin/gcc')
        ? ' (skipped: the WAN forwarder needs gcc)'
        : '';
if (skipReason) console.warn(`mirror long-path test${skipReason}`);

interface LoggedRequest {
  connection: number;
  scheme: string;
  connectionHeader: string;
  range: string;
}

/** nginx's log in web-servers.ts ACCESS_LOG_FORMAT. */
function parseLog(text: string): LoggedRequest[] {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /^(\d+) \d+ (https?) "([^"]*)" "([^"]*)"/.exec(line);
      if (!m) throw new Error(`unexpected access log line: ${line}`);
      return { connection: Number(m[1]), scheme: m[2]!, connectionHeader: m[3]!, range: m[4]! };
    });
}

function inCli(args: string[], timeoutMs: number): Promise<{ out: string; err: string; code: number | null }> {
  const child = spawn('ip', ['netns', 'exec', WAN_NS.cli, process.execPath, CLI, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((r) => child.once('exit', (code) => (clearTimeout(timer), r({ out, err, code }))));
}

describe.skipIf(!!skipReason)(`a mirror on a long path${skipReason}`, () => {
  it(
    'renews each leg\'s connection with Connection: close before the port cap stands, and keeps the new ones',
    async () => {
      const release = await acquireWanLock();
      const dir = await mkdtemp(join(tmpdir(), 'ttd-mirror-wan-'));
      await chmod(dir, 0o755);
      let server: Awaited<ReturnType<typeof startWebServer>> | undefined;
      const lab = await createWanLab({ downMbps: 40, rttMs: 60, lossPct: 0 });
      try {
        await addShapedClass({ ns: WAN_NS.rtr, dev: WAN_DOWN_DEV, mbps: 15, match: 'ip sport 443 0xffff' });
        const cert = await devCertificate(join(dir, 'ca'), [WAN_ADDR.srv]);
        await writeFile(join(dir, 'cert.pem'), cert.certPem);
        await writeFile(join(dir, 'key.pem'), cert.keyPem, { mode: 0o600 });
        const accessLog = join(dir, 'access.log');
        server = await startWebServer({
          kind: 'nginx',
          dir: join(dir, 'nginx'),
          host: WAN_ADDR.srv,
          plainPort: 80,
          tlsPort: 443,
          certFile: join(dir, 'cert.pem'),
          keyFile: join(dir, 'key.pem'),
          netns: WAN_NS.srv,
          accessLog,
        });
        const r = await inCli(['run', `https://${WAN_ADDR.srv}${FILES.big.path}`, '--ca', cert.caPath, '--json'], 200_000);
        let result: Result;
        try {
          result = JSON.parse(r.out.trim().split('\n').pop() ?? '') as Result;
        } catch {
          throw new Error(`the CLI exited with ${r.code} and no JSON: ${r.err.trim().slice(-400)}`);
        }
        console.log(
          `mirror, 60 ms, TLS 15 of 40 Mbit/s: ${result.verdict} ${result.ratio?.toFixed(2)}x, ${result.rounds} rounds, ` +
            `${(result.bytesUsed / 1e6).toFixed(1)} MB, ${(result.durationMs / 1000).toFixed(1)} s, fresh ${JSON.stringify(result.comparisons.find((c) => c.id === 'screen')?.freshFlows)}`,
        );
        expect(result.verdict).toBe('tls-throttled');
        const screen = result.comparisons.find((c) => c.id === 'screen')!;
        expect(screen.freshFlows).toMatchObject({ confirmed: true });
        expect(screen.freshFlows!.ratio).toBeGreaterThan(1.5);
        // Each leg's transfers after the renewal are on its second connection.
        for (const leg of result.legs) expect(leg.transfers.some((t) => t.connection === 1)).toBe(true);

        const log = parseLog(await readFile(accessLog, 'utf8'));
        for (const scheme of ['https', 'http']) {
          const asked = log.filter((q) => q.scheme === scheme && q.range !== '' && q.connectionHeader === 'close');
          // One renewal per leg, nothing else of the run ends a connection by asking.
          expect(asked).toHaveLength(1);
          const ended = asked[0]!.connection;
          const after = log.slice(log.indexOf(asked[0]!) + 1).filter((q) => q.scheme === scheme);
          // The server ended it: nothing more arrived on that connection.
          expect(after.some((q) => q.connection === ended)).toBe(false);
          // The leg's new connection carried several ranges, one after another (kept alive).
          const perConnection = new Map<number, number>();
          for (const q of after) if (q.range) perConnection.set(q.connection, (perConnection.get(q.connection) ?? 0) + 1);
          expect(Math.max(...perConnection.values())).toBeGreaterThanOrEqual(3);
        }
      } finally {
        if (server && server.exitCode === null) server.kill('SIGTERM');
        await lab.stopForwarder();
        await destroyWanLab();
        release();
        await rm(dir, { recursive: true, force: true });
      }
    },
    300_000,
  );
});
