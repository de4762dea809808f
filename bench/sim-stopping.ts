// The stopping-rule simulation: thousands of whole runs (runner, engine, decision) on the
// simulated line of test/support/sim-network.ts, with a line drawn at random per run: its
// rate, round trip, loss, cross traffic that comes and goes, a slow drift and per-transfer
// noise. Unshaped lines count false findings; lines whose port 443 is capped at 1/1.5, 1/2
// and 1/3 of the line count power. Every look (after every round) is scored, because a run
// may stop at any of them: the budget, the time limit or the user ends it there.
//   npm run bench:sim -- [--unshaped-runs 2000] [--shaped-runs 300] [--modes default,diagnose]
//                        [--seed 1] [--rule interval|repeated-ci] [--no-drift] [--bucket]
//                        [--line-boost] [--upload] [--class] [--entropy] [--asymmetric] [--bulk-cross]
//                        [--json-out FILE] [--runs-out FILE]
// --runs-out: one JSON line per run (its line, verdict, rounds, bytes, notes, and each leg's
// transfers: count and bytes, and each comparison's rounds), to see where a run's bytes went.
// --bucket: the cap on port 443 is a token bucket (a tbf qdisc) instead of a plain rate limit,
// its depth drawn per run as the held-out lab draws it (test/lab/held-out-draw.ts: 0.5-4 MB,
// log-uniform); it refills at the cap while the port's legs wait, and they run at the line's
// rate while it holds tokens.
// --class: the cap is an htb class of its own (the throttle lab's a-port-2x): port 443 keeps
// its rate while the cross traffic is on, and only the other legs share the line with it, so
// a busy round can read TLS faster than plain HTTP. Without it the cap is in series: the
// capped leg gets the cap or what the cross traffic leaves, whichever is less.
// --upload: the cap is on port 443's uploads alone (a shaper of encrypted uploads, as Rogers
// capped them), downloads run free: what the upload reference is for (src/core/plan.ts).
// --entropy: the cap is a classifier of encrypted-looking flows (the throttle lab's e-entropy):
// every download whose bytes look random, TLS on either port and random plaintext alike, is
// held to the cap, and only the low-entropy body runs free. Screening then reads alike, and
// only the low-entropy reference's two pairs can find it (src/core/plan.ts).
// --asymmetric: each line's upstream is drawn as access lines sell it (sim-line.ts
// drawUpShare: a third symmetric, else a twentieth to a quarter of the downstream), on the
// same lines otherwise; without it every upstream is as fast as its downstream.
// --bulk-cross: the cross traffic is one or two bulk TCP flows, as the throttle lab runs it
// (sim-line.ts drawCrossShare): while on it takes at least the share such flows take from a
// transfer in slow start, 50-80% of the line, where by default it takes 20-80%. With --class
// the leg in the class keeps its cap and the other legs are squeezed below it, as in the lab.
// --line-boost: the whole line has a speed boost (a cable line's PowerBoost, a DOCSIS
// maximum traffic burst): every download, of every leg, runs at 1.2-2.5x the line's rate while
// one shared bucket of 2-25 MB holds tokens (both log-uniform, per run), refilling at the line's
// rate. Not a shaper of TLS: on an unshaped line it is a confounder that favours whichever leg
// follows an idle spell. Cross traffic slows the line but draws no tokens here, so the boost
// lasts longer than on a real line (the harder case). Shaped lines cap port 443 at 1/factor
// of the unboosted idle flow.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { xoshiro128 } from '../src/core/payload.js';
import { FAST_LINE_CAP_MB } from '../src/cli/args.js';
import { DEFAULT_LIMIT_MS, DIAGNOSE_LIMIT_MS, runDurations } from '../src/core/time-budget.js';
import { runMeasurement } from '../src/core/runner.js';
import type { Hasher } from '../src/core/io.js';
import type { StoppingRule } from '../src/core/decision.js';
import type { Verdict } from '../src/core/types.js';
import { simNetwork, type SimLeg } from '../test/support/sim-network.js';
import { clopperPearsonUpper, drawLine, drawUpShare, idleFlowMbps, lineRate, logUniform, type SimLine } from './sim-line.js';

