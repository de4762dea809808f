// The SNI lab's two hosts and their line: network namespaces sni-srv (10.80.0.1) and sni-cli
// (10.80.0.2) joined by a veth pair, with an htb line on the server's end (downloads) and on
// the client's (uploads), as lab-net.ts builds the throttle lab. Its own names, subnet and lock,
// so it runs beside the throttle lab (lab-*, 10.77.0.0/24) and the WAN lab (wan-*, 10.79.0.0/24).
// Needs root. Only addresses in 10.80.0.0/24, inside namespaces this file makes, are used.
import { rmSync } from 'node:fs';
import { acquireLabLock, namespacePids, sh, tc } from '../lab-net.js';

export const SNI_NS = { srv: 'sni-srv', cli: 'sni-cli' } as const;
export const SNI_ADDR = { srv: '10.80.0.1', cli: '10.80.0.2' } as const;
const PREFIX = 'sni-';
const SRV_DEV = 'veth-ssrv';
const CLI_DEV = 'veth-scli';
const LOCK_DIR = '/tmp/ttd-sni-lab.lock';

let lockHeld = false;

export async function acquireSniLock(timeoutMs = 600_000): Promise<() => void> {
  const release = await acquireLabLock(timeoutMs, LOCK_DIR);
  lockHeld = true;
  return () => {
    lockHeld = false;
    release();
  };
}

/**
 * For an interrupted benchmark: removes the sni-* namespaces only when this process holds the
 * SNI lab's lock, so a Ctrl-C never pulls the lab from under another process's run.
 */
export async function destroyOwnSniLab(): Promise<void> {
  if (!lockHeld) return;
  await destroySniLab();
  rmSync(LOCK_DIR, { recursive: true, force: true });
  lockHeld = false;
}

/** Removes the sni-* namespaces and ends the processes left in them. */
export async function destroySniLab(): Promise<void> {
  const out = await sh('ip', ['netns', 'list']).catch(() => '');
  const ours = out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.startsWith(PREFIX));
  for (const ns of ours) {
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

/** Builds the two hosts and an htb line of `mbps` each way (quantum and GSO as lab-net.ts). */
export async function createSniLab(mbps: number): Promise<void> {
  await destroySniLab();
  await sh('ip', ['netns', 'add', SNI_NS.srv]);
  await sh('ip', ['netns', 'add', SNI_NS.cli]);
  await sh('ip', ['-n', SNI_NS.srv, 'link', 'add', SRV_DEV, 'type', 'veth', 'peer', 'name', CLI_DEV]);
  await sh('ip', ['-n', SNI_NS.srv, 'link', 'set', CLI_DEV, 'netns', SNI_NS.cli]);
  for (const [ns, dev, addr] of [
    [SNI_NS.srv, SRV_DEV, SNI_ADDR.srv],
    [SNI_NS.cli, CLI_DEV, SNI_ADDR.cli],
  ] as const) {
    // One MTU-sized packet per skb, so htb meters packets as a real line does (lab-net.ts).
    await sh('ip', ['-n', ns, 'link', 'set', 'dev', dev, 'gso_max_segs', '1']);
    await sh('ip', ['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev]);
    await sh('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    await sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    await tc(ns, `qdisc add dev ${dev} root handle 1: htb default 10`);
    await tc(ns, `class add dev ${dev} parent 1: classid 1:1 htb rate ${mbps}mbit ceil ${mbps}mbit quantum 1514`);
    await tc(ns, `class add dev ${dev} parent 1:1 classid 1:10 htb rate ${mbps}mbit ceil ${mbps}mbit quantum 1514`);
  }
}
