// run mlab through real kernel shaping (test/lab/README.md): the local M-Lab in
// one network namespace, the CLI in another, a veth pair as the line and htb on the server's
// side as the ISP's shaper. Needs root; only 10.78.0.0/24 inside namespaces made here is used.
// The namespaces are n7-* (the HTTP lab's cleanup owns lab-*), removed in afterAll.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const SRV = { ns: 'n7-srv', dev: 'n7v-srv', addr: '10.78.0.1' };
const CLI = { ns: 'n7-cli', dev: 'n7v-cli', addr: '10.78.0.2' };
const LOCATE_PORT = 8000;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

async function sh(...args: string[]): Promise<string> {
  try {
    return (await run(args[0]!, args.slice(1), { timeout: 15_000 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${args.join(' ')} failed: ${(e.stderr || e.message).trim()}`, { cause: err });
  }
}
const tc = (args: string) => sh('ip', 'netns', 'exec', SRV.ns, 'tc', ...args.split(' '));

async function removeNamespaces(): Promise<void> {
  for (const ns of [SRV.ns, CLI.ns]) await sh('ip', 'netns', 'del', ns).catch(() => undefined);
}

let server: ChildProcess | undefined;
let caPath = '';

beforeAll(async () => {
  if (!isRoot) return;
  await removeNamespaces();
  await sh('ip', 'netns', 'add', SRV.ns);
  await sh('ip', 'netns', 'add', CLI.ns);
  await sh('ip', 'link', 'add', SRV.dev, 'type', 'veth', 'peer', 'name', CLI.dev);
  for (const h of [SRV, CLI]) {
    await sh('ip', 'link', 'set', h.dev, 'netns', h.ns);
    await sh('ip', '-n', h.ns, 'addr', 'add', `${h.addr}/24`, 'dev', h.dev);
    await sh('ip', '-n', h.ns, 'link', 'set', 'lo', 'up');
    await sh('ip', '-n', h.ns, 'link', 'set', h.dev, 'up');
  }
  // The line: 50 Mbit/s down; class 1:20 (10 Mbit/s) gets port 443 once a test adds the filter.
  await tc(`qdisc add dev ${SRV.dev} root handle 1: htb default 10`);
  await tc(`class add dev ${SRV.dev} parent 1: classid 1:1 htb rate 50mbit quantum 1514`);
  await tc(`class add dev ${SRV.dev} parent 1:1 classid 1:10 htb rate 50mbit quantum 1514`);
  await tc(`class add dev ${SRV.dev} parent 1:1 classid 1:20 htb rate 10mbit ceil 10mbit quantum 1514`);
  const dataDir = mkdtempSync(join(tmpdir(), 'ttd-n7-lab-'));
  caPath = join(dataDir, 'ca.pem');
  server = spawn(
    'ip',
    ['netns', 'exec', SRV.ns, 'node_modules/.bin/tsx', 'src/server/ndt7/dev-server.ts', '--host', SRV.addr, '--ports', '80,443', '--locate-port', String(LOCATE_PORT), '--data-dir', dataDir],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    server!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('--locate-url')) resolve();
    });
    server!.once('exit', (code) => reject(new Error(`the ndt7 dev server exited with ${code}: ${out}`)));
  });
}, 60_000);

afterAll(async () => {
  server?.kill('SIGTERM');
  await removeNamespaces();
});

async function runMlab(): Promise<Record<string, unknown> & { verdict: string; ratio: number; ci95: number[]; bytesUsed: number; durationMs: number }> {
  const { stdout } = await run(
    'ip',
    ['netns', 'exec', CLI.ns, 'node', 'dist/cli.js', 'run', 'mlab', '--accept-mlab-policy', '--json', '--ca', caPath, '--locate-url', `http://${SRV.addr}:${LOCATE_PORT}/v2/nearest/ndt/ndt7`],
    { timeout: 120_000 },
  );
  return JSON.parse(stdout);
}

describe.skipIf(!isRoot)('run mlab through kernel shaping (needs root)', () => {
  it('finds no difference on an even 50 Mbit/s htb line', async () => {
    const r = await runMlab();
    expect(r.verdict).toBe('no-difference');
    expect(r.endpoint).toBe('mlab:mlab-dev');
    expect(r.bytesUsed).toBeLessThanOrEqual(60e6);
  }, 120_000);

  it('finds TLS throttled when htb holds port 443 to a fifth, as the HTTP provider does', async () => {
    await tc(`filter add dev ${SRV.dev} parent 1: protocol ip prio 1 u32 match ip sport 443 0xffff flowid 1:20`);
    const r = await runMlab();
    expect(r.verdict).toBe('tls-throttled');
    expect(r.ratio).toBeGreaterThan(4);
    expect(r.ratio).toBeLessThan(6);
    expect((r.shaping as { rateMbps: number }).rateMbps).toBeGreaterThan(9);
    expect((r.shaping as { rateMbps: number }).rateMbps).toBeLessThan(11);
  }, 120_000);
});
