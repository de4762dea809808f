// Let's Encrypt's test CA, pebble (Debian's package), as a real ACME server on loopback.
// pebble's VA resolves names through pebble-challtestsrv's DNS, which answers every A query
// with 127.0.0.1, so HTTP-01 validation connects to the endpoint on this machine; its httpPort
// is the endpoint's plain port (pebble's README, "Testing at full speed" and "Default ports").
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { devCertificate } from '../../src/server/dev-ca.js';

export const PEBBLE = '/usr/bin/pebble';
export const CHALLTESTSRV = '/usr/bin/pebble-challtestsrv';

/** Why pebble cannot run here (after trying to install it as root), or undefined when it can. */
export function pebbleMissing(): string | undefined {
  if (existsSync(PEBBLE) && existsSync(CHALLTESTSRV)) return undefined;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    try {
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'pebble'], { stdio: 'ignore', env, timeout: 300_000 });
    } catch (err) {
      return `pebble could not be installed (apt-get install pebble: ${(err as Error).message.split('\n')[0]})`;
    }
    if (existsSync(PEBBLE) && existsSync(CHALLTESTSRV)) return undefined;
  }
  return 'pebble is not installed and this is not root on Debian (apt-get install pebble)';
}

/** Ports this process has handed out: a port picked but not yet bound looks free to the next pick. */
const handedOut = new Set<number>();

/**
 * A port for a process started later to listen on. Taken below Linux's ephemeral range
 * (net.ipv4.ip_local_port_range, 32768-60999 by default): a port from listen(0) comes from that
 * range, and between closing it here and the endpoint binding it, another test's outgoing
 * connection could take it (seen once: EADDRINUSE on a port freePort had just returned).
 * Each vitest worker draws from its own slice of the range (VITEST_POOL_ID), and no port is
 * handed out twice in one process: the ports of a test are picked before any of them is bound.
 */
