import { describe, expect, it } from 'vitest';
import { FAST_LINE_CAP_MB, parseCli, UsageError } from '../../src/cli/args.js';
import { budgetRaisedLine, preRunBudgetLine, preRunTimeLine, timeExtendedLine } from '../../src/cli/budget-text.js';
import { runDurations } from '../../src/core/time-budget.js';

describe('--max-budget-mb', () => {
  const run = (...extra: string[]) => parseCli(['run', 'https://x', ...extra]);

  it('defaults to the fast-line cap, and keeps an explicit --budget-mb a hard bound', () => {
    expect(run()).toMatchObject({ budgetMb: 60, maxBudgetMb: FAST_LINE_CAP_MB });
    expect(run('--budget-mb', '40')).toMatchObject({ budgetMb: 40, maxBudgetMb: 40 });
    expect(run('--budget-mb', '400')).toMatchObject({ budgetMb: 400, maxBudgetMb: 400 });
    expect(run('--budget-mb', '40', '--max-budget-mb', '100')).toMatchObject({ budgetMb: 40, maxBudgetMb: 100 });
  });

  it('takes the user\'s cap, and refuses one below the budget', () => {
    expect(run('--max-budget-mb', '60')).toMatchObject({ maxBudgetMb: 60 });
    expect(() => run('--budget-mb', '80', '--max-budget-mb', '60')).toThrow(UsageError);
    expect(() => run('--max-budget-mb', 'lots')).toThrow(UsageError);
  });
});

describe('the cost said before a run', () => {
  it('names the budget, the line rate above which more may be used, and the cap', () => {
    expect(preRunBudgetLine(60e6, 250e6)).toBe(
      'Data: up to 60 MB; on a line faster than about 375 Mbit/s (slower over a long path) up to 250 MB, said once the line is measured (--max-budget-mb 60 keeps it at 60 MB).',
    );
  });

  it('says nothing when the cap allows no more than the budget', () => {
    expect(preRunBudgetLine(60e6, 60e6)).toBeUndefined();
  });

  it('states the raised budget with the measured rate, and when even the cap is short of a full plan', () => {
    const raised = { lineMbps: 941.4, budgetBytes: 172e6, plannedBytes: 172e6, neededBytes: 172e6, capBytes: 250e6, targetMs: 40 };
    expect(budgetRaisedLine(raised)).toBe('The line runs at about 941 Mbit/s: this run will use up to 172 MB, in transfers of about 40 ms (limit 250 MB, --max-budget-mb).');
    expect(budgetRaisedLine({ ...raised, budgetBytes: 250e6, neededBytes: 480e6, targetMs: 120 })).toMatch(/up to 250 MB.*a full set of rounds needs about 480 MB, above the limit/);
  });
});

describe('the time said before a run, and when it grows', () => {
  it('plans a minute within the default two-minute --max-seconds, and a limit of a minute or less stays as given', () => {
    expect(parseCli(['run', 'https://x'])).toMatchObject({ maxSeconds: 120 });
    expect(preRunTimeLine(runDurations(120_000))).toBe(
      'Time: about 60 s at most; on a long or lossy path, when the answer needs more rounds, up to 120 s, said when it happens (--max-seconds 60 keeps it at 60 s).',
    );
    expect(preRunTimeLine(runDurations(60_000))).toBeUndefined();
    expect(preRunTimeLine(runDurations(20_000))).toBeUndefined();
  });

  it('lets a run that diagnoses every pair from the start grow to four minutes, unless told otherwise', () => {
    expect(parseCli(['run', 'https://x', '--diagnose'])).toMatchObject({ maxSeconds: 240 });
    expect(parseCli(['run', 'https://x', '--diagnose', '--max-seconds', '90'])).toMatchObject({ maxSeconds: 90 });
    expect(parseCli(['run', 'mlab', '--accept-mlab-policy', '--diagnose'])).toMatchObject({ maxSeconds: 240 });
    expect(preRunTimeLine(runDurations(240_000))).toBe(
      'Time: about 60 s at most; on a long or lossy path, when the answer needs more rounds, up to 240 s, said when it happens (--max-seconds 60 keeps it at 60 s).',
    );
  });

  it('says how long the run may now take, and the limit', () => {
    expect(timeExtendedLine({ maxDurationMs: 84_400, capDurationMs: 120_000 })).toBe('The answer is still open: this run will take up to 84 s (limit 120 s, --max-seconds).');
  });
});
