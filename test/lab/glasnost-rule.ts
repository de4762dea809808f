// Glasnost's plain rule, as a reference measured on the same shaping as the detector: a few
// fixed-length bulk flows per scheme with curl, interleaved, and the median of one scheme's
// rates over the other's.
//
// Glasnost (Dischinger et al., "Glasnost: Enabling End Users to Detect Traffic
// Differentiation", NSDI 2010) runs the application's flow and a control flow of random bytes
// back to back; as deployed it ran each "three times", discarded a test whose flows were noisy
// ("the difference between the maximum and median bandwidths ... exceeds a threshold value,
// X") and reported shaping when the two kinds of flow differed by more than a second threshold
// (MPI-SWS, "Controlling the accuracy of Glasnost tests",
// broadband.mpi-sws.org/transparency/results/controlling_accuracy.html). Here the flows are
// 5 s downloads (or uploads) of random bytes over HTTP and HTTPS from the same endpoint, both
// thresholds are this project's practical margin (docs/method.md, "Decision", rule 3: 25%, so
// X = 0.25 and a finding at a median ratio above 1.25x or below 0.8x), and noisy tests are
// reported as inconclusive rather than dropped, so every run is counted.
import { spawn } from 'node:child_process';
import type { Verdict } from '../../src/core/types.js';

export interface CurlFlow {
  scheme: 'http' | 'https';
  bytes: number;
  /** First body byte to the end of the flow (connection set-up and TTFB excluded). */
  seconds: number;
  mbps: number;
  /** curl's own CPU time (user + system) for this flow. */
  clientCpuSeconds: number;
}

export interface FlowOptions {
  ns: string;
  host: string;
  caPath: string;
  scheme: 'http' | 'https';
  port?: number;
  direction: 'down' | 'up';
  seconds: number;
  /** A file of random bytes to upload (direction 'up'). */
  uploadFile?: string;
}

// Larger than any 5 s flow in the lab can carry below 400 Mbit/s; at 1 Gbit/s the flow ends
// early and its rate is still first byte to last. The endpoint's limit is 256 MiB.
const DOWNLOAD_BYTES = 256 * 1024 * 1024;

/** Runs one curl flow inside a namespace; `times` (a bash builtin) gives curl's CPU time. */
export function curlFlow(o: FlowOptions): Promise<CurlFlow> {
  const port = o.port ?? (o.scheme === 'https' ? 443 : 80);
  const base = `${o.scheme}://${o.host}:${port}`;
  const fmt = o.direction === 'down' ? '%{size_download} %{time_total} %{time_starttransfer}' : '%{size_upload} %{time_total} %{time_pretransfer}';
  const curl = [
    'curl -s -o /dev/null',
    `--max-time ${o.seconds}`,
    o.scheme === 'https' ? `--cacert ${o.caPath}` : '',
    `-w '${fmt}\\n'`,
    o.direction === 'down' ? `'${base}/payload?bytes=${DOWNLOAD_BYTES}&kind=random&seed=11'` : `--data-binary @${o.uploadFile} -H 'content-type: application/octet-stream' '${base}/upload'`,
  ].join(' ');
  // curl exits 28 when --max-time ends the flow, which is how every flow here ends.
  const script = `${curl}; times`;
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', o.ns, 'bash', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('exit', () => {
      const lines = out.trim().split('\n');
      const [size, total, start] = (lines[0] ?? '').split(' ').map(Number);
      // `times`: the shell's user/system times, then its children's ("0m1.234s 0m0.456s").
      const childTimes = (lines[2] ?? '').match(/(\d+)m([\d.]+)s/g) ?? [];
      const cpu = childTimes.reduce((sum, t) => {
        const m = /(\d+)m([\d.]+)s/.exec(t)!;
        return sum + Number(m[1]) * 60 + Number(m[2]);
      }, 0);
      if (!Number.isFinite(size) || !Number.isFinite(total) || !Number.isFinite(start)) {
        return reject(new Error(`curl ${base} printed no timing (${out.trim()}; ${err.trim()})`));
      }
      const seconds = Math.max(1e-3, total! - start!);
      resolve({ scheme: o.scheme, bytes: size!, seconds, mbps: (size! * 8) / seconds / 1e6, clientCpuSeconds: cpu });
    });
    child.once('error', reject);
  });
}

export interface GlasnostOutcome {
  verdict: Verdict;
  /** Median HTTP rate over median HTTPS rate (2.0 = TLS at half speed). */
  ratio: number;
  httpMbps: number[];
  httpsMbps: number[];
  /** A scheme whose maximum was more than X above its median: Glasnost would discard the test. */
  noisy: boolean;
  seconds: number;
  bytes: number;
}

const MARGIN = 1.25;
const NOISE_X = 0.25;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The rule on measured rates (kept apart so it can be tested without a network). */
export function glasnostVerdict(httpMbps: number[], httpsMbps: number[]): Pick<GlasnostOutcome, 'verdict' | 'ratio' | 'noisy'> {
  const h = median(httpMbps);
  const s = median(httpsMbps);
  const noisy = [httpMbps, httpsMbps].some((xs) => Math.max(...xs) > (1 + NOISE_X) * median(xs));
  const ratio = h / s;
  if (!Number.isFinite(ratio)) return { verdict: 'failed', ratio, noisy };
  if (noisy) return { verdict: 'inconclusive', ratio, noisy };
  const verdict: Verdict = ratio > MARGIN ? 'tls-throttled' : ratio < 1 / MARGIN ? 'plaintext-throttled' : 'no-difference';
  return { verdict, ratio, noisy };
}

/** Three flows per scheme, alternating HTTP and HTTPS, each `seconds` long. */
export async function runGlasnost(o: Omit<FlowOptions, 'scheme'> & { flowsPerScheme?: number }): Promise<GlasnostOutcome> {
  const http: CurlFlow[] = [];
  const https: CurlFlow[] = [];
  const started = Date.now();
  for (let i = 0; i < (o.flowsPerScheme ?? 3); i++) {
    http.push(await curlFlow({ ...o, scheme: 'http' }));
    https.push(await curlFlow({ ...o, scheme: 'https' }));
  }
  const httpMbps = http.map((f) => f.mbps);
  const httpsMbps = https.map((f) => f.mbps);
  return {
    ...glasnostVerdict(httpMbps, httpsMbps),
    httpMbps,
    httpsMbps,
    seconds: (Date.now() - started) / 1000,
    bytes: [...http, ...https].reduce((sum, f) => sum + f.bytes, 0),
  };
}