const { values } = parseArgs({
  options: {
    'unshaped-runs': { type: 'string', default: '2000' },
    'shaped-runs': { type: 'string', default: '300' },
    modes: { type: 'string', default: 'default,diagnose' },
    factors: { type: 'string', default: '1.5,2,3' },
    seed: { type: 'string', default: '1' },
    rule: { type: 'string' },
    // A line whose rate does not drift: a cap at 1/1.25 is then exactly on the margin all run
    // long (with drift the capped leg's ratio moves with the line's rate, up to 1.5x).
    'no-drift': { type: 'boolean', default: false },
    bucket: { type: 'boolean', default: false },
    'line-boost': { type: 'boolean', default: false },
    upload: { type: 'boolean', default: false },
    class: { type: 'boolean', default: false },
    entropy: { type: 'boolean', default: false },
    asymmetric: { type: 'boolean', default: false },
    'bulk-cross': { type: 'boolean', default: false },
    'json-out': { type: 'string' },
    'runs-out': { type: 'string' },
  },
});

/** The sim serves zeros; a hasher that counts gives the digest sim-network vouches for. */
const countingHasher = (): Hasher => {
  let n = 0;
  return { update: (c) => void (n += c.length), digestBase64: () => `${n.toString(36)}x0` };
};

const LEG_KEYS = ['https-443', 'http-80', 'https-80', 'http-443'];
const BUDGET_BYTES = 60e6; // the CLI's default --budget-mb
// The CLI's default --max-seconds for each mode (src/core/time-budget.ts).
const DURATIONS = { default: runDurations(DEFAULT_LIMIT_MS), diagnose: runDurations(DIAGNOSE_LIMIT_MS) };
const CAP_BYTES = FAST_LINE_CAP_MB * 1e6; // the CLI's default --max-budget-mb (src/core/fast-line.ts)

interface RunOutcome {
  verdict: Verdict;
  rounds: number;
  bytesUsed: number;
  /** The verdict a stop after each round would have given (index 0: after round 1). */
  looks: Verdict[];
  /** The verdict shown while the run went on, after each round (differs from looks where a final look spends more). */
  interimLooks: Verdict[];
  /** The codes of the Result's notes: why a run ended inconclusive. */
  noteCodes: string[];
  /** The screening ratio (reference over suspect), where the run had one. */
  ratio?: number;
  /** Bytes each leg's transfers carried; the rest of bytesUsed went to ramps and probes. */
  legBytes: Record<string, number>;
  /** Each leg's transfers and each comparison's rounds, for --runs-out. */
  legTransfers: Record<string, number>;
  pairRounds: Record<string, number>;
}

