// `serve --acme-domain` against a real ACME server (pebble) with real HTTP-01 validation:
// issuance, a client that trusts only pebble's root measuring over the issued certificate,
// renewal without a restart while a transfer runs, an ACME outage, and a challenge that
// cannot be answered.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, pebbleMissing, startPebble, type Pebble } from '../../support/pebble.js';

const exec = promisify(execFile);
const CLI = 'dist/cli.js';
const DOMAIN = 'endpoint.ttd.test';
const BROKEN_DOMAIN = 'unreachable.ttd.test';
// Short enough that a renewal (at two thirds of the lifetime) comes within the test.
const VALIDITY_S = 15;

const missing = pebbleMissing();
if (missing) console.warn(`Skipping the ACME tests: ${missing}`);

interface Served {
  child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs: number, from?: number): Promise<RegExpExecArray>;
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
    async waitFor(pattern, timeoutMs, from = 0) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = pattern.exec(out.slice(from));
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

/** The certificate a new TLS connection to the endpoint gets, and whether `ca` alone trusts it. */
async function handshake(port: number, ca?: string): Promise<{ serial: string; authorized: boolean; error?: string }> {
  const socket = connect({ host: '127.0.0.1', port, servername: DOMAIN, ca, rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  const serial = socket.getPeerCertificate().serialNumber;
  const result = { serial, authorized: socket.authorized, error: socket.authorizationError?.toString() };
  socket.destroy();
  return result;
}

describe.skipIf(missing !== undefined)('serve --acme-domain against pebble', () => {
  let dir: string;
  let pebbleDir: string;
  let pebble: Pebble;
  let broken: Pebble;
  let endpoint: Served;
  let brokenEndpoint: Served;
  let plainPort: number;
  let tlsPort: number;
  let brokenPort: number;
  let rootPem: string;
  let firstSerial: string;
  let recoveredSerial: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ttd-acme-'));
    plainPort = await freePort();
    tlsPort = await freePort();
    brokenPort = await freePort();
    pebbleDir = await mkdtemp(join(dir, 'pebble-'));
    pebble = await startPebble({ dir: pebbleDir, httpPort: plainPort, validitySeconds: VALIDITY_S });
    // A second CA whose validator connects to a port where nothing listens: the challenge
    // cannot be answered however the endpoint behaves.
    broken = await startPebble({ dir: await mkdtemp(join(dir, 'pebble-')), httpPort: await freePort(), validitySeconds: VALIDITY_S });
    const common = ['--host', '127.0.0.1', '--acme-retry-seconds', '1'];
    endpoint = serve(
      ['--ports', `${plainPort},${tlsPort}`, '--data-dir', join(dir, 'data'), '--acme-domain', DOMAIN, '--acme-email', 'ops@ttd.test', '--acme-directory', pebble.directoryUrl, ...common],
      // The ACME client trusts pebble's API certificate the way Node lets an operator add a CA.
      { NODE_EXTRA_CA_CERTS: pebble.apiCaPath },
    );
    brokenEndpoint = serve(
      ['--ports', `${brokenPort}`, '--data-dir', join(dir, 'broken-data'), '--acme-domain', BROKEN_DOMAIN, '--acme-directory', broken.directoryUrl, ...common],
      { NODE_EXTRA_CA_CERTS: broken.apiCaPath },
    );
  });

  afterAll(async () => {
    await Promise.all([endpoint?.stop(), brokenEndpoint?.stop()]);
    await Promise.all([pebble?.stop(), broken?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('obtains a certificate over HTTP-01 and keeps its keys 0600 in the data directory', async () => {
    const m = await endpoint.waitFor(/ACME: new certificate for endpoint\.ttd\.test, serial ([0-9A-F]+)/, 30_000);
    firstSerial = m[1]!;
    rootPem = await pebble.root(join(dir, 'pebble-root.pem'));
    const seen = await handshake(tlsPort, rootPem);
    expect(seen).toMatchObject({ serial: firstSerial, authorized: true });
    // pebble really fetched the challenge from our plain port.
    expect(pebble.log()).toMatch(new RegExp(`Attempting to validate w/ HTTP: http://${DOMAIN.replace(/\./g, '\\.')}:${plainPort}/\\.well-known/acme-challenge/`));
    for (const f of ['acme/account-key.pem', `acme/${DOMAIN}/cert.pem`, `acme/${DOMAIN}/key.pem`]) {
      expect(((await stat(join(dir, 'data', f))).mode & 0o777).toString(8), f).toBe('600');
    }
    expect(await readFile(join(dir, 'data', 'acme', DOMAIN, 'cert.pem'), 'utf8')).toMatch(/BEGIN CERTIFICATE/);
  });

  it('a client that trusts only pebble\'s root completes a measurement over the issued certificate', async () => {
    // 40 MB: on loopback (gigabits, a millisecond or two to a first byte) transfers shorter than
    // the path's window-limited floor are never planned (src/core/fast-line.ts), and 12 MB did
    // not buy one round at that floor.
    const run = exec('node', [CLI, 'run', `https://${DOMAIN}:${tlsPort}`, '--ca', join(dir, 'pebble-root.pem'), '--resolve', `${DOMAIN}:127.0.0.1`, '--json', '--budget-mb', '40', '--max-seconds', '6'], { timeout: 60_000 });
    const { stdout } = await run;
    const result = JSON.parse(stdout);
    expect(result.verdict).not.toBe('failed');
    expect(result.endpoint).toContain(DOMAIN);
    expect(result.legs.some((l: { scheme: string; transfers: unknown[] }) => l.scheme === 'https' && l.transfers.length > 0)).toBe(true);
  });

  it('renews before expiry without a restart: new connections get the new certificate, a running transfer is not cut', async () => {
    const bytes = 64 * 1024 * 1024;
    // A download started on the first certificate and held back by a reader that does not read.
    const req = httpsRequest({ host: '127.0.0.1', port: tlsPort, servername: DOMAIN, ca: rootPem, path: `/payload?bytes=${bytes}&seed=8080`, agent: false });
    req.end();
    const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
    res.pause();
    const before = endpoint.output().length;
    const m = await endpoint.waitFor(/ACME: new certificate for endpoint\.ttd\.test, serial ([0-9A-F]+)/, 30_000, endpoint.output().indexOf(firstSerial) + firstSerial.length);
    expect(m[1]).not.toBe(firstSerial);
    expect(endpoint.output().length).toBeGreaterThan(before);
    expect(await handshake(tlsPort, rootPem)).toMatchObject({ serial: m[1], authorized: true });
    let received = 0;
    res.on('data', (c: Buffer) => (received += c.length));
    res.resume();
    await once(res, 'end');
    expect(received).toBe(bytes);
    expect(endpoint.child.exitCode).toBeNull();
  });

  it('keeps serving the old certificate while the CA is down, retrying with back-off, and recovers', async () => {
    const serialBefore = (await handshake(tlsPort, rootPem)).serial;
    const from = endpoint.output().length;
    await pebble.stop();
    const first = await endpoint.waitFor(/failed \(attempt 1\): (.*); still serving the certificate valid until \S+; next try in (\d+) s/, 30_000, from);
    expect(first[1]).toMatch(/ECONNREFUSED|connect/i);
    const second = await endpoint.waitFor(/failed \(attempt 2\):.*next try in (\d+) s/, 10_000, from);
    // Doubling from 1 s, with 10% jitter.
    expect(Number(first[2])).toBeLessThanOrEqual(1);
    expect(Number(second[1])).toBe(2);
    expect(await handshake(tlsPort, rootPem)).toMatchObject({ serial: serialBefore });
    // The CA comes back (pebble forgets everything, its root and our account included; its API
    // keeps the certificate the endpoint trusts): the next retry succeeds.
    pebble = await startPebble({ dir: pebbleDir, httpPort: plainPort, validitySeconds: 3600, ports: pebble.ports });
    const m = await endpoint.waitFor(/ACME: new certificate for endpoint\.ttd\.test, serial ([0-9A-F]+)/, 20_000, from);
    const newRoot = await pebble.root(join(dir, 'pebble-root-2.pem'));
    expect(await handshake(tlsPort, newRoot)).toMatchObject({ serial: m[1], authorized: true });
    recoveredSerial = m[1]!;
  });

  it('after a restart serves the stored certificate at once and orders nothing', async () => {
    await endpoint.stop();
    endpoint = serve(
      ['--ports', `${plainPort},${tlsPort}`, '--data-dir', join(dir, 'data'), '--acme-domain', DOMAIN, '--acme-directory', pebble.directoryUrl, '--host', '127.0.0.1'],
      { NODE_EXTRA_CA_CERTS: pebble.apiCaPath },
    );
    await endpoint.waitFor(/^Try: /m, 30_000);
    expect(await handshake(tlsPort, await readFile(join(dir, 'pebble-root-2.pem'), 'utf8'))).toMatchObject({ serial: recoveredSerial, authorized: true });
    expect(endpoint.output()).toMatch(/ACME: certificate for endpoint\.ttd\.test valid until .*; renewal from /);
    expect(endpoint.output()).not.toMatch(/ordering a certificate/);
  });

  it('counts the test CA as started only when pebble itself answers on its port', async () => {
    // A plain HTTP server holds the port pebble is told to use: pebble still prints that its
    // directory is available, then fails to bind; a client would meet the other server.
    const squatter = createHttpServer((_req, res) => res.end('not pebble'));
    const port = await freePort();
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
    try {
      const ports = { acme: port, management: await freePort(), dns: await freePort() };
      await expect(startPebble({ dir: await mkdtemp(join(dir, 'pebble-')), httpPort: await freePort(), validitySeconds: VALIDITY_S, ports })).rejects.toThrow(/pebble is not the one answering at https:\/\/127\.0\.0\.1:\d+\/dir/);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it('says clearly when the challenge cannot be answered, and keeps serving', async () => {
    const m = await brokenEndpoint.waitFor(/ACME: ordering a certificate for unreachable\.ttd\.test from \S+ failed \(attempt 1\): (.*); still serving the development certificate; next try in/, 30_000);
    expect(m[1]).toMatch(/^the CA could not fetch the HTTP-01 challenge from this endpoint .*http:\/\/unreachable\.ttd\.test:\d+\/\.well-known\/acme-challenge\/.*connection refused/);
    const info = await fetch(`http://127.0.0.1:${brokenPort}/info`);
    expect(info.status).toBe(200);
    const tls = await handshake(brokenPort);
    expect(tls.authorized).toBe(false);
    expect(brokenEndpoint.child.exitCode).toBeNull();
  });
});
