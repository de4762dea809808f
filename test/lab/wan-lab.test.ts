// The WAN lab's CI subset (about a minute): the path holds packets for the RTT it was given,
// drops the share it was given, keeps up with a 50 Mbit/s line, and one scenario on a long
// lossy path gives the verdict its truth says. The full table is
// `npm run bench:accuracy -- --scenarios w-...` (test/lab/README.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRoot, sh } from './lab-net.js';
import { REPO, runScenario } from './run-scenario.js';
import { scenarioById } from './scenarios.js';
import { acquireWanLock, createWanLab, destroyWanLab, WAN_ADDR, WAN_NS } from './wan-net.js';

const root = isRoot();
const hasGcc = existsSync('/usr/bin/gcc');
const built = existsSync(join(REPO, 'dist', 'cli.js'));
const skipReason = !root
  ? ' (skipped: needs root for network namespaces, TUN devices and tc)'
  : !hasGcc
    ? ' (skipped: needs gcc to build test/lab/wan-forwarder.c)'
    : '';
if (skipReason) console.warn(`WAN lab tests${skipReason}`);

/** A bulk sender in wan-srv: every connection gets constant bytes until it closes. */
function startSender(port = 9000): Promise<ChildProcess> {
  const code = `const c=Buffer.alloc(65536,90);require('net').createServer(s=>{s.on('error',()=>{});const m=()=>{while(!s.destroyed)if(!s.write(c))return void s.once('drain',m)};m()}).listen(${port},'${WAN_ADDR.srv}',()=>console.log('ready'))`;
  const child = spawn('ip', ['netns', 'exec', WAN_NS.srv, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () => resolve(child));
    child.once('exit', (c) => reject(new Error(`the bulk sender exited with ${c}`)));
  });
}

/** Connect time (one RTT) and bytes read in `seconds`, from the client namespace. */
async function probe(seconds: number, port = 9000): Promise<{ connectMs: number; mbps: number }> {
  const out = await sh('ip', [
    'netns', 'exec', WAN_NS.cli, 'bash', '-c',
    `s=$(date +%s%N); exec 3<>/dev/tcp/${WAN_ADDR.srv}/${port}; c=$(date +%s%N); n=$(timeout ${seconds} cat <&3 | wc -c); echo $(( (c - s) / 1000 )) $n`,
  ]);
  const [connectUs, bytes] = out.trim().split(' ').map(Number);
  return { connectMs: connectUs! / 1000, mbps: (bytes! * 8) / seconds / 1e6 };
}

async function withPath<T>(
  line: Parameters<typeof createWanLab>[0],
  fn: (counters: () => Promise<Record<string, number> | undefined>) => Promise<T>,
  ports = [9000],
): Promise<T> {
  const release = await acquireWanLock();
  const senders: ChildProcess[] = [];
  try {
    const lab = await createWanLab(line);
    for (const port of ports) senders.push(await startSender(port));
    return await fn(() => lab.stopForwarder());
  } finally {
    for (const sender of senders) sender.kill('SIGKILL');
    await destroyWanLab();
    release();
  }
}

describe.skipIf(!!skipReason)(`WAN lab${skipReason}`, () => {
  it('adds the RTT it was given and carries at least 80% of a 50 Mbit/s line through the forwarder', async () => {
    await withPath({ downMbps: 50, rttMs: 50, lossPct: 0 }, async (counters) => {
      // The forwarder is a userland process, though at real-time priority where it may be
      // (wan-net.ts): in full runs some probes read 13-34 Mbit/s, twice on CI below 20 in both of
      // two probes, where on a quiet machine every probe carries over 40. What the path can
      // carry is the best of up to three probes; the RTT is read on the probe that carried it.
      const probes: { connectMs: number; mbps: number }[] = [];
      while (probes.length < 3 && !probes.some((p) => p.mbps > 40)) probes.push(await probe(4));
      console.log(`WAN lab path: ${probes.map((p) => `${p.mbps.toFixed(1)} Mbit/s, connect ${p.connectMs.toFixed(1)} ms`).join('; ')}`);
      const best = probes.reduce((a, b) => (b.mbps > a.mbps ? b : a));
      // The handshake's SYN and SYN-ACK each wait 25 ms; the rest is scheduling on a busy machine.
      expect(best.connectMs).toBeGreaterThan(49);
      expect(best.connectMs).toBeLessThan(80);
      expect(best.mbps).toBeGreaterThan(40);
      expect(Math.max(...probes.map((p) => p.mbps))).toBeLessThan(52);
      const c = await counters();
      expect(c?.queueDrops).toBe(0);
      expect(c?.lost).toBe(0);
    });
  }, 60_000);

  it('drops the share of packets it was given, each way', async () => {
    await withPath({ downMbps: 50, rttMs: 4, lossPct: 1 }, async (counters) => {
      await probe(3);
      const c = (await counters())!;
      expect(c.packetsIn).toBeGreaterThan(3000);
      const share = c.lost! / c.packetsIn!;
      // Binomial: with n > 3000 and p = 1%, 0.5-1.5% is more than 3 standard deviations.
      expect(share).toBeGreaterThan(0.005);
      expect(share).toBeLessThan(0.015);
    });
  }, 60_000);

  it('polices one source port to its rate by dropping, and leaves the others the line', async () => {
    const police = { sourcePort: 443, mbps: 10, burstBytes: 64_000 };
    await withPath(
      { downMbps: 50, rttMs: 10, lossPct: 0, police },
      async (counters) => {
        const policedPort = await probe(4, 443);
        const otherPort = await probe(3, 9000);
        const c = (await counters())!;
        console.log(`WAN lab policer: port 443 ${policedPort.mbps.toFixed(1)} Mbit/s (policed at 10), port 9000 ${otherPort.mbps.toFixed(1)}; ${c.policed} packets policed`);
        // TCP on a policer runs at or below its rate (BBR close to it, CUBIC lower); never above
        // it by more than the burst a 4 s probe can add (64 KB: 0.13 Mbit/s).
        expect(policedPort.mbps).toBeLessThan(10.5);
        expect(policedPort.mbps).toBeGreaterThan(4);
        expect(otherPort.mbps).toBeGreaterThan(35);
        expect(c.policed).toBeGreaterThan(0);
        expect(c.queueDrops).toBe(0);
        expect(c.lost).toBe(0);
      },
      [9000, 443],
    );
  }, 60_000);

  it.skipIf(!built)(
    `finds port 443 capped to a third of 50 Mbit/s over a 50 ms path with 0.2% loss${built ? '' : ' (skipped: dist/cli.js missing, run `node build.mjs`)'}`,
    async () => {
      const [record] = await runScenario(scenarioById('w-port3-50m-50ms-0p2pct'), { runs: 1, noise: { crossTraffic: false, lineDriftLo: 0 } });
      expect(record?.error).toBeUndefined();
      expect(record!.result!.verdict).toBe('tls-throttled');
      expect(record!.result!.ratio).toBeGreaterThan(2);
    },
    120_000,
  );
});
