// The mirror lab's hosts and line: two network namespaces joined by a veth "access line" with
// htb on both ends (test/lab/README.md). Its names (mir-*) and subnet
// (10.78.0.0/24) are its own, so it runs beside the main lab (lab-*, 10.77.0.0/24,
// test/lab/lab-net.ts) without touching it. Needs root.
//
//   mir-srv (10.78.0.1)  ======= the line =======  mir-cli (10.78.0.2)
//   nginx | apache2 | lighttpd      veth-msrv / veth-mcli
//   fronts: DPI pacing, plaintext cache
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { sh, shapeLine } from '../lab-net.js';

export const MNS = { srv: 'mir-srv', cli: 'mir-cli' } as const;
export const MADDR = { srv: '10.78.0.1', cli: '10.78.0.2' } as const;
export const MLINE_DOWN_DEV = 'veth-msrv';
export const MLINE_UP_DEV = 'veth-mcli';
const PREFIX = 'mir-';

async function mirNamespaces(): Promise<string[]> {
  const out = await sh('ip', ['netns', 'list']).catch(() => '');
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.startsWith(PREFIX));
}

/** Ends what is left in the mir-* namespaces (a crashed run) and removes them; nothing else. */
export async function destroyMirrorLab(): Promise<void> {
  for (const ns of await mirNamespaces()) {
    const pids = (await sh('ip', ['netns', 'pids', ns]).catch(() => ''))
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 1);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await sh('ip', ['netns', 'del', ns]).catch(() => undefined);
  }
}

/**
 * The lab is IPv4 only, and no address may change once a client runs. With IPv6 on, each veth
 * gets a link-local address whose duplicate address detection ends about 1.8 s after the link
 * comes up (RFC 4862 sec. 5.4); the kernel then announces the address (RTM_NEWADDR), Chromium
 * takes it for a network change (net log: NETWORK_IP_ADDRESSES_CHANGED) and closes every
 * HTTP/2 session with ERR_NETWORK_CHANGED, cutting off the transfer in flight as "network
 * error". HTTP/1.1 transfers survive it, so only lighttpd (the one server here speaking HTTP/2)
 * lost first clicks that started within those seconds.
 */
async function ipv4Only(ns: string): Promise<void> {
  await sh('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
}

export async function createMirrorLab(line: { downMbps: number; upMbps?: number }): Promise<void> {
  await destroyMirrorLab();
  await sh('ip', ['netns', 'add', MNS.srv]);
  await sh('ip', ['netns', 'add', MNS.cli]);
  await ipv4Only(MNS.srv);
  await ipv4Only(MNS.cli);
  await sh('ip', ['-n', MNS.srv, 'link', 'add', MLINE_DOWN_DEV, 'type', 'veth', 'peer', 'name', MLINE_UP_DEV]);
  await sh('ip', ['-n', MNS.srv, 'link', 'set', MLINE_UP_DEV, 'netns', MNS.cli]);
  for (const [ns, dev, addr] of [
    [MNS.srv, MLINE_DOWN_DEV, MADDR.srv],
    [MNS.cli, MLINE_UP_DEV, MADDR.cli],
  ] as const) {
    // One MTU-sized packet per skb, as on a real access line (test/lab/README.md).
    await sh('ip', ['-n', ns, 'link', 'set', 'dev', dev, 'gso_max_segs', '1']);
    await sh('ip', ['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev]);
    await sh('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    await sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  await shapeLine(MNS.srv, MLINE_DOWN_DEV, line.downMbps);
  await shapeLine(MNS.cli, MLINE_UP_DEV, line.upMbps ?? line.downMbps);
}

const LOCK_DIR = '/tmp/ttd-mirror-lab.lock';
/** Whether this process holds the lock: the mir-* namespaces are then its own to remove. */
let lockHeld = false;

/**
 * For a signal handler: removes the mirror lab only when this process holds its lock. Another
 * process's interrupted benchmark must not pull the namespaces from under a run in progress
 * (it did once: a run in mir-cli failed with 'Cannot open network namespace "mir-cli"').
 */
export async function destroyOwnMirrorLab(): Promise<void> {
  if (!lockHeld) return;
  await destroyMirrorLab();
  rmSync(LOCK_DIR, { recursive: true, force: true });
  lockHeld = false;
}

/** One mirror lab at a time (its names are fixed); a lock whose owner is gone is taken over. */
export async function acquireMirrorLock(timeoutMs = 600_000): Promise<() => void> {
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(`${LOCK_DIR}/pid`, String(process.pid));
      lockHeld = true;
      return () => {
        lockHeld = false;
        rmSync(LOCK_DIR, { recursive: true, force: true });
      };
    } catch {
      let owner = NaN;
      try {
        owner = Number(readFileSync(`${LOCK_DIR}/pid`, 'utf8'));
      } catch {
        // being written
      }
      let alive = false;
      try {
        if (Number.isInteger(owner) && owner > 0) {
          process.kill(owner, 0);
          alive = true;
        }
      } catch {
        alive = false;
      }
      if (!alive && Number.isInteger(owner)) {
        rmSync(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - started > timeoutMs) throw new Error(`the mirror lab is busy (${LOCK_DIR}, pid ${owner})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
