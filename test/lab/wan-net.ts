// The WAN lab's hosts and path: a server, a router that holds packets in userland for a
// one-way delay and drops some (test/lab/wan-forwarder.c), and a client behind an access line
// shaped with htb in both directions. Needs root. Only addresses in 10.79.0.0/24, inside
// namespaces named wan-* that this file makes, are ever used: the throttle lab (lab-*,
// 10.77.0.0/24) and the mirror lab (mir-*, 10.78.0.0/24) may run beside it.
//
//   wan-srv 10.79.0.1/26 -- veth-ws | veth-wrs 10.79.0.62  wan-rtr  10.79.0.65 veth-wrc | veth-wc -- wan-cli 10.79.0.66/26
//   endpoint, DPI fronts              upstream htb            tun wa -> forwarder -> tun wb    downstream htb (the line)
//
// Policy routing in wan-rtr sends every packet that arrives on either veth into the TUN `wa`
// (`ip rule add iif <veth> lookup 100`); the forwarder writes it to `wb` after the delay, and
// the router forwards it from there by its main table (test/lab/README.md, "The WAN lab"). The forwarder hands the kernel single IP packets, and every veth has GSO limited to
// one segment, so the htb classes on the router's egress meter wire-size packets as an ISP's
// shaper does (with veth's 64 kB GSO packets a slow class lets seconds of data through at once).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { acquireLabLock, namespacePids, setLineRate, sh, shapeLine } from './lab-net.js';

export const WAN_NS = { srv: 'wan-srv', rtr: 'wan-rtr', cli: 'wan-cli' } as const;
export const WAN_ADDR = { srv: '10.79.0.1', rtrSrv: '10.79.0.62', rtrCli: '10.79.0.65', cli: '10.79.0.66' } as const;
/** The router's interface toward the client (downstream line) and toward the server (upstream). */
export const WAN_DOWN_DEV = 'veth-wrc';
export const WAN_UP_DEV = 'veth-wrs';
export const WAN_LOCK_DIR = '/tmp/ttd-wan-lab.lock';
const PREFIX = 'wan-';

/** One WAN lab at a time (its names are fixed); the throttle lab's lock is not taken. */
export function acquireWanLock(timeoutMs = 600_000): Promise<() => void> {
  return acquireLabLock(timeoutMs, WAN_LOCK_DIR);
}
const FORWARDER_SOURCE = join(import.meta.dirname, 'wan-forwarder.c');

export interface WanPath {
  /** Round-trip time the forwarder adds (half of it each way); 0 with no loss: no forwarder. */
  rttMs: number;
  /** Per-packet loss probability in percent, in each direction independently. */
  lossPct: number;
  /**
   * The server's TCP congestion control (default: the machine's). CUBIC, Linux's default,
   * restarts slow start after an idle longer than the retransmission timeout
   * (tcp_slow_start_after_idle); BBR keeps its pacing rate instead, so the two read a long
   * path differently (src/core/slow-start.ts).
   */
  congestion?: 'cubic' | 'bbr';
  /**
   * A policer on the path toward the client (wan-forwarder.c, "police="): packets from this TCP
   * source port beyond a token bucket of burstBytes filling at mbps are dropped, not queued.
   */
  police?: Policer;
}

export interface Policer {
  sourcePort: number;
  mbps: number;
  burstBytes: number;
}

export interface WanLine extends WanPath {
  downMbps: number;
  /** Upstream line rate (default: the downstream rate). */
  upMbps?: number;
  /** Seeds the forwarder's loss pattern. */
  seed?: number;
}

export interface WanLab {
  /** The forwarder process (undefined on a path without delay or loss). */
  forwarder?: ChildProcess;
  /** Ends the forwarder and returns its counters (packets in/out, lost, queue drops). */
  stopForwarder(): Promise<Record<string, number> | undefined>;
}

function ipn(ns: string, args: string): Promise<string> {
  return sh('ip', ['-n', ns, ...args.split(/\s+/).filter(Boolean)]);
}

