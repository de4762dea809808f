// `serve --acme-domain D --sni-zone Z --acme-dns-hook CMD` against a real ACME server (pebble)
// with real validation: HTTP-01 for the endpoint's name, DNS-01 for `*.Z` through a hook that
// publishes the TXT record in pebble-challtestsrv's DNS (the server pebble's VA asks). The
// issued wildcard certificate must then be served, and trusted by pebble's root alone, for any
// two names under the zone; a hook that fails leaves the endpoint serving and says why.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, pebbleMissing, startPebble, type Pebble } from '../../support/pebble.js';

const CLI = 'dist/cli.js';
const HOOK = resolve('test/support/challtestsrv-dns-hook.mjs');
const DOMAIN = 'endpoint.ttd.test';
const ZONE = 'sni.ttd.test';

const missing = pebbleMissing();
if (missing) console.warn(`Skipping the DNS-01 tests: ${missing}`);

interface Served {
  child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  stop(): Promise<void>;
}

function serve(args: string[], env: NodeJS.ProcessEnv): Served {
  const child = spawn('node', [CLI, 'serve', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  return {
    child,
    output: () => out,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = pattern.exec(out);
        if (m) return m;
        if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}:\n${out}`);
        if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms in:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

async function handshake(port: number, servername: string, ca: string): Promise<{ serial: string; authorized: boolean; error?: string; altNames: string }> {
  const socket = connect({ host: '127.0.0.1', port, servername, ca, rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  const cert = socket.getPeerCertificate();
  const result = { serial: cert.serialNumber, authorized: socket.authorized, error: socket.authorizationError?.toString(), altNames: cert.subjectaltname ?? '' };
  socket.destroy();
  return result;
}

describe.skipIf(missing !== undefined)('serve --sni-zone: a wildcard certificate over DNS-01 from pebble', () => {
  let dir: string;
  let pebble: Pebble;
  let failingPebble: Pebble;
  let endpoint: Served;
  let failing: Served;
  let plainPort: number;
  let tlsPort: number;
  let failingPort: number;
  let hookLog: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ttd-dns01-'));
    plainPort = await freePort();
    tlsPort = await freePort();
    failingPort = await freePort();
    hookLog = join(dir, 'hook.log');
    pebble = await startPebble({ dir: await mkdtemp(join(dir, 'pebble-')), httpPort: plainPort, validitySeconds: 3600 });
    // A CA of its own for the endpoint whose hook fails, whose HTTP-01 validation reaches it:
    // only the hook can fail its order.
    failingPebble = await startPebble({ dir: await mkdtemp(join(dir, 'pebble-')), httpPort: failingPort, validitySeconds: 3600 });
    const common = ['--host', '127.0.0.1', '--acme-retry-seconds', '1', '--sni-zone', ZONE];
    endpoint = serve(['--ports', `${plainPort},${tlsPort}`, '--data-dir', join(dir, 'data'), '--acme-domain', DOMAIN, '--acme-directory', pebble.directoryUrl, '--acme-dns-hook', HOOK, ...common], {
      NODE_EXTRA_CA_CERTS: pebble.apiCaPath,
      CHALLTESTSRV_URL: pebble.dnsManagementUrl,
      HOOK_LOG: hookLog,
    });
    // A hook that publishes nothing and says so: the provider refused the update.
    const refusing = join(dir, 'refusing-hook.sh');
    await writeFile(refusing, '#!/bin/sh\necho "update refused: REFUSED" >&2\nexit 1\n', { mode: 0o755 });
    failing = serve(['--ports', `${failingPort}`, '--data-dir', join(dir, 'failing-data'), '--acme-domain', 'failing.ttd.test', '--acme-directory', failingPebble.directoryUrl, '--acme-dns-hook', refusing, ...common], {
      NODE_EXTRA_CA_CERTS: failingPebble.apiCaPath,
    });
  });

  afterAll(async () => {
    await Promise.all([endpoint?.stop(), failing?.stop()]);
    await Promise.all([pebble?.stop(), failingPebble?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is issued over DNS-01 through the hook and served for any two names under the zone', async () => {
    const m = await endpoint.waitFor(/ACME: new certificate for endpoint\.ttd\.test and \*\.sni\.ttd\.test, serial ([0-9A-F]+)/, 60_000);
    const root = await pebble.root(join(dir, 'root.pem'));
    const names = ['googlevideo-com.sni.ttd.test', 'qwhzkvbtrmpalxe.sni.ttd.test'];
    for (const name of names) {
      const seen = await handshake(tlsPort, name, root);
      expect(seen, name).toMatchObject({ serial: m[1], authorized: true });
      expect(seen.altNames).toContain(`DNS:*.${ZONE}`);
    }
    // The endpoint's own name is on the same certificate (validated over HTTP-01).
    expect(await handshake(tlsPort, DOMAIN, root)).toMatchObject({ serial: m[1], authorized: true });
    // A name outside the zone is not covered: the wildcard is no blanket.
    expect((await handshake(tlsPort, 'other.ttd.test', root)).authorized).toBe(false);
    // pebble validated the wildcard by the TXT record the hook set, and the hook removed it after.
    expect(pebble.log()).toMatch(/Added DNS-01 TXT challenge for Host "_acme-challenge\.sni\.ttd\.test\."/);
    expect(pebble.log()).toMatch(/Removed DNS-01 TXT challenge for Host "_acme-challenge\.sni\.ttd\.test\."/);
    const calls = (await readFile(hookLog, 'utf8')).trim().split('\n');
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatch(/^set _acme-challenge\.sni\.ttd\.test\. [A-Za-z0-9_-]{43}$/);
    expect(calls[1]).toBe(calls[0]!.replace(/^set/, 'clear'));
  });

  it('advertises the zone in /info', async () => {
    const info = (await (await fetch(`http://127.0.0.1:${plainPort}/info`)).json()) as { sniZone?: string };
    expect(info.sniZone).toBe(ZONE);
  });

  it('after a restart serves the stored wildcard certificate and orders nothing', async () => {
    const serial = (await handshake(tlsPort, `abc.${ZONE}`, await readFile(join(dir, 'root.pem'), 'utf8'))).serial;
    await endpoint.stop();
    endpoint = serve(['--ports', `${plainPort},${tlsPort}`, '--data-dir', join(dir, 'data'), '--host', '127.0.0.1', '--acme-domain', DOMAIN, '--acme-directory', pebble.directoryUrl, '--sni-zone', ZONE, '--acme-dns-hook', HOOK], {
      NODE_EXTRA_CA_CERTS: pebble.apiCaPath,
    });
    await endpoint.waitFor(/^Try: /m, 30_000);
    expect((await handshake(tlsPort, `xyz.${ZONE}`, await readFile(join(dir, 'root.pem'), 'utf8'))).serial).toBe(serial);
    expect(endpoint.output()).not.toMatch(/ordering a certificate/);
  });

  it('says what the hook said when it fails, and keeps serving', async () => {
    const m = await failing.waitFor(/failed \(attempt 1\): (.*); still serving the development certificate; next try in/, 60_000);
    expect(m[1]).toMatch(/^the DNS hook \S+refusing-hook\.sh set _acme-challenge\.sni\.ttd\.test\. failed \(1\): update refused: REFUSED$/);
    const info = await fetch(`http://127.0.0.1:${failingPort}/info`);
    expect(info.status).toBe(200);
    expect(failing.child.exitCode).toBeNull();
  });
});