async function simulateRun(line: SimLine, mode: 'default' | 'diagnose', seed: number): Promise<RunOutcome> {
  const legs: Record<string, SimLeg> = {};
  for (const k of LEG_KEYS) legs[k] = { mbps: line.rateMbps, noise: line.noise };
  let rateAt: (key: string, nowMs: number, payload?: 'text') => number = (key, nowMs) => lineRate(line, key, nowMs);
  if (values.bucket && line.capFactor > 1) {
    // One tbf class for port 443, so both of its legs draw on one bucket; the line itself is
    // not capped, the bucket is.
    const depth = xoshiro128(seed ^ 0x2545f491);
    const u = () => depth() / 2 ** 32;
    const port443: SimLeg = { mbps: line.rateMbps, noise: line.noise, burstBytes: Math.round(logUniform(u(), 0.5e6, 4e6)), bucketMbps: idleFlowMbps(line) / line.capFactor };
    legs['https-443'] = legs['http-443'] = port443;
    const free = { ...line, capFactor: 1 };
    rateAt = (key, nowMs) => lineRate(free, key, nowMs);
  }
  if ((values.upload || values.class) && line.capFactor > 1) {
    // A cap on port 443's uploads alone, or on its downloads in a class the cross traffic
    // cannot squeeze.
    const free = { ...line, capFactor: 1 };
    const suffix = values.upload ? '-443-up' : '-443';
    const capMbps = idleFlowMbps(line, suffix) / line.capFactor;
    rateAt = (key, nowMs) => (key.endsWith(suffix) ? Math.min(lineRate(free, key, nowMs, !values.class), capMbps) : lineRate(free, key, nowMs));
  }
  if (values.entropy && line.capFactor > 1) {
    const free = { ...line, capFactor: 1 };
    const capMbps = idleFlowMbps(line) / line.capFactor;
    rateAt = (key, nowMs, payload) => (payload === 'text' || key.endsWith('-up') ? lineRate(free, key, nowMs) : Math.min(lineRate(free, key, nowMs), capMbps));
  }
  if (values['line-boost']) {
    const draw = xoshiro128(seed ^ 0x68e31da4);
    const u = () => draw() / 2 ** 32;
    const boost = logUniform(u(), 1.2, 2.5);
    const shared: SimLeg = { mbps: line.rateMbps, noise: line.noise, burstBytes: Math.round(logUniform(u(), 2e6, 25e6)), bucketMbps: line.rateMbps };
    for (const k of LEG_KEYS) legs[k] = shared;
    const boosted = { ...line, rateMbps: line.rateMbps * boost, capFactor: 1 };
    const capMbps = idleFlowMbps(line) / line.capFactor;
    rateAt = (key, nowMs) => {
      const mbps = lineRate(boosted, key, nowMs);
      return line.capFactor > 1 && key.endsWith('-443') ? Math.min(mbps, capMbps) : mbps;
    };
  }
  const net = simNetwork({ legs, seed, rttMs: line.rttMs, rateAt });
  const rnd = xoshiro128(seed ^ 0x5bd1e995);
  const looks: Verdict[] = [];
  const interimLooks: Verdict[] = [];
  const result = await runMeasurement(
    { fetch: net.fetch, clock: net.clock, hasher: countingHasher, random: () => rnd() / 2 ** 32, onLook: (l) => (looks.push(l.verdictIfEnded ?? l.verdict), interimLooks.push(l.verdict)) },
    { url: 'https://endpoint.test/', diagnose: mode === 'diagnose' ? 'always' : 'auto', budgetBytes: BUDGET_BYTES, capBytes: CAP_BYTES, ...DURATIONS[mode], seed, ...(values.rule ? { stoppingRule: values.rule as StoppingRule } : {}) },
  );
  const legBytes = Object.fromEntries(result.legs.map((l) => [l.id, l.transfers.reduce((sum, t) => sum + t.bytes, 0)]));
  const legTransfers = Object.fromEntries(result.legs.map((l) => [l.id, l.transfers.length]));
  const pairRounds = Object.fromEntries(result.comparisons.map((c) => [c.id, c.rounds]));
  return { verdict: result.verdict, rounds: result.rounds, bytesUsed: result.bytesUsed, looks, interimLooks, noteCodes: result.warnings.map((w) => w.code), legBytes, legTransfers, pairRounds, ...(result.ratio !== undefined ? { ratio: result.ratio } : {}) };
}

const FINDINGS: ReadonlySet<Verdict> = new Set(['tls-throttled', 'plaintext-throttled']);

function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Bytes in MB to one decimal, as the report prints them. */
const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

const pct = (k: number, n: number) => (n ? ((100 * k) / n).toFixed(2) : '-');

