import { describe, expect, it } from 'vitest';
import { FAST_LINE_CAP_MB, parseCli, UsageError } from '../../src/cli/args.js';
import { budgetRaisedLine, preRunBudgetLine } from '../../src/cli/budget-text.js';

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
