// A test endpoint on a non-loopback address: in a network namespace of its own, reached over a
// veth pair. Browsers treat loopback as potentially trustworthy and never upgrade it to https,
// so the plaintext guard can only be seen at work against an address like this one. Needs root
// (ip netns); everything is removed in close().
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const NS = 'ttd-ext-e2e';
const HOST_SIDE = { dev: 'ttd-ext0', addr: '10.79.0.1' };
const NS_SIDE = { dev: 'ttd-ext1', addr: '10.79.0.2' };

export const canUseNetns = process.getuid?.() === 0 && (() => {
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function teardown(): void {
  try {
    ip('link', 'del', HOST_SIDE.dev);
  } catch {
    // already gone
  }
  try {
    ip('netns', 'del', NS);
  } catch {
    // already gone
  }
}

export interface NetnsEndpoint {
  host: string;
  ports: number[];
  caPath: string;
  close(): Promise<void>;
}

export async function startNetnsEndpoint(): Promise<NetnsEndpoint> {
  teardown();
  const dir = mkdtempSync(join(tmpdir(), 'ttd-netns-'));
  let child: ChildProcess | undefined;
  try {
    ip('netns', 'add', NS);
    ip('link', 'add', HOST_SIDE.dev, 'type', 'veth', 'peer', 'name', NS_SIDE.dev);
    ip('link', 'set', NS_SIDE.dev, 'netns', NS);
    ip('addr', 'add', `${HOST_SIDE.addr}/24`, 'dev', HOST_SIDE.dev);
    ip('-n', NS, 'addr', 'add', `${NS_SIDE.addr}/24`, 'dev', NS_SIDE.dev);
    ip('link', 'set', HOST_SIDE.dev, 'up');
    ip('-n', NS, 'link', 'set', NS_SIDE.dev, 'up');
    ip('-n', NS, 'link', 'set', 'lo', 'up');
    child = spawn('ip', ['netns', 'exec', NS, process.execPath, '--import', 'tsx', 'test/e2e/support/endpoint-process.ts', '--host', NS_SIDE.addr, '--dir', dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: child!.stdout! });
      rl.once('line', resolve);
      child!.once('exit', (code) => reject(new Error(`the endpoint in ${NS} exited with ${code} before listening`)));
      setTimeout(() => reject(new Error(`the endpoint in ${NS} did not start within 30000 ms`)), 30_000);
    });
    const { ports, caPath } = JSON.parse(line) as { ports: number[]; caPath: string };
    const proc = child;
    return {
      host: NS_SIDE.addr,
      ports,
      caPath,
      async close() {
        proc.kill('SIGTERM');
        await new Promise((r) => (proc.exitCode === null ? proc.once('exit', r) : r(undefined)));
        teardown();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    child?.kill('SIGKILL');
    teardown();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
