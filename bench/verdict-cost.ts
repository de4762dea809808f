// What a verdict costs in seconds and megabytes on a 50 Mbit/s line (a userland shaper on
// loopback), unshaped and with TLS slowed to a fifth. Goals: at most
// 20 s and 30 MB on a 50 Mbit/s line.
import { nodeClock, nodeFetch, nodeHasher } from '../src/cli/node-io.js';
import { runMeasurement } from '../src/core/runner.js';
import type { startTestEndpoint } from '../test/support/endpoint.js';
import { startPacedEndpoint, type Shaping } from '../test/support/paced-endpoint.js';

const SCENARIOS: Array<{ name: string; truth: string; shaping: Shaping }> = [
  { name: 'even 50 Mbit/s line', truth: 'no-difference', shaping: { plainMbps: 50, tlsMbps: 50 } },
  { name: 'TLS at 10 of 50 Mbit/s', truth: 'tls-throttled', shaping: { plainMbps: 50, tlsMbps: 10 } },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function verdictCost(ep: Awaited<ReturnType<typeof startTestEndpoint>>, repeats = 3) {
  const rows: Array<Record<string, string | number>> = [];
  for (const sc of SCENARIOS) {
    const seconds: number[] = [];
    const mb: number[] = [];
    const verdicts: string[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const paced = await startPacedEndpoint(sc.shaping, ep);
      const io = nodeFetch({ caFile: ep.caPath });
      try {
        const r = await runMeasurement(
          { fetch: io.fetch, clock: nodeClock, hasher: nodeHasher, random: Math.random },
          { url: paced.url, httpPort: paced.httpPort, httpsPort: paced.httpsPort, diagnose: 'never', budgetBytes: 60e6, maxDurationMs: 60_000 },
        );
        seconds.push(r.durationMs / 1000);
        mb.push(r.bytesUsed / 1e6);
        verdicts.push(r.verdict);
        ratios.push(r.ratio);
      } finally {
        await io.close();
        await paced.close();
      }
    }
    rows.push({
      scenario: sc.name,
      truth: sc.truth,
      correct: `${verdicts.filter((v) => v === sc.truth).length}/${repeats}`,
      'median ratio': median(ratios),
      'median s': median(seconds),
      'median MB': median(mb),
      goal: '<= 20 s, 30 MB',
    });
  }
  return rows;
}