function sysctl(ns: string, kv: string): Promise<string> {
  return sh('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', kv]);
}

/**
 * Compiles the forwarder once per source version into the temp directory (gcc -O2); the
 * binary's name carries the source's hash, so an edited source is rebuilt.
 */
export async function forwarderBinary(): Promise<string> {
  const source = readFileSync(FORWARDER_SOURCE);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 12);
  const bin = join(tmpdir(), `ttd-wan-forwarder-${hash}`);
  if (!existsSync(bin)) await sh('gcc', ['-O2', '-Wall', '-Wextra', '-o', bin, FORWARDER_SOURCE]);
  return bin;
}

async function wanNamespaces(): Promise<string[]> {
  const out = await sh('ip', ['netns', 'list']).catch(() => '');
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.startsWith(PREFIX));
}

/** Removes the wan-* namespaces and ends the processes left in them. Touches nothing else. */
export async function destroyWanLab(): Promise<void> {
  for (const ns of await wanNamespaces()) {
    for (const pid of await namespacePids(ns)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await sh('ip', ['netns', 'del', ns]).catch(() => undefined);
  }
}

/** Waits for the child's first stdout line or its exit. */
function firstLine(child: ChildProcess, what: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${what} not ready after ${timeoutMs} ms: ${err.trim()}`)), timeoutMs);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const onData = (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(out.slice(0, nl));
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with code ${code} before it was ready: ${err.trim()}`));
    });
  });
}

/**
 * Sets the server namespace's congestion control. A namespace other than the first may only
 * take one the host allows (net.ipv4.tcp_allowed_congestion_control; the kernel's
 * tcp_set_default_congestion_control answers EPERM otherwise), so it is added to that list
 * first: the list only widens what namespaces and unprivileged sockets may choose.
 */
async function serverCongestion(name: 'cubic' | 'bbr'): Promise<void> {
  const allowedPath = '/proc/sys/net/ipv4/tcp_allowed_congestion_control';
  const allowed = readFileSync(allowedPath, 'utf8').trim().split(/\s+/);
  if (!allowed.includes(name)) await sh('sysctl', ['-q', '-w', `net.ipv4.tcp_allowed_congestion_control=${[...allowed, name].join(' ')}`]);
  await sysctl(WAN_NS.srv, `net.ipv4.tcp_congestion_control=${name}`);
}

/** Whether this machine lets a process run at real-time priority (root, chrt installed, RT time not disabled). */
async function canRealtime(): Promise<boolean> {
  try {
    await sh('chrt', ['--fifo', '20', 'true']);
    return true;
  } catch {
    return false;
  }
}

