// The endpoint against nginx (Debian's nginx-light) serving the same random bytes with the same
// certificate to 1, 8 and 32 concurrent curl clients, HTTP and HTTPS, on loopback: aggregate
// Gbit/s, the server's CPU seconds per GB (utime + stime from /proc/PID/stat, children's
// included for nginx's workers) and the endpoint's resident memory under 32 transfers.
// Goal: the endpoint's HTTPS GB per CPU second at least 0.8x nginx's.
// Standalone: `npx tsx bench/nginx-compare.ts` (needs nginx-light and curl); part of `npm run bench`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devCertificate } from '../src/server/dev-ca.js';
import { payloadChunks } from '../src/server/payload-stream.js';

const NGINX = '/usr/sbin/nginx';
const CURL = '/usr/bin/curl';
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim()) || 100;
/** Bytes moved per cell, split over the concurrent clients: long enough to dwarf start-up. */
const CELL_BYTES = Number(process.env.TTD_BENCH_CELL_MIB ?? 512) * 1024 * 1024;
/**
 * No single download is larger than the client's largest transfer (src/core/sizer.ts,
 * 64 MiB): a client with more to fetch fetches several over its one connection, as a run does.
 */
const MAX_DOWNLOAD_BYTES = Math.min(64 * 1024 * 1024, CELL_BYTES);

function downloadsOf(concurrency: number): { size: number; perClient: number } {
  const share = CELL_BYTES / concurrency;
  const size = Math.min(share, MAX_DOWNLOAD_BYTES);
  return { size, perClient: Math.round(share / size) };
}
const CONCURRENCY = [1, 8, 32];
const REPEATS = Number(process.env.TTD_BENCH_REPEATS ?? 3);
const SEED = 7;
/** e.g. "https:32" measures only those cells, to look into one figure without the whole run. */
const ONLY = process.env.TTD_BENCH_ONLY;

export interface NginxRow {
  server: 'endpoint' | 'nginx';
  scheme: 'http' | 'https';
  concurrency: number;
  gbps: number;
  cpuSecondsPerGB: number;
}

export interface NginxComparison {
  rows: NginxRow[];
  endpointRssIdleMiB: number;
  endpointRssPeakMiB: number;
  loadAverage: string;
}

async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** utime + stime in seconds (proc(5): fields 14 and 15, after the parenthesised command name). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/**
 * N curl clients at once, each fetching its URLs one after another over one connection;
 * resolves to the wall time from the first start to the last end.
 */
