// `npm run bench`: figures, and ratios against references measured in the same run.
//  1. goodput of the CLI's transfer path vs curl on loopback, HTTP and HTTPS (goal >= 0.8x);
//  2. time and bytes a verdict takes on a paced 50 Mbit/s line, unshaped and with TLS at a fifth;
//  3. the other parts' benchmarks (collector, popup), when present;
//  4. the endpoint's serving speed against nginx's, same bytes, same certificate (nginx-compare.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { goodputVsCurl } from './goodput.js';
import { compareWithNginx, nginxTable } from './nginx-compare.js';
import { verdictCost } from './verdict-cost.js';
import { startTestEndpoint } from '../test/support/endpoint.js';

function table(rows: Array<Record<string, string | number>>): string {
  const keys = Object.keys(rows[0] ?? {});
  const fmt = (v: string | number) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v);
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => fmt(r[k]!).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return [line(keys), ...rows.map((r) => line(keys.map((k) => fmt(r[k]!))))].join('\n');
}

async function runScript(path: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path], { stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path} exited ${code}`))));
  });
}

async function serveInChildProcess(): Promise<{ child: ChildProcess; ports: number[]; caPath: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ttd-bench-'));
  const child = spawn(process.execPath, ['dist/cli.js', 'serve', '--ports', '0,0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
    child.stdout!.on('data', (t: string) => {
      out += t;
      const ports = /ports ([\d, ]+) \(/.exec(out);
      const ca = /Development CA: (\S+)/.exec(out);
      if (ports && ca && /^Try: /m.test(out)) resolve({ child, ports: ports[1]!.split(', ').map(Number), caPath: ca[1]! });
    });
  });
}

async function main(): Promise<void> {
  console.log(`TLS Throttle Detector benchmark, ${new Date().toISOString()}, node ${process.version}\n`);
  // The endpoint runs in its own process, as it does for curl: sharing the CLI's thread would
  // charge the server's work to the client.
  const served = await serveInChildProcess();
  let rows;
  try {
    console.log('1. Goodput on loopback, first byte to last byte, median of 5 (256 MiB each)');
    rows = await goodputVsCurl({
      host: '127.0.0.1',
      httpPort: served.ports[0]!,
      httpsPort: served.ports[1]!,
      caPath: served.caPath,
      bytes: 256 * 1024 * 1024,
      repeats: 5,
    });
  } finally {
    served.child.kill('SIGTERM');
  }
  const ep = await startTestEndpoint({ skipCapacityCheck: true });
  try {
    console.log(
      table(rows.map((r) => ({ scheme: r.scheme, 'curl Mbit/s': r.curlMbps, 'cli Mbit/s': r.cliMbps, 'cli/curl': r.ratio, goal: '>= 0.80' }))),
    );
    console.log();
    console.log('2. Cost of a verdict on a 50 Mbit/s paced line (median of 3)');
    console.log(table(await verdictCost(ep)));
    console.log();
  } finally {
    await ep.close(0);
  }
  for (const extra of ['bench/collector.mjs', 'bench/collector.ts', 'bench/popup.ts', 'bench/popup.mjs']) {
    if (existsSync(extra)) {
      console.log(`3. ${extra}`);
      await runScript(extra);
      console.log();
    }
  }
  console.log(`4. Endpoint vs nginx on loopback, curl clients, median of 3 (load average before: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
  const vsNginx = await compareWithNginx();
  console.log(table(nginxTable(vsNginx)));
  console.log(`endpoint RSS ${vsNginx.endpointRssIdleMiB.toFixed(0)} MiB idle, ${vsNginx.endpointRssPeakMiB.toFixed(0)} MiB peak under 32 transfers; load average after: ${vsNginx.loadAverage}`);
}

await main();
