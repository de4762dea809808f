// Screening's rule replayed on the rounds of recorded lab runs (`bench/accuracy.ts --json-out`):
// a change to the rule, read against the very rounds a lab measured, each run paired with
// itself. Only the rule (repeated-rule.ts compareRepeated) is replayed, look after look from
// MIN_ROUNDS rounds, to the first answer: not the engine around it (the two looks, flows,
// fresh connections, the budget), and not the rounds a run would have measured had it gone on
// or stopped sooner. So it tells which recorded runs a rule reads differently, not a verdict
// rate; the lab measures that. The rounds are paired as test/lab/score.ts screeningRounds
// pairs them (screeningCost replays the same way).
//
//   npx tsx bench/replay-screening.ts FILE.json... [--scenarios ho-8,a-port-1.5x]
//
// Run it on two checkouts (a git worktree) to compare their rules on the same runs.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MIN_ROUNDS } from '../src/core/interval-rule.js';
import { compareRepeated } from '../src/core/repeated-rule.js';
import type { RunRecord } from '../test/lab/run-scenario.js';
import { screeningRounds } from '../test/lab/score.js';

const { values, positionals } = parseArgs({ options: { scenarios: { type: 'string' } }, allowPositionals: true });
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
      const { suspectLeg, referenceLeg, rounds } = screening;
      let answer = 'open';
      for (let m = MIN_ROUNDS; m <= rounds.length; m++) {
        const c = compareRepeated('screen', suspectLeg, referenceLeg, rounds.slice(0, m), m === rounds.length);
        if (c.outcome !== 'unclear') {
          answer = `${c.outcome} at ${m} rounds, ${c.ratio.toFixed(2)}x`;
          break;
        }
      }
      console.log(`${file} ${scenario} run ${i + 1}: recorded ${r.verdict} ${r.ratio.toFixed(2)}x over ${rounds.length} rounds; replayed: ${answer}`);
    });
  }
}
