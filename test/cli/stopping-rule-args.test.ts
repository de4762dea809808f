import { describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '../../src/cli/args.js';

describe('--stopping-rule', () => {
  it('selects the repeated-interval rule, and is absent by default', () => {
    const on = parseCli(['run', 'https://e.test/', '--stopping-rule', 'repeated-ci']);
    expect(on.command === 'run' && on.stoppingRule).toBe('repeated-ci');
    const off = parseCli(['run', 'https://e.test/']);
    expect(off.command === 'run' && off.stoppingRule).toBeUndefined();
  });

  it('refuses a rule it does not know', () => {
    expect(() => parseCli(['run', 'https://e.test/', '--stopping-rule', 'bonferroni'])).toThrow(UsageError);
  });
});
