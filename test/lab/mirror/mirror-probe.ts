// Mirror mode against a real server, run inside mir-cli: the pre-use check of the file over
// both schemes (both sockets' addresses compared), then interleaved rounds of fresh byte
// ranges through MirrorSession, every plaintext range compared with TLS. Prints one JSON line.
// It reports each scheme's median goodput and their ratio; the verdict's statistics are the
// engine's job (src/core/compare.ts), not this probe's.
//   node --import tsx test/lab/mirror/mirror-probe.ts <file-url> <ca.pem> [rounds] [bytes]
import { median } from 'simple-statistics';
import { nodeClock, nodeFetch, nodeHasher } from '../../../src/cli/node-io.js';
import { checkMirror } from '../../../src/core/mirror/check.js';
import { MirrorSession } from '../../../src/core/mirror/session.js';

export interface ProbeSummary {
  check: string;
  checks: string[];
  reason?: string;
  /** The first transfer that gave no sample: interfered, not-usable or busy, with why. */
  stopped?: { outcome: string; reason: string };
  rounds: number;
  httpsMbps?: number;
  httpMbps?: number;
  /** Plaintext goodput over TLS goodput, as the Result's ratio. */
  ratio?: number;
  bytes: number;
  verifiedBlocks: number;
  durationMs: number;
}

async function main(url: string, caFile: string, rounds: number, bytes: number): Promise<ProbeSummary> {
  const io = nodeFetch({ caFile });
  const started = nodeClock.now();
  try {
    const check = await checkMirror({ fetch: io.fetch, hasher: nodeHasher, clock: nodeClock, remoteAddressOf: io.remoteAddressOf }, url);
    const base = { check: check.outcome, checks: check.checks, rounds: 0, bytes: 0, verifiedBlocks: 0 };
    if (check.outcome !== 'usable') return { ...base, reason: check.reason, durationMs: nodeClock.now() - started };
    const session = new MirrorSession({ fetch: io.fetch, clock: nodeClock, hasher: nodeHasher, random: Math.random }, check.target);
    const mbps: Record<'http' | 'https', number[]> = { http: [], https: [] };
    let used = 0;
    for (let round = 0; round < rounds; round++) {
      // ABBA order, as the runner's rounds (docs/method.md, "Rounds").
      const order: ('http' | 'https')[] = round % 2 ? ['http', 'https'] : ['https', 'http'];
      for (const scheme of order) {
        const t = await session.transfer({ scheme, port: scheme === 'https' ? check.target.tlsPort : check.target.plainPort, bytes, round });
        if (t.outcome !== 'sample') {
          return { ...base, stopped: { outcome: t.outcome, reason: t.reason }, rounds: round, bytes: used + t.bytesUsed, verifiedBlocks: session.verifiedBlocks, durationMs: nodeClock.now() - started };
        }
        used += t.sample.bytes;
        mbps[scheme].push(t.sample.mbps);
      }
      const end = await session.verifyPending();
      if (end.outcome !== 'verified') {
        return { ...base, stopped: { outcome: end.outcome, reason: end.reason }, rounds: round, bytes: used + end.bytesUsed, verifiedBlocks: session.verifiedBlocks, durationMs: nodeClock.now() - started };
      }
      used += end.verifyBytes;
    }
    const httpsMbps = median(mbps.https);
    const httpMbps = median(mbps.http);
    return { ...base, rounds, httpsMbps, httpMbps, ratio: httpMbps / httpsMbps, bytes: used, verifiedBlocks: session.verifiedBlocks, durationMs: nodeClock.now() - started };
  } finally {
    await io.close();
  }
}

if (process.argv[1]?.endsWith('mirror-probe.ts')) {
  const [url, ca, rounds = '8', bytes = String(2 * 1024 * 1024)] = process.argv.slice(2);
  main(url!, ca!, Number(rounds), Number(bytes)).then(
    (s) => process.stdout.write(`${JSON.stringify(s)}\n`),
    (err: unknown) => {
      // The message alone: the runner keeps the last 300 characters, which a stack would fill.
      process.stderr.write(`mirror probe failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
