// Screening's rule replayed on the rounds of recorded lab runs (`bench/accuracy.ts --json-out`):
// a change to the rule, read against the very rounds a lab measured, each run paired with
// itself. Only the rule (repeated-rule.ts compareRepeated) is replayed, look after look from
// MIN_ROUNDS rounds, to the first answer (test/lab/score.ts screeningAnswer, which the accuracy
// table's screening column reads too): not the engine around it (the two looks, flows, fresh
// connections, the budget), and not the rounds a run would have measured had it gone on or
// stopped sooner. So it tells which recorded runs a rule reads differently, not a verdict
// rate; the lab measures that.
//
//   npx tsx bench/replay-screening.ts FILE.json... [--scenarios ho-8,a-port-1.5x] [--steady-legs]
//
// --steady-legs: each look's comparison also goes through rule 1s (steady-legs.ts
// withSteadyLegs), as decision.ts passes it, so a change to that rule can be read the same way.
//
// Run it on two checkouts (a git worktree) to compare their rules on the same runs.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { withSteadyLegs } from '../src/core/steady-legs.js';
import type { RunRecord } from '../test/lab/run-scenario.js';
import { screeningAnswer, screeningRounds } from '../test/lab/score.js';

const { values, positionals } = parseArgs({ options: { scenarios: { type: 'string' }, 'steady-legs': { type: 'boolean', default: false } }, allowPositionals: true });
if (!positionals.length) throw new Error('replay-screening: name one or more files written by bench/accuracy.ts --json-out');
const wanted = values.scenarios?.split(',').map((s) => s.trim());

for (const file of positionals) {
  const records = (JSON.parse(readFileSync(file, 'utf8')) as { records: Record<string, RunRecord[]> }).records;
  for (const [scenario, runs] of Object.entries(records)) {
    if (wanted && !wanted.some((w) => scenario.startsWith(w))) continue;
    runs.forEach((record, i) => {
      const r = record.result;
      const screening = r && screeningRounds(r);
      if (!r || !screening) return;
      const a = screeningAnswer(r, values['steady-legs'] ? withSteadyLegs : undefined);
      const answer = a ? `${a.comparison.outcome} at ${a.rounds} rounds, ${a.comparison.ratio.toFixed(2)}x` : 'open';
      console.log(`${file} ${scenario} run ${i + 1}: recorded ${r.verdict} ${r.ratio.toFixed(2)}x over ${screening.rounds.length} rounds; replayed: ${answer}`);
    });
  }
}