export async function freePort(): Promise<number> {
  const slices = 4;
  const slice = (Number(process.env.VITEST_POOL_ID ?? 1) - 1) % slices;
  const width = Math.floor(12_000 / slices);
  for (;;) {
    const port = 20_000 + slice * width + Math.floor(Math.random() * width);
    if (handedOut.has(port)) continue;
    const s = createServer();
    const bound = await new Promise<boolean>((resolve) => {
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!bound) continue;
    await new Promise((r) => s.close(r));
    handedOut.add(port);
    return port;
  }
}

export interface PebbleOptions {
  dir: string;
  /** The port pebble's VA connects to for HTTP-01 (the endpoint's plain port). */
  httpPort: number;
  /** Seconds every issued certificate is valid (pebble's certificateValidityPeriod). */
  validitySeconds: number;
  /** Reuse the ports of an earlier run (a restart after an outage). */
  ports?: { acme: number; management: number; dns: number };
}

export interface Pebble {
  directoryUrl: string;
  /** The CA that signed pebble's own HTTPS listener: the ACME client must trust it. */
  apiCaPath: string;
  ports: { acme: number; management: number; dns: number };
  /**
   * pebble-challtestsrv's management API (plain HTTP: POST /set-txt {host, value}, /clear-txt
   * {host}); pebble's VA asks its DNS server for DNS-01's TXT records.
   */
  dnsManagementUrl: string;
  /** pebble's issuing root, fetched from its management API (/roots/0), written to rootPath. */
  root(rootPath: string): Promise<string>;
  log(): string;
  stop(): Promise<void>;
}

async function waitFor(child: ChildProcess, output: () => string, pattern: RegExp, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(output())) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}: ${output()}`);
    if (Date.now() > deadline) throw new Error(`${what} did not start within ${timeoutMs} ms: ${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 3_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/**
 * pebble prints "ACME directory available" before it binds its port (pebble's cmd/pebble/main.go
 * logs, then calls ListenAndServeTLS), so a port taken meanwhile by another process leaves a
 * client talking to that process. The directory is fetched over TLS with pebble's API CA before
 * pebble counts as started; on fresh ports a start that fails this way is tried again.
 */
export async function startPebble(opts: PebbleOptions): Promise<Pebble> {
  for (let attempt = 1; ; attempt++) {
    const ports = opts.ports ?? { acme: await freePort(), management: await freePort(), dns: await freePort() };
    try {
      return await startPebbleOn(opts, ports);
    } catch (err) {
      if (opts.ports || attempt >= 3) throw err;
    }
  }
}

/** GET /dir over TLS, trusting only the API CA: answers with the directory, or the reason it cannot. */
async function directoryAnswer(url: string, apiCa: string): Promise<{ ok: true } | { ok: false; refused: boolean; why: string }> {
  const agent = new Agent({ connect: { ca: apiCa, timeout: 2_000 }, headersTimeout: 2_000, bodyTimeout: 2_000 });
  try {
    const res = await request(url, { dispatcher: agent });
    const body = (await res.body.text()).slice(0, 2_000);
    if (res.statusCode === 200 && body.includes('newNonce')) return { ok: true };
    return { ok: false, refused: false, why: `${url} answered ${res.statusCode}: ${body.slice(0, 200)}` };
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { ok: false, refused: code === 'ECONNREFUSED', why: `${url}: ${(err as Error).message}` };
  } finally {
    await agent.close();
  }
}

async function startPebbleOn(opts: PebbleOptions, ports: Pebble['ports']): Promise<Pebble> {
  // pebble serves its API over HTTPS only; a development CA of its own directory signs it.
  const api = await devCertificate(join(opts.dir, 'api-ca'), []);
  const certFile = join(opts.dir, 'api-cert.pem');
  const keyFile = join(opts.dir, 'api-key.pem');
  await writeFile(certFile, api.certPem);
  await writeFile(keyFile, api.keyPem, { mode: 0o600 });
  const configFile = join(opts.dir, 'pebble-config.json');
  await writeFile(
    configFile,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${ports.acme}`,
        managementListenAddress: `127.0.0.1:${ports.management}`,
        certificate: certFile,
        privateKey: keyFile,
        httpPort: opts.httpPort,
        // TLS-ALPN-01 is not offered by us; a closed port makes sure it cannot pass by accident.
        tlsPort: 1,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        certificateValidityPeriod: opts.validitySeconds,
      },
    }),
  );
  let out = '';
  const dnsManagementPort = await freePort();
  const dns = spawn(CHALLTESTSRV, ['-dns01', `127.0.0.1:${ports.dns}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${dnsManagementPort}`, '-defaultIPv4', '127.0.0.1', '-defaultIPv6', ''], { stdio: ['ignore', 'pipe', 'pipe'] });
  dns.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  dns.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // No random 0-5 s pause before each validation (pebble's README, "Testing at full speed").
    PEBBLE_VA_NOSLEEP: '1',
    // Every renewal is validated again rather than riding on a still-valid authorization.
    PEBBLE_AUTHZREUSE: '0',
    // pebble rejects 5% of nonces by default to exercise clients' retries; not what we test.
    PEBBLE_WFE_NONCEREJECT: '0',
  };
  // Validation must really happen: the endpoint has to answer the challenge.
  delete env.PEBBLE_VA_ALWAYS_VALID;
  const pebble = spawn(PEBBLE, ['-config', configFile, '-dnsserver', `127.0.0.1:${ports.dns}`], { stdio: ['ignore', 'pipe', 'pipe'], env });
  pebble.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  pebble.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const stop = async () => {
    await stopChild(pebble);
    await stopChild(dns);
  };
  try {
    await waitFor(dns, () => out, /Starting challenge servers|DNS/i, 'pebble-challtestsrv');
    await waitFor(pebble, () => out, /ACME directory available/, 'pebble');
  } catch (err) {
    await stop();
    throw err;
  }
  const apiCa = await readFile(api.caPath, 'utf8');
  const directoryUrl = `https://127.0.0.1:${ports.acme}/dir`;
  for (const deadline = Date.now() + 15_000; ; ) {
    const answer = await directoryAnswer(directoryUrl, apiCa);
    if (answer.ok) break;
    // Refused: pebble has not bound yet, unless it has exited (its port was taken).
    if (!answer.refused || pebble.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`pebble is not the one answering at ${directoryUrl}: ${answer.why}\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    directoryUrl,
    apiCaPath: api.caPath,
    ports,
    dnsManagementUrl: `http://127.0.0.1:${dnsManagementPort}`,
    async root(rootPath) {
      const agent = new Agent({ connect: { ca: apiCa } });
      try {
        const res = await request(`https://127.0.0.1:${ports.management}/roots/0`, { dispatcher: agent });
        const pem = await res.body.text();
        if (res.statusCode !== 200 || !pem.includes('BEGIN CERTIFICATE')) throw new Error(`pebble's /roots/0 answered ${res.statusCode}: ${pem.slice(0, 200)}`);
        await writeFile(rootPath, pem);
        return pem;
      } finally {
        await agent.close();
      }
    },
    log: () => out,
    stop,
  };
}
