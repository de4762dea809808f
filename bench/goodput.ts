// Goodput of the CLI's transfer path next to curl's, on the same URLs in the same run.
// Both are timed from first byte to last byte (curl: time_total - time_starttransfer), so the
// ratio compares the data paths, not connection set-up.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { nodeClock, nodeFetch, nodeHasher } from '../src/cli/node-io.js';
import { timedDownload } from '../src/core/transfer.js';

const exec = promisify(execFile);

export interface GoodputRow {
  scheme: 'http' | 'https';
  bytes: number;
  curlMbps: number;
  cliMbps: number;
  ratio: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function curlMbps(url: string, caPath: string): Promise<number> {
  const { stdout } = await exec('curl', ['-s', '-o', '/dev/null', '--cacert', caPath, '-w', '%{size_download} %{time_starttransfer} %{time_total}', url]);
  const [size, start, total] = stdout.trim().split(' ').map(Number) as [number, number, number];
  return (size * 8) / ((total - start) * 1e6);
}

export async function goodputVsCurl(opts: { host: string; httpPort: number; httpsPort: number; caPath: string; bytes: number; repeats: number }): Promise<GoodputRow[]> {
  const io = nodeFetch({ caFile: opts.caPath });
  const rows: GoodputRow[] = [];
  try {
    for (const scheme of ['http', 'https'] as const) {
      const port = scheme === 'http' ? opts.httpPort : opts.httpsPort;
      const curl: number[] = [];
      const ours: number[] = [];
      // One untimed transfer each first: JIT warm-up for our path, and the endpoint's digest cache.
      const warm = `${scheme}://${opts.host}:${port}/payload?bytes=${opts.bytes}&seed=999`;
      await curlMbps(warm, opts.caPath);
      await timedDownload({ fetch: io.fetch, clock: nodeClock, hasher: nodeHasher }, { url: warm, expectBytes: opts.bytes, scheme });
      for (let i = 0; i < opts.repeats; i++) {
        const url = `${scheme}://${opts.host}:${port}/payload?bytes=${opts.bytes}&seed=${i}`;
        // Alternate who goes first, so neither always meets a warmer machine.
        const runCurl = async () => curl.push(await curlMbps(url, opts.caPath));
        const runOurs = async () => {
          const s = await timedDownload({ fetch: io.fetch, clock: nodeClock, hasher: nodeHasher }, { url, expectBytes: opts.bytes, scheme });
          ours.push(s.mbps);
        };
        if (i % 2 === 0) {
          await runCurl();
          await runOurs();
        } else {
          await runOurs();
          await runCurl();
        }
      }
      const c = median(curl);
      const o = median(ours);
      rows.push({ scheme, bytes: opts.bytes, curlMbps: c, cliMbps: o, ratio: o / c });
    }
  } finally {
    await io.close();
  }
  return rows;
}