function report(label: string, outcomes: RunOutcome[], shaped: boolean): object {
  const n = outcomes.length;
  const count = (v: Verdict) => outcomes.filter((o) => o.verdict === v).length;
  const verdicts = outcomes.filter((o) => o.verdict !== 'inconclusive');
  const out: Record<string, unknown> = {
    label,
    runs: n,
    verdicts: Object.fromEntries(['tls-throttled', 'plaintext-throttled', 'no-difference', 'inconclusive', 'failed'].map((v) => [v, count(v as Verdict)])),
    medianRoundsToVerdict: median(verdicts.map((o) => o.rounds)),
    medianMBToVerdict: mb(median(verdicts.map((o) => o.bytesUsed))),
    medianMBAll: mb(median(outcomes.map((o) => o.bytesUsed))),
  };
  console.log(`\n## ${label}: ${n} runs`);
  console.log(`verdicts: ${JSON.stringify(out.verdicts)}`);
  const reasons: Record<string, number> = {};
  for (const o of outcomes) if (o.verdict === 'inconclusive') for (const c of new Set(o.noteCodes)) reasons[c] = (reasons[c] ?? 0) + 1;
  console.log(`notes of the inconclusive runs: ${JSON.stringify(reasons)}`);
  // A "no difference" may carry what it could not see: references left unchecked, transfers
  // that were slow start throughout (src/core/slow-start.ts).
  const qualified: Record<string, number> = {};
  for (const o of outcomes) if (o.verdict === 'no-difference') for (const c of new Set(o.noteCodes)) qualified[c] = (qualified[c] ?? 0) + 1;
  out.noDifferenceNotes = qualified;
  console.log(`notes of the no-difference runs: ${JSON.stringify(qualified)}`);
  console.log(`median to a verdict: ${out.medianRoundsToVerdict} rounds, ${out.medianMBToVerdict} MB (all runs: ${out.medianMBAll} MB)`);
  // Where a verdict's bytes go: each leg's median over the runs that ran it, and the ramps and
  // probes (what bytesUsed holds beyond the legs' transfers).
  const legIds = [...new Set(verdicts.flatMap((o) => Object.keys(o.legBytes)))];
  const perLeg = legIds.map((id) => {
    const ran = verdicts.flatMap((o) => (o.legBytes[id] ? [o.legBytes[id]!] : []));
    return { leg: id, runs: ran.length, medianMB: mb(median(ran)) };
  });
  const rest = mb(median(verdicts.map((o) => o.bytesUsed - Object.values(o.legBytes).reduce((a, b) => a + b, 0))));
  out.medianMBByLeg = { legs: perLeg, rampsAndProbes: rest };
  if (verdicts.length) console.log(`median MB a leg carried to a verdict (runs that ran it): ${perLeg.map((l) => `${l.leg} ${l.medianMB} (${l.runs})`).join(', ')}; ramps and probes ${rest}`);
  // Where the legs stand on an unequal footing (a boost after a pause that one leg always
  // follows), the ratios of unshaped lines lean to one side.
  const ratios = outcomes.flatMap((o) => (o.ratio !== undefined ? [o.ratio] : [])).sort((a, b) => a - b);
  if (ratios.length) {
    const q = (p: number) => ratios[Math.min(ratios.length - 1, Math.floor(p * ratios.length))]!;
    out.ratioQuartiles = [q(0.25), q(0.5), q(0.75)].map((x) => Math.round(x * 1000) / 1000);
    console.log(`screening ratio, quartiles: ${(out.ratioQuartiles as number[]).join(' / ')}; below 1: ${ratios.filter((x) => x < 1).length}/${ratios.length}`);
  }
  if (shaped) {
    const tls = count('tls-throttled');
    out.power = tls / n;
    console.log(`tls-throttled: ${tls}/${n} = ${pct(tls, n)}%`);
    // Where a final look spends more than the looks before it: found while the run went on.
    const interim = outcomes.filter((o) => o.interimLooks.includes('tls-throttled')).length;
    out.foundWhileGoingOn = interim / n;
    console.log(`  tls-throttled while the run went on: ${interim}/${n} = ${pct(interim, n)}%`);
    return out;
  }
  const final = outcomes.filter((o) => FINDINGS.has(o.verdict)).length;
  // A run shows a finding at a look either because its interval cleared the margin while it
  // went on, or because it ended there and took its final look: "ever" counts both.
  const ever = outcomes.filter((o) => o.looks.some((v) => FINDINGS.has(v)) || o.interimLooks.some((v) => FINDINGS.has(v))).length;
  const everInterim = outcomes.filter((o) => o.interimLooks.some((v) => FINDINGS.has(v))).length;
  out.falseEverInterim = { k: everInterim, n, upper95: clopperPearsonUpper(everInterim, n) };
  out.falseFinal = { k: final, n, upper95: clopperPearsonUpper(final, n) };
  out.falseEver = { k: ever, n, upper95: clopperPearsonUpper(ever, n) };
  console.log(`false findings, final verdict: ${final}/${n} = ${pct(final, n)}% (95% upper bound ${(100 * clopperPearsonUpper(final, n)).toFixed(2)}%)`);
  console.log(`false findings at any look:    ${ever}/${n} = ${pct(ever, n)}% (95% upper bound ${(100 * clopperPearsonUpper(ever, n)).toFixed(2)}%)`);
  console.log(`  of which while the run went on: ${everInterim}/${n} = ${pct(everInterim, n)}% (95% upper bound ${(100 * clopperPearsonUpper(everInterim, n)).toFixed(2)}%)`);
  // At every stopping time t: every run stopped at round t at the latest (the budget, the time
  // limit or the user ending it there, or its own answer before), and how many of them would
  // then report a finding.
  const maxLook = Math.max(0, ...outcomes.map((o) => o.looks.length));
  const perLook: { look: number; runs: number; falseFindings: number; upper95: number }[] = [];
  console.log('stopped at round t at the latest | false findings | % | 95% upper bound %');
  for (let t = 1; t <= maxLook; t++) {
    const stopped = outcomes.filter((o) => o.looks.length > 0);
    const bad = stopped.filter((o) => FINDINGS.has(o.looks[Math.min(t, o.looks.length) - 1]!)).length;
    const upper = clopperPearsonUpper(bad, stopped.length);
    perLook.push({ look: t, runs: stopped.length, falseFindings: bad, upper95: upper });
    console.log(`${t} | ${bad}/${stopped.length} | ${pct(bad, stopped.length)} | ${(100 * upper).toFixed(2)}`);
  }
  out.perLook = perLook;
  out.maxPerLookUpper95 = Math.max(...perLook.map((p) => p.upper95));
  return out;
}

