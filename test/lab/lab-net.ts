// The lab's hosts and line: network namespaces, a veth "access line", and htb on both ends of
// it (test/lab/README.md). Needs root. Only addresses in 10.77.0.0/24, inside
// namespaces this file makes, are ever used.
//
//   lab-srv (10.77.0.1)  == the line ==  lab-home (bridge br-home) -- lab-cli (10.77.0.2)
//   endpoint, shapers      veth-lsrv /                             \-- lab-x   (10.77.0.3)
//                          veth-hsrv                                   cross traffic
//
// The line is the pair veth-lsrv/veth-hsrv. Downloads to both home hosts leave lab-srv through
// veth-lsrv, so its htb root is the downstream line; uploads leave the home through veth-hsrv.
// The cross-traffic host sits behind the same line, as another device of the same household.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const NS = { srv: 'lab-srv', home: 'lab-home', cli: 'lab-cli', cross: 'lab-x' } as const;
export const ADDR = { srv: '10.77.0.1', cli: '10.77.0.2', cross: '10.77.0.3' } as const;
/** The line's interface on the server side (downstream shaping) and on the home side (upstream). */
export const LINE_DOWN_DEV = 'veth-lsrv';
export const LINE_UP_DEV = 'veth-hsrv';
/** The client's port on the home bridge: what reaches lab-cli leaves lab-home through it, after the line. */
export const CLIENT_DOWN_DEV = 'veth-hcli';
const PREFIX = 'lab-';

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Runs a command; its stderr is in the error, with the command line. */
export async function sh(cmd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { timeout: 15_000 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(e.stderr || e.message).trim()}`, { cause: err });
  }
}

export function tc(ns: string, args: string): Promise<string> {
  return sh('ip', ['netns', 'exec', ns, 'tc', ...args.split(/\s+/).filter(Boolean)]);
}

function ipn(ns: string, args: string): Promise<string> {
  return sh('ip', ['-n', ns, ...args.split(/\s+/).filter(Boolean)]);
}

/** Pids of the processes inside one of our namespaces (all of them started by the lab). */
export async function namespacePids(ns: string): Promise<number[]> {
  const out = await sh('ip', ['netns', 'pids', ns]).catch(() => '');
  return out
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 1);
}

async function labNamespaces(): Promise<string[]> {
  const out = await sh('ip', ['netns', 'list']).catch(() => '');
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.startsWith(PREFIX));
}

/**
 * Removes the lab's namespaces and ends the processes left in them (a run that crashed before
 * its `finally`). Only namespaces named lab-*, which only this lab makes, are touched.
 */
export async function destroyLab(): Promise<void> {
  for (const ns of await labNamespaces()) {
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

export interface LineOptions {
  /** Downstream line rate. */
  downMbps: number;
  /** Upstream line rate (default: the downstream rate). */
  upMbps?: number;
}

/**
 * Builds the hosts and an htb tree on each end of the line:
 *   1: htb default 10 -> 1:1 the line -> 1:10 everything; scenarios add 1:20 and filters.
 * quantum 1514 keeps htb's per-round deficit at one packet, as the lab recipe in test/lab/README.md does.
 */
export async function createLab(line: LineOptions): Promise<void> {
  await destroyLab();
  for (const ns of Object.values(NS)) await sh('ip', ['netns', 'add', ns]);
  await ipn(NS.home, 'link add br-home type bridge');
  const links: [string, string, string, string][] = [
    // [namespace, its interface, home-side peer, address]
    [NS.srv, LINE_DOWN_DEV, LINE_UP_DEV, ADDR.srv],
    [NS.cli, 'veth-lcli', CLIENT_DOWN_DEV, ADDR.cli],
    [NS.cross, 'veth-lx', 'veth-hx', ADDR.cross],
  ];
  for (const [ns, dev, peer, addr] of links) {
    await ipn(NS.home, `link add ${peer} type veth peer name ${dev}`);
    await ipn(NS.home, `link set ${dev} netns ${ns}`);
    await ipn(NS.home, `link set ${peer} master br-home`);
    await ipn(NS.home, `link set ${peer} up`);
    // One MTU-sized packet per skb, as on a real access line: with veth's 64 kB GSO packets an
    // 80 kbit/s class lets 6 s worth of bytes through at once and then owes them.
    await ipn(NS.home, `link set dev ${peer} gso_max_segs 1`);
    await ipn(ns, `link set dev ${dev} gso_max_segs 1`);
    await ipn(ns, `addr add ${addr}/24 dev ${dev}`);
    await ipn(ns, `link set ${dev} up`);
    await ipn(ns, 'link set lo up');
  }
  await ipn(NS.home, 'link set br-home up');
  await ipn(NS.home, 'link set lo up');
  await shapeLine(NS.srv, LINE_DOWN_DEV, line.downMbps);
  await shapeLine(NS.home, LINE_UP_DEV, line.upMbps ?? line.downMbps);
}

/**
 * The line's rate and the class a scenario added to it, per namespace and device: the classes'
 * guaranteed rates must add up to the line (below), and a drifting line keeps that split.
 */
const lines = new Map<string, { mbps: number; shaped?: { mbps: number; tbf: boolean } }>();
const lineKey = (ns: string, dev: string) => `${ns} ${dev}`;

/**
 * The line: 1: htb default 10 -> 1:1 the line -> 1:10 everything; scenarios add 1:20
 * (addShapedClass). quantum 1514 keeps htb's per-round deficit at one packet, for fairness
 * between classes; at 300 Mbit/s and more, htb's default burst (one timer tick's worth of bytes
 * at the rate) is what lets it reach its rate.
 */
export async function shapeLine(ns: string, dev: string, mbps: number): Promise<void> {
  lines.set(lineKey(ns, dev), { mbps });
  await tc(ns, `qdisc add dev ${dev} root handle 1: htb default 10`);
  await tc(ns, `class add dev ${dev} parent 1: classid 1:1 htb rate ${mbps}mbit ceil ${mbps}mbit quantum 1514`);
  await tc(ns, `class add dev ${dev} parent 1:1 classid 1:10 htb rate ${mbps}mbit ceil ${mbps}mbit quantum 1514`);
}

const mbit = (x: number) => `${x.toFixed(3)}mbit`;

/**
 * The rates of 1:10 and 1:20 on a line of `mbps`. htb lets a class send at its own rate
 * whatever its parent has left, so rates that add up to more than the line make a line that
 * carries more than its rate: with 1:10 and a bucket's 1:20 both at the line's 45 Mbit/s, TLS
 * and cross traffic together got 68 Mbit/s through it. So a cap takes its rate from 1:10's
 * share; a bucket's class (whose tbf does the limiting) and 1:10 each get half the line and
 * borrow the rest while the other is idle, so TLS shares the line with cross traffic as two
 * flows share a bottleneck (21.5 Mbit/s each of 45, measured with two bulk flows).
 */
function classRates(mbps: number, shaped?: { mbps: number; tbf: boolean }): { line: string; shaped?: string } {
  if (!shaped) return { line: `rate ${mbit(mbps)} ceil ${mbit(mbps)}` };
  if (shaped.tbf) return { line: `rate ${mbit(mbps / 2)} ceil ${mbit(mbps)}`, shaped: `rate ${mbit(mbps / 2)} ceil ${mbit(mbps)}` };
  return { line: `rate ${mbit(Math.max(mbps - shaped.mbps, mbps / 100))} ceil ${mbit(mbps)}`, shaped: `rate ${mbit(shaped.mbps)} ceil ${mbit(shaped.mbps)}` };
}

/** Changes the line's rate (noise: the line's speed drifts over time), keeping its classes' split. */
export async function setLineRate(ns: string, dev: string, mbps: number): Promise<void> {
  const line = lines.get(lineKey(ns, dev));
  if (line) line.mbps = mbps;
  const rates = classRates(mbps, line?.shaped);
  await tc(ns, `class change dev ${dev} parent 1: classid 1:1 htb rate ${mbit(mbps)} ceil ${mbit(mbps)} quantum 1514`);
  await tc(ns, `class change dev ${dev} parent 1:1 classid 1:10 htb ${rates.line} quantum 1514`);
  if (line?.shaped?.tbf) await tc(ns, `class change dev ${dev} parent 1:1 classid 1:20 htb ${rates.shaped} quantum 1514`);
}

export interface ClassOptions {
  ns: string;
  dev: string;
  mbps: number;
  /** u32 match, e.g. "ip sport 443 0xffff". */
  match: string;
  /** With a tbf leaf: a bucket of this many bytes that refills while the class is idle. */
  tbfBurstBytes?: number;
  /** Leave packets under 128 bytes (pure ACKs) in the line's class. */
  exemptAcks?: boolean;
}

/** Adds the scenario's class 1:20 and the filter that sends matching packets to it. */
export async function addShapedClass(c: ClassOptions): Promise<void> {
  const line = lines.get(lineKey(c.ns, c.dev));
  if (!line) throw new Error(`addShapedClass: no line on ${c.ns} ${c.dev} was built by shapeLine in this process`);
  line.shaped = { mbps: c.mbps, tbf: c.tbfBurstBytes !== undefined };
  const rates = classRates(line.mbps, line.shaped);
  await tc(c.ns, `class change dev ${c.dev} parent 1:1 classid 1:10 htb ${rates.line} quantum 1514`);
  await tc(c.ns, `class add dev ${c.dev} parent 1:1 classid 1:20 htb ${rates.shaped} quantum 1514`);
  // A tbf leaf: the first burst goes at the class's rate, then tbf's; latency bounds tbf's
  // queue, and 200 ms at the shaped rate keeps TCP's queue realistic.
  if (c.tbfBurstBytes !== undefined) await tc(c.ns, `qdisc add dev ${c.dev} parent 1:20 handle 20: tbf rate ${c.mbps}mbit burst ${c.tbfBurstBytes} latency 200ms`);
  if (c.exemptAcks) {
    // IPv4 total length (offset 2) under 128: the top nine bits of the 16-bit field are zero.
    await tc(c.ns, `filter add dev ${c.dev} parent 1: protocol ip prio 1 u32 match u16 0x0000 0xff80 at 2 flowid 1:10`);
  }
  await tc(c.ns, `filter add dev ${c.dev} parent 1: protocol ip prio 2 u32 match ${c.match} flowid 1:20`);
}

/**
 * A speed boost on the whole line, as cable operators sell it (PowerBoost, a DOCSIS maximum
 * traffic burst): the line's htb class runs at its rate (the boosted one) while a tbf leaf under
 * the default class holds tokens, and at sustainedMbps once they are spent; the bucket refills
 * while the line is quiet. Every flow on the line draws on it, the cross traffic's too. Not a
 * shaper of TLS: a confounder that speeds up whatever follows a pause.
 */
export async function addLineBoost(c: { ns: string; dev: string; sustainedMbps: number; burstBytes: number }): Promise<void> {
  if (!lines.has(lineKey(c.ns, c.dev))) throw new Error(`addLineBoost: no line on ${c.ns} ${c.dev} was built by shapeLine in this process`);
  await tc(c.ns, `qdisc add dev ${c.dev} parent 1:10 handle 10: tbf rate ${c.sustainedMbps}mbit burst ${c.burstBytes} latency 200ms`);
}

/**
 * A shaper in series with the line rather than a class of it: htb on the client's port of the
 * home bridge (CLIENT_DOWN_DEV), after the line, so the line stays one queue that TLS, plain
 * HTTP and the cross traffic share as flows share any bottleneck, and the cap only holds what
 * passes it. A class of the line's own htb (addShapedClass) is guaranteed its cap, so beside
 * cross traffic TLS kept the cap while plain HTTP shared what was left (bench/RESULTS.md,
 * 2026-12-04 06:51); a shaper in an ISP's core, upstream of a subscriber's line, gives TLS no
 * such claim on the line. Two rate limits in series leave a flow the lesser of the two, in
 * either order, so after the line stands for before it. Everything else passes at 10 Gbit/s.
 */
export async function addSeriesShaper(c: Omit<ClassOptions, 'ns' | 'dev' | 'exemptAcks'>): Promise<void> {
  const [ns, dev] = [NS.home, CLIENT_DOWN_DEV];
  await tc(ns, `qdisc add dev ${dev} root handle 1: htb default 10`);
  await tc(ns, `class add dev ${dev} parent 1: classid 1:1 htb rate 10gbit ceil 10gbit quantum 1514`);
  await tc(ns, `class add dev ${dev} parent 1:1 classid 1:10 htb rate 10gbit ceil 10gbit quantum 1514`);
  const limit = c.tbfBurstBytes === undefined ? `${c.mbps}mbit` : '10gbit';
  await tc(ns, `class add dev ${dev} parent 1:1 classid 1:20 htb rate ${limit} ceil ${limit} quantum 1514`);
  if (c.tbfBurstBytes !== undefined) await tc(ns, `qdisc add dev ${dev} parent 1:20 handle 20: tbf rate ${c.mbps}mbit burst ${c.tbfBurstBytes} latency 200ms`);
  await tc(ns, `filter add dev ${dev} parent 1: protocol ip prio 2 u32 match ${c.match} flowid 1:20`);
}

const LOCK_DIR = '/tmp/ttd-lab.lock';

/**
 * One lab at a time on this machine (the names are fixed): a lock directory holding the
 * owner's pid; a lock whose owner is gone is taken over. Labs with other names (the WAN lab,
 * wan-net.ts) pass their own lock directory and run beside this one.
 */
export async function acquireLabLock(timeoutMs = 600_000, lockDir = LOCK_DIR): Promise<() => void> {
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(`${lockDir}/pid`, String(process.pid));
      return () => rmSync(lockDir, { recursive: true, force: true });
    } catch {
      let owner = NaN;
      try {
        owner = Number(readFileSync(`${lockDir}/pid`, 'utf8'));
      } catch {
        // being written
      }
      let alive = false;
      if (Number.isInteger(owner) && owner > 0) {
        try {
          process.kill(owner, 0);
          alive = true;
        } catch {
          alive = false;
        }
      }
      if (!alive && Number.isInteger(owner)) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - started > timeoutMs) throw new Error(`the lab is in use by pid ${owner} for over ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
