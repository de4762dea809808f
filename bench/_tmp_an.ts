import { xoshiro128 } from '../src/core/payload.js';
import { runMeasurement } from '../src/core/runner.js';
import type { Hasher } from '../src/core/io.js';
import { simNetwork, type SimLeg } from '../test/support/sim-network.js';
import { drawLine, lineRate } from './sim-line.js';
const countingHasher = (): Hasher => { let n = 0; return { update: (c) => void (n += c.length), digestBase64: () => `${n.toString(36)}x0` }; };
const factor = Number(process.argv[2] ?? 1); const runs = Number(process.argv[3] ?? 300); const cap = Number(process.argv[4] ?? 250e6); const budget = Number(process.argv[5] ?? 60e6);
const rnd = xoshiro128(1 * 1000 + Math.round(factor * 10));
const rows: any[] = [];
for (let i = 0; i < runs; i++) {
  const line = drawLine(() => rnd() / 2 ** 32, factor);
  const legs: Record<string, SimLeg> = {};
  for (const k of ['https-443', 'http-80', 'https-80', 'http-443']) legs[k] = { mbps: line.rateMbps, noise: line.noise };
  const net = simNetwork({ legs, seed: 100000 + i, rttMs: line.rttMs, rateAt: (key, nowMs) => lineRate(line, key, nowMs) });
  const r2 = xoshiro128((100000 + i) ^ 0x5bd1e995);
  const t0 = net.clock.now();
  const res = await runMeasurement({ fetch: net.fetch, clock: net.clock, hasher: countingHasher, random: () => r2() / 2 ** 32 }, { url: 'https://endpoint.test/', diagnose: 'auto', budgetBytes: budget, capBytes: cap, maxDurationMs: 60000, capDurationMs: Number(process.argv[6] ?? 120000), seed: 100000 + i });
  rows.push({ i, v: res.verdict, comps: res.comparisons.map((c: any) => c.id + ':' + c.rounds + ':' + c.ratio.toFixed(2)).join(' '), mbps: Math.round(line.rateMbps), rtt: Math.round(line.rttMs), loss: line.lossRate ?? (line as any).loss, MB: Math.round(res.bytesUsed / 1e6), s: Math.round((net.clock.now() - t0) / 1000), rounds: res.rounds, notes: res.warnings.map((w: any) => w.code + (w.rounds !== undefined ? ':' + w.rounds : '')).join(',') , ratio: res.ratio?.toFixed?.(2), ci: (res as any).ci95?.map((x: number) => x.toFixed(2)).join('-') });
}
const inc = rows.filter((r) => process.env.FALSE ? /throttled/.test(r.v) : r.v !== (factor === 1 ? 'no-difference' : 'tls-throttled'));
console.log('wrong/inconclusive', inc.length, 'of', rows.length);
for (const r of inc) console.log(JSON.stringify(r));
const med = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
console.log('median MB', med(rows.map((r) => r.MB)), 'median s', med(rows.map((r) => r.s)));
