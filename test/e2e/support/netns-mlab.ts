// A local M-Lab on a non-loopback address: the ndt7 dev server (src/server/ndt7/dev-server.ts,
// ndt7 and locate servers in one process, sharing the access tokens) in a network namespace
// of its own, reached over a veth pair. Browsers never upgrade loopback to TLS, so only against
// an address like this one can a test see whether Firefox turns a ws:// leg into wss://.
// The local locate server is relayed to 127.0.0.1 by `front`, which also serves the plain page the
// Firefox helper starts from: a browser that upgrades insecure requests leaves loopback alone,
// so the run reaches the ndt7 server and the WebSocket is all that is put to the test.
// Needs root (ip netns); everything is removed in close().
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const NS = 'ttd-mlab-e2e';
/** The line from the server to the browser, in Mbit/s. */
export const LINE_MBIT = 300;
const HOST_SIDE = { dev: 'ttd-mlab0', addr: '10.79.1.1' };
const NS_SIDE = { dev: 'ttd-mlab1', addr: '10.79.1.2' };

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function teardown(): void {
  for (const args of [['link', 'del', HOST_SIDE.dev], ['netns', 'del', NS]]) {
    try {
      ip(...args);
    } catch {
      // already gone
    }
  }
}

export interface NetnsMlab {
  /** The ndt7 server's address (in the namespace). */
  host: string;
  /** The local locate server as relayed on loopback. */
  locateUrl: string;
  /** A plain page on loopback to start the Firefox helper from. */
  launchPageUrl: string;
  caPath: string;
  close(): Promise<void>;
}

/** Relays GETs to the local locate server in the namespace and answers "/" with an empty page. */
async function startFront(locateOrigin: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>launch</title>');
    void fetch(`${locateOrigin}${req.url}`)
      .then(async (up) => res.writeHead(up.status, { 'content-type': 'application/json', 'access-control-allow-origin': '*' }).end(await up.text()))
      .catch((err: Error) => res.writeHead(502).end(err.message));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

export async function startNetnsMlab(): Promise<NetnsMlab> {
  teardown();
  const dir = mkdtempSync(join(tmpdir(), 'ttd-netns-mlab-'));
  let child: ChildProcess | undefined;
  let front: Server | undefined;
  try {
    ip('netns', 'add', NS);
    ip('link', 'add', HOST_SIDE.dev, 'type', 'veth', 'peer', 'name', NS_SIDE.dev);
    ip('link', 'set', NS_SIDE.dev, 'netns', NS);
    ip('addr', 'add', `${HOST_SIDE.addr}/24`, 'dev', HOST_SIDE.dev);
    ip('-n', NS, 'addr', 'add', `${NS_SIDE.addr}/24`, 'dev', NS_SIDE.dev);
    ip('link', 'set', HOST_SIDE.dev, 'up');
    ip('-n', NS, 'link', 'set', NS_SIDE.dev, 'up');
    ip('-n', NS, 'link', 'set', 'lo', 'up');
    // A veth carries a few gigabits a second, and Firefox reading at that rate holds its Close
    // back until the server ends the test by itself (src/core/ndt7/subtest.ts, unseenAfterClose):
    // the run is then over after its first probe, having nothing to say of the ws:// leg. The
    // server's side is held to a fast home line's rate, as test/lab's shaping does, with tbf.
    ip('netns', 'exec', NS, 'tc', 'qdisc', 'add', 'dev', NS_SIDE.dev, 'root', 'tbf', 'rate', `${LINE_MBIT}mbit`, 'burst', '256kb', 'latency', '50ms');
    child = spawn(
      'ip',
      ['netns', 'exec', NS, process.execPath, '--import', 'tsx', 'src/server/ndt7/dev-server.ts', '--ports', '0', '--host', NS_SIDE.addr, '--data-dir', dir],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    // dev-server.ts prints the command line to run against it: its locate URL and CA are there.
    const line = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: child!.stdout! });
      rl.on('line', (l) => void (l.includes('--locate-url') && resolve(l)));
      child!.once('exit', (code) => reject(new Error(`the ndt7 dev server in ${NS} exited with ${code} before listening`)));
      setTimeout(() => reject(new Error(`the ndt7 dev server in ${NS} did not start within 30000 ms`)), 30_000);
    });
    const locate = new URL(/--locate-url (\S+)/.exec(line)![1]!);
    const caPath = /--ca (\S+)/.exec(line)![1]!;
    front = await startFront(locate.origin);
    const frontPort = (front.address() as { port: number }).port;
    const proc = child;
    const frontServer = front;
    return {
      host: NS_SIDE.addr,
      locateUrl: `http://127.0.0.1:${frontPort}${locate.pathname}`,
      launchPageUrl: `http://127.0.0.1:${frontPort}/`,
      caPath,
      async close() {
        frontServer.closeAllConnections();
        frontServer.close();
        proc.kill('SIGTERM');
        await new Promise((r) => (proc.exitCode === null ? proc.once('exit', r) : r(undefined)));
        teardown();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    front?.close();
    child?.kill('SIGKILL');
    teardown();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