async function curlAll(clients: string[][], caPath: string): Promise<{ seconds: number; bytes: number; answers: string[] }> {
  const started = process.hrtime.bigint();
  const answers = await Promise.all(
    clients.map(
      (urls) =>
        new Promise<string[]>((resolve, reject) => {
          const args = ['-sf', '--cacert', caPath, '-w', '%{http_code} %{size_download}\n', ...urls.flatMap((u) => ['-o', '/dev/null', u])];
          const c = spawn(CURL, args, { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          c.stdout!.on('data', (b: Buffer) => (out += b.toString()));
          // 'close', not 'exit': stdout may still hold the last answer when the process has exited.
          c.on('close', (code) => (code === 0 ? resolve(out.trim().split('\n')) : reject(new Error(`curl ${urls[0]} exited ${code}: ${out}`))));
        }),
    ),
  ).then((a) => a.flat());
  const bytes = answers.reduce((a, b) => a + Number(b.split(' ')[1]), 0);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, bytes, answers };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited ${child.exitCode}`);
    const ok = spawnSync(CURL, ['-s', '-o', '/dev/null', `http://127.0.0.1:${port}/`]).status === 0;
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not answer on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function nginxConfig(dir: string, httpPort: number, httpsPort: number): string {
  // As an operator would run it: sendfile for plain HTTP, one worker per core, no access log
  // (the endpoint keeps none either), TLS 1.2/1.3 with the same certificate as the endpoint.
  return `daemon off;
master_process on;
worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  client_body_temp_path ${dir}/nginx-body;
  proxy_temp_path ${dir}/nginx-proxy;
  fastcgi_temp_path ${dir}/nginx-fastcgi;
  uwsgi_temp_path ${dir}/nginx-uwsgi;
  scgi_temp_path ${dir}/nginx-scgi;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${httpPort};
    listen 127.0.0.1:${httpsPort} ssl;
    ssl_certificate ${dir}/cert.pem;
    ssl_certificate_key ${dir}/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    root ${dir}/www;
  }
}
`;
}

export async function compareWithNginx(log: (line: string) => void = console.log): Promise<NginxComparison> {
  for (const [bin, pkg] of [[NGINX, 'nginx-light'], [CURL, 'curl']] as const) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: apt-get install -y ${pkg}`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'ttd-nginx-bench-'));
  // nginx's workers drop root for nobody/www-data: they must be able to read the files.
  await chmod(dir, 0o755);
  const children: ChildProcess[] = [];
  try {
    const cert = await devCertificate(join(dir, 'ca'), []);
    await writeFile(join(dir, 'cert.pem'), cert.certPem);
    await writeFile(join(dir, 'key.pem'), cert.keyPem, { mode: 0o600 });
    // The files nginx serves are the endpoint's own payload bytes for the same seed and size.
    await mkdir(join(dir, 'www'));
    const sizes = [...new Set(CONCURRENCY.map((c) => downloadsOf(c).size))];
    for (const bytes of sizes) await writeFile(join(dir, 'www', `payload-${bytes}.bin`), Buffer.concat([...payloadChunks('random', SEED, bytes)]));

    const ep = { http: await freePort(), https: await freePort() };
    const ng = { http: await freePort(), https: await freePort() };
    const endpoint = spawn(
      process.execPath,
      ['dist/cli.js', 'serve', '--ports', `${ep.http},${ep.https}`, '--cert', join(dir, 'cert.pem'), '--key', join(dir, 'key.pem'), '--data-dir', join(dir, 'data'), '--max-mb', String(MAX_DOWNLOAD_BYTES / 1024 / 1024)],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    children.push(endpoint);
    await writeFile(join(dir, 'nginx.conf'), nginxConfig(dir, ng.http, ng.https));
    const nginx = spawn(NGINX, ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'nginx-error.log')], { stdio: ['ignore', 'inherit', 'inherit'] });
    children.push(nginx);
    await waitForPort(ep.http, endpoint, 'the endpoint');
    await waitForPort(ng.http, nginx, 'nginx');
    const nginxPids = [nginx.pid!, ...(await childrenOf(nginx.pid!))];
    const caPath = cert.caPath;
    const url = (server: 'endpoint' | 'nginx', scheme: 'http' | 'https', bytes: number) =>
      server === 'endpoint'
        ? `${scheme}://127.0.0.1:${scheme === 'http' ? ep.http : ep.https}/payload?bytes=${bytes}&seed=${SEED}&kind=random`
        : `${scheme}://127.0.0.1:${scheme === 'http' ? ng.http : ng.https}/payload-${bytes}.bin`;

    // Warm-up: the endpoint computes each size's digest once (payload-stream.ts), nginx's files
    // enter the page cache; neither is counted.
    for (const bytes of sizes) for (const server of ['endpoint', 'nginx'] as const) await curlAll([[url(server, 'http', bytes)]], caPath);
    const endpointRssIdleMiB = rssMiB(endpoint.pid!);
    let endpointRssPeakMiB = endpointRssIdleMiB;

    const rows: NginxRow[] = [];
    for (const concurrency of CONCURRENCY) {
      for (const scheme of ['http', 'https'] as const) {
        for (const server of ['endpoint', 'nginx'] as const) {
          if (ONLY && ONLY !== `${scheme}:${concurrency}`) continue;
          const pids = server === 'endpoint' ? [endpoint.pid!] : nginxPids;
          const gbps: number[] = [];
          const cpuPerGB: number[] = [];
          for (let r = 0; r < REPEATS; r++) {
            const cpuBefore = pids.reduce((a, p) => a + cpuSeconds(p), 0);
            const sampler = server === 'endpoint' && concurrency === 32 ? setInterval(() => (endpointRssPeakMiB = Math.max(endpointRssPeakMiB, rssMiB(endpoint.pid!))), 50) : undefined;
            const { size, perClient } = downloadsOf(concurrency);
            const clients = Array.from({ length: concurrency }, () => Array.from({ length: perClient }, () => url(server, scheme, size)));
            const { seconds, bytes, answers } = await curlAll(clients, caPath);
            if (sampler) clearInterval(sampler);
            const cpu = pids.reduce((a, p) => a + cpuSeconds(p), 0) - cpuBefore;
            if (bytes !== CELL_BYTES) throw new Error(`${server} ${scheme} x${concurrency}: ${bytes} of ${CELL_BYTES} bytes arrived (${[...new Set(answers)].join(', ')})`);
            gbps.push((bytes * 8) / seconds / 1e9);
            cpuPerGB.push(cpu / (bytes / 1e9));
          }
          const row = { server, scheme, concurrency, gbps: median(gbps), cpuSecondsPerGB: median(cpuPerGB) };
          rows.push(row);
          log(`  ${server.padEnd(8)} ${scheme.padEnd(5)} x${String(concurrency).padEnd(2)}  ${row.gbps.toFixed(2)} Gbit/s  ${row.cpuSecondsPerGB.toFixed(3)} CPU s/GB`);
        }
      }
    }
    return { rows, endpointRssIdleMiB, endpointRssPeakMiB, loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') };
  } finally {
    for (const c of children) {
      if (c.exitCode === null) {
        c.kill('SIGTERM');
        await Promise.race([once(c, 'exit'), new Promise((r) => setTimeout(r, 5_000))]);
      }
    }
    await rm(dir, { recursive: true, force: true });
  }
}

/** One line per (scheme, concurrency): both servers side by side and the endpoint/nginx ratios. */
export function nginxTable(c: NginxComparison): Array<Record<string, string | number>> {
  const out: Array<Record<string, string | number>> = [];
  for (const concurrency of CONCURRENCY) {
    for (const scheme of ['http', 'https'] as const) {
      const e = c.rows.find((r) => r.server === 'endpoint' && r.scheme === scheme && r.concurrency === concurrency);
      const n = c.rows.find((r) => r.server === 'nginx' && r.scheme === scheme && r.concurrency === concurrency);
      if (!e || !n) continue;
      out.push({
        scheme,
        clients: concurrency,
        'endpoint Gbit/s': e.gbps,
        'nginx Gbit/s': n.gbps,
        'endpoint CPU s/GB': Number(e.cpuSecondsPerGB.toFixed(3)),
        'nginx CPU s/GB': Number(n.cpuSecondsPerGB.toFixed(3)),
        'GB per CPU s, endpoint/nginx': n.cpuSecondsPerGB / e.cpuSecondsPerGB,
        goal: scheme === 'https' ? '>= 0.80' : '',
      });
    }
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`Endpoint vs nginx, ${new Date().toISOString()}, load average before: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  const c = await compareWithNginx();
  console.table(nginxTable(c));
  console.log(`endpoint RSS: ${c.endpointRssIdleMiB.toFixed(0)} MiB idle, ${c.endpointRssPeakMiB.toFixed(0)} MiB peak under 32 transfers; load average after: ${c.loadAverage}`);
}