/** Builds the three hosts, the line and, when the path has delay, loss or a policer, the forwarder. */
export async function createWanLab(line: WanLine): Promise<WanLab> {
  await destroyWanLab();
  for (const ns of Object.values(WAN_NS)) await sh('ip', ['netns', 'add', ns]);
  const links: [string, string, string, string, string][] = [
    // [end namespace, its interface, router-side peer, end address, router address]
    [WAN_NS.srv, 'veth-ws', WAN_UP_DEV, WAN_ADDR.srv, WAN_ADDR.rtrSrv],
    [WAN_NS.cli, 'veth-wc', WAN_DOWN_DEV, WAN_ADDR.cli, WAN_ADDR.rtrCli],
  ];
  for (const [ns, dev, peer, addr, gateway] of links) {
    await ipn(WAN_NS.rtr, `link add ${peer} type veth peer name ${dev}`);
    await ipn(WAN_NS.rtr, `link set ${dev} netns ${ns}`);
    // One MTU-sized packet per skb (see the header): the shapers meter what a wire carries.
    await ipn(WAN_NS.rtr, `link set dev ${peer} gso_max_segs 1`);
    await ipn(ns, `link set dev ${dev} gso_max_segs 1`);
    await ipn(WAN_NS.rtr, `addr add ${gateway}/26 dev ${peer}`);
    await ipn(WAN_NS.rtr, `link set ${peer} up`);
    await ipn(ns, `addr add ${addr}/26 dev ${dev}`);
    await ipn(ns, `link set ${dev} up`);
    await ipn(ns, 'link set lo up');
    await ipn(ns, `route add default via ${gateway}`);
  }
  await ipn(WAN_NS.rtr, 'link set lo up');
  if (line.congestion) await serverCongestion(line.congestion);
  await sysctl(WAN_NS.rtr, 'net.ipv4.ip_forward=1');
  // Packets come back from the TUN `wb` with addresses that are not routed via wb: reverse-path
  // filtering would drop them (Documentation/networking/ip-sysctl.rst, rp_filter).
  await sysctl(WAN_NS.rtr, 'net.ipv4.conf.all.rp_filter=0');
  await sysctl(WAN_NS.rtr, 'net.ipv4.conf.default.rp_filter=0');
  await shapeLine(WAN_NS.rtr, WAN_DOWN_DEV, line.downMbps);
  await shapeLine(WAN_NS.rtr, WAN_UP_DEV, line.upMbps ?? line.downMbps);

  if (line.rttMs <= 0 && line.lossPct <= 0 && !line.police) return { stopForwarder: () => Promise.resolve(undefined) };

  // TTD_WAN_FORWARDER=python runs the same loop in Python (wan-forwarder.py), to compare.
  const python = process.env.TTD_WAN_FORWARDER === 'python';
  if (python && line.police) throw new Error('the Python forwarder has no policer: unset TTD_WAN_FORWARDER for a policed path');
  const cmd = python ? ['python3', join(import.meta.dirname, 'wan-forwarder.py')] : [await forwarderBinary()];
  for (const tun of ['wa', 'wb']) {
    await ipn(WAN_NS.rtr, `tuntap add dev ${tun} mode tun`);
    await ipn(WAN_NS.rtr, `link set ${tun} mtu 1500`);
    await ipn(WAN_NS.rtr, `link set ${tun} up`);
    await sysctl(WAN_NS.rtr, `net.ipv4.conf.${tun}.rp_filter=0`);
  }
  const delayUs = Math.round((line.rttMs * 1000) / 2);
  const lossPpm = Math.round(line.lossPct * 10_000);
  // The forwarder is the path, not a program under test: real-time priority (SCHED_FIFO, where
  // chrt may set it) keeps the browsers and builds of a full test run from stretching its delay
  // or starving its throughput; it sleeps in ppoll between packets, so it leaves the cores to them.
  const rt = (await canRealtime()) ? ['chrt', '--fifo', '20'] : [];
  const police = line.police ? [`police=${line.police.sourcePort}:${Math.round(line.police.mbps * 1000)}:${Math.round(line.police.burstBytes)}`] : [];
  const args = ['wa', 'wb', String(delayUs), String(lossPpm), String(line.seed ?? 1), ...police];
  const forwarder = spawn('ip', ['netns', 'exec', WAN_NS.rtr, ...rt, ...cmd, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await firstLine(forwarder, 'the WAN forwarder', 10_000);
  for (const dev of [WAN_UP_DEV, WAN_DOWN_DEV]) {
    await ipn(WAN_NS.rtr, `rule add iif ${dev} lookup 100 priority 100`);
  }
  await ipn(WAN_NS.rtr, 'route add default dev wa table 100');

  return {
    forwarder,
    async stopForwarder() {
      if (forwarder.exitCode !== null || forwarder.signalCode !== null) return undefined;
      let out = '';
      forwarder.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<void>((r) => forwarder.once('exit', () => r()));
      forwarder.kill('SIGTERM');
      const timer = setTimeout(() => forwarder.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
      try {
        return JSON.parse(out.trim().split('\n').pop() ?? '') as Record<string, number>;
      } catch {
        return undefined;
      }
    },
  };
}

/** Changes the downstream line's rate. */
export async function setWanLineRate(mbps: number): Promise<void> {
  await setLineRate(WAN_NS.rtr, WAN_DOWN_DEV, mbps);
}
