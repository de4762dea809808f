// Where the WAN lab stops measuring the shaper and starts measuring this machine: unshaped
// HTTP and HTTPS flows through a line of the given rate and path, with the CPU time each
// party spent per gigabyte. Needs root.
//   npx tsx test/lab/wan-capacity.ts --mbps 1000 [--rtt-ms 0] [--loss-pct 0] [--seconds 5] [--flows 2]
// Besides HTTP and HTTPS from the endpoint, a raw TCP flow from the lab server's bulk sender
// (a constant buffer written as fast as the socket takes it) shows what the path itself
// carries when neither end does any work per byte: the forwarder's ceiling.
// Prints one JSON line per flow and a summary: the TCP connect time (one RTT), each kind's
// median rate, the endpoint's, curl's and the forwarder's CPU seconds per GB, and the share of
// both cores busy machine-wide (other work on the machine included, so read it as an upper
// bound on the lab's own use).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { curlFlow, type CurlFlow } from './glasnost-rule.js';
import { isRoot, sh } from './lab-net.js';
import type { LabServerConfig } from './lab-server.js';
import { acquireWanLock, createWanLab, destroyWanLab, WAN_ADDR, WAN_NS } from './wan-net.js';

const { values } = parseArgs({
  options: {
    mbps: { type: 'string', default: '1000' },
    'rtt-ms': { type: 'string', default: '0' },
    'loss-pct': { type: 'string', default: '0' },
    seconds: { type: 'string', default: '5' },
    flows: { type: 'string', default: '2' },
  },
});

const TICKS_PER_SECOND = 100; // USER_HZ, proc(5) "/proc/pid/stat"

/** utime + stime of a process, in seconds (proc(5): fields 14 and 15); only utime with `userOnly`. */
async function cpuSeconds(pid: number | undefined, userOnly = false): Promise<number> {
  if (!pid) return 0;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + (userOnly ? 0 : Number(fields[12]))) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Busy and total jiffies of all CPUs (proc(5): /proc/stat "cpu" line). */