async function main(): Promise<void> {
  if ([values.bucket, values['line-boost'], values.upload, values.class, values.entropy].filter(Boolean).length > 1) throw new Error('--bucket, --line-boost, --upload, --class and --entropy are models of the shaping: choose one');
  const seed = Number(values.seed);
  const modes = values.modes!.split(',') as ('default' | 'diagnose')[];
  const factors = values.factors!.split(',').filter(Boolean).map(Number);
  const rows: object[] = [];
  const runLines: string[] = [];
  const started = Date.now();
  for (const mode of modes) {
    for (const factor of [1, ...factors]) {
      const runs = Number(factor === 1 ? values['unshaped-runs'] : values['shaped-runs']);
      if (!runs) continue;
      const outcomes: RunOutcome[] = [];
      // One stream of lines per (mode, factor), the same lines in every mode and engine.
      const rnd = xoshiro128(seed * 1000 + Math.round(factor * 10));
      for (let i = 0; i < runs; i++) {
        const line = drawLine(() => rnd() / 2 ** 32, factor);
        if (values['no-drift']) line.driftAmp = 0;
        if (values.asymmetric) line.upShare = drawUpShare(line);
        if (values['bulk-cross']) line.bulkCross = true;
        const outcome = await simulateRun(line, mode, seed * 100_000 + i);
        outcomes.push(outcome);
        if (values['runs-out']) {
          const { rateMbps, rttMs, lossRate, upShare, capFactor } = line;
          const { looks: _l, interimLooks: _i, ...rest } = outcome;
          runLines.push(JSON.stringify({ mode, run: i, line: { rateMbps, rttMs, lossRate, upShare, capFactor }, ...rest }));
        }
      }
      const boosted = `${values['line-boost'] ? ', the line boosted' : ''}${values.asymmetric ? ', upstreams as sold' : ''}${values['bulk-cross'] ? ', bulk cross traffic' : ''}`;
      const shaped = values.entropy ? `random-looking downloads capped at 1/${factor}` : `port 443${values.upload ? ' uploads' : ''} ${values.bucket ? 'token bucket' : values.class ? 'in a class' : 'capped'} at 1/${factor}`;
      const label = `${mode}, ${factor === 1 ? 'unshaped' : shaped}${boosted}`;
      rows.push(report(label, outcomes, factor !== 1));
    }
  }
  console.log(`\n${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (values['json-out']) writeFileSync(values['json-out'], JSON.stringify(rows, null, 1));
  if (values['runs-out']) writeFileSync(values['runs-out'], runLines.join('\n') + '\n');
}

await main();