async function machineJiffies(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const xs = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = xs[3]! + xs[4]!;
  const total = xs.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Reads the bulk sender for `seconds` from the client namespace; bash's /dev/tcp, no tools. */
async function rawFlow(seconds: number): Promise<CurlFlow> {
  const out = await sh('ip', [
    'netns', 'exec', WAN_NS.cli, 'bash', '-c',
    `exec 3<>/dev/tcp/${WAN_ADDR.srv}/9000; s=$(date +%s.%N); n=$(timeout ${seconds} cat <&3 | wc -c); e=$(date +%s.%N); echo $n $s $e; times`,
  ]);
  const lines = out.trim().split('\n');
  const [n, s, e] = lines[0]!.split(' ').map(Number);
  const cpu = (lines[2]?.match(/(\d+)m([\d.]+)s/g) ?? []).reduce((sum, t) => {
    const m = /(\d+)m([\d.]+)s/.exec(t)!;
    return sum + Number(m[1]) * 60 + Number(m[2]);
  }, 0);
  const secs = e! - s!;
  return { scheme: 'http', bytes: n!, seconds: secs, mbps: (n! * 8) / secs / 1e6, clientCpuSeconds: cpu };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  if (!isRoot()) throw new Error('wan-capacity needs root: it builds network namespaces and shapes them with tc');
  const mbps = Number(values.mbps);
  const rttMs = Number(values['rtt-ms']);
  const lossPct = Number(values['loss-pct']);
  const seconds = Number(values.seconds);
  const flows = Number(values.flows);
  const release = await acquireWanLock();
  let server: ChildProcess | undefined;
  let dataDir: string | undefined;
  try {
    const lab = await createWanLab({ downMbps: mbps, rttMs, lossPct });
    dataDir = await mkdtemp(join(tmpdir(), 'ttd-wan-cap-'));
    const config: LabServerConfig = { publicHost: WAN_ADDR.srv, ports: [80, 443], dataDir, fronts: {}, blasterPort: 9000 };
    server = spawn('ip', ['netns', 'exec', WAN_NS.srv, process.execPath, '--import', 'tsx', join(import.meta.dirname, 'lab-server.ts'), JSON.stringify(config)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const ready = await new Promise<{ caPath: string }>((resolve, reject) => {
      let out = '';
      server!.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))) as { caPath: string });
      });
      server!.once('exit', (code) => reject(new Error(`the lab server exited with ${code}`)));
    });
    // One RTT: the TCP handshake as curl times it. Also warms the endpoint's digest cache.
    const connect = await sh('ip', ['netns', 'exec', WAN_NS.cli, 'curl', '-s', '-o', '/dev/null', '-I', '-w', '%{time_connect}', `http://${WAN_ADDR.srv}/payload?bytes=${256 * 1024 * 1024}&kind=random&seed=11`]);
    const results: Record<string, { flow: CurlFlow; serverCpu: number; forwarderCpu: number; forwarderUserCpu: number; busyShare: number }[]> = { tcp: [], http: [], https: [] };
    for (let i = 0; i < flows; i++) {
      for (const scheme of ['tcp', 'http', 'https'] as const) {
        const s0 = await cpuSeconds(server.pid);
        const f0 = await cpuSeconds(lab.forwarder?.pid);
        const u0 = await cpuSeconds(lab.forwarder?.pid, true);
        const m0 = await machineJiffies();
        const flow =
          scheme === 'tcp'
            ? await rawFlow(seconds)
            : await curlFlow({ ns: WAN_NS.cli, host: WAN_ADDR.srv, caPath: ready.caPath, scheme, direction: 'down', seconds });
        const m1 = await machineJiffies();
        const rec = {
          flow,
          serverCpu: (await cpuSeconds(server.pid)) - s0,
          forwarderCpu: (await cpuSeconds(lab.forwarder?.pid)) - f0,
          // The forwarder's own loop; its system time is mostly the kernel forwarding the
          // packets it writes (tun write -> routing -> htb -> veth), charged to its syscalls.
          forwarderUserCpu: (await cpuSeconds(lab.forwarder?.pid, true)) - u0,
          busyShare: (m1.busy - m0.busy) / (m1.total - m0.total),
        };
        results[scheme]!.push(rec);
        console.log(JSON.stringify({ scheme, mbps: +flow.mbps.toFixed(1), bytes: flow.bytes, seconds: +flow.seconds.toFixed(2), serverCpu: rec.serverCpu, clientCpu: flow.clientCpuSeconds, forwarderCpu: rec.forwarderCpu, busyShare: +rec.busyShare.toFixed(2) }));
      }
    }
    const counters = await lab.stopForwarder();
    const perGB = (xs: { flow: CurlFlow }[], pick: (r: never) => number) =>
      xs.reduce((a, r) => a + pick(r as never), 0) / (xs.reduce((a, r) => a + r.flow.bytes, 0) / 1e9);
    const summary = Object.fromEntries(
      Object.entries(results).map(([scheme, rs]) => [
        scheme,
        {
          medianMbps: +median(rs.map((r) => r.flow.mbps)).toFixed(1),
          serverCpuSecondsPerGB: +perGB(rs, (r: { serverCpu: number }) => r.serverCpu).toFixed(2),
          clientCpuSecondsPerGB: +perGB(rs, (r: { flow: CurlFlow }) => r.flow.clientCpuSeconds).toFixed(2),
          forwarderCpuShareOfCore: +(rs.reduce((a, r) => a + r.forwarderCpu, 0) / rs.reduce((a, r) => a + r.flow.seconds, 0)).toFixed(2),
          forwarderCpuSecondsPerGB: +perGB(rs, (r: { forwarderCpu: number }) => r.forwarderCpu).toFixed(2),
          forwarderUserCpuSecondsPerGB: +perGB(rs, (r: { forwarderUserCpu: number }) => r.forwarderUserCpu).toFixed(2),
          machineBusyShare: +median(rs.map((r) => r.busyShare)).toFixed(2),
        },
      ]),
    );
    console.log(JSON.stringify({ lineMbps: mbps, rttMs, lossPct, connectMs: Math.round(Number(connect) * 1000), ...summary, forwarder: counters, load: (await readFile('/proc/loadavg', 'utf8')).trim() }));
  } finally {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    await destroyWanLab();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    release();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exitCode = 1;
});
