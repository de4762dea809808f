// The popup's words about a fast line's cost, before a test (src/extension/popup/fast-line-cost.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fastLineCostText, firstRunFastLineText } from '../../src/extension/popup/fast-line-cost.js';
import { localeFormat } from '../../src/extension/shared/locale-format.js';
import type { Translate } from '../../src/extension/platform/ports.js';
import { sampleResult } from './sample-result.js';

const en = JSON.parse(readFileSync('src/extension/_locales/en/messages.json', 'utf8')) as Record<string, { message: string }>;
const t: Translate = (key, subs = []) => en[key]!.message.replace(/\$(\d)/g, (_, i: string) => subs[Number(i) - 1]!);
const f = localeFormat('en');
const DEFAULTS = { runBudgetMb: 60, fastLineBudgetMb: 250 };

function withLine(mbps: number) {
  const base = sampleResult();
  return sampleResult({ legs: base.legs.map((l) => ({ ...l, medianMbps: l.scheme === 'http' ? mbps : mbps / 3 })) });
}

describe('the fast-line cost before a test', () => {
  it('names the rate of the newest test, the expected data and the limit when the next test will cost more', () => {
    expect(fastLineCostText(withLine(940), DEFAULTS, t, f)).toMatch(/^Your last test measured 940 Mbit\/s: on a line this fast a test may use up to about 1\d\d MB of data \(the fast-line limit in the options is 250 MB\)\.$/);
  });

  it('says nothing when the newest test\'s line fits the run budget', () => {
    expect(fastLineCostText(withLine(50), DEFAULTS, t, f)).toBeUndefined();
  });

  it('says nothing when the limit allows no more than the run budget, or before any test', () => {
    expect(fastLineCostText(withLine(940), { runBudgetMb: 60, fastLineBudgetMb: 60 }, t, f)).toBeUndefined();
    expect(fastLineCostText(undefined, DEFAULTS, t, f)).toBeUndefined();
  });

  it('never names more than the limit', () => {
    const text = fastLineCostText(withLine(10_000), DEFAULTS, t, f)!;
    expect(text).toMatch(/up to about 250 MB/);
  });

  it('names the long round trip when the newest test found the path long and that, not the rate, costs more', () => {
    const note = { code: 'fast-line' as const, lineMbps: 30, targetMs: 1041, budgetBytes: 60e6, capBytes: 60e6, neededBytes: 118e6, fullBytes: 154e6, rttMs: 150, pathTargetMs: 1500 };
    const latest = { ...withLine(30), warnings: [note] };
    expect(fastLineCostText(latest, DEFAULTS, t, f)).toBe(
      'Your last test measured 30.0 Mbit/s over a long round trip to the test server (about 150 ms): over such a path each download must last several round trips, so a test may use up to about 118 MB of data (the fast-line limit in the options is 250 MB).',
    );
    // The same line without the note: nothing known of the path, nothing to say.
    expect(fastLineCostText(withLine(30), DEFAULTS, t, f)).toBeUndefined();
    // A gigabit line: the path's round trip raises its estimate further, to the limit, and is
    // named; on a short path (a note without a round trip) the words are those of a fast line.
    expect(fastLineCostText({ ...withLine(940), warnings: [{ ...note, lineMbps: 940 }] }, DEFAULTS, t, f)).toMatch(/^Your last test measured 940 Mbit\/s over a long round trip .* up to about 250 MB/);
    const { rttMs: _r, pathTargetMs: _p, ...shortPath } = note;
    expect(fastLineCostText({ ...withLine(940), warnings: [{ ...shortPath, lineMbps: 940 }] }, DEFAULTS, t, f)).toMatch(/^Your last test measured 940 Mbit\/s: on a line this fast a test may use up to about 1\d\d MB/);
    // A stored note whose round trip is not a number is not trusted: no round trip is named.
    expect(fastLineCostText({ ...withLine(30), warnings: [{ ...note, rttMs: 'far' as unknown as number }] }, DEFAULTS, t, f)).not.toMatch(/round trip|NaN|far/);
  });

  it('counts the budget the newest test\'s own plan asked for, which counts every leg it ran', () => {
    // The lab's 12 Mbit/s line 51 ms away, with the checks beside screening: its plan asked for
    // 76 MB, where two legs of that rate over that path would fit in 60 (popup-states 'path-plan').
    const note = { code: 'fast-line' as const, lineMbps: 12, targetMs: 508, budgetBytes: 76_051_053, capBytes: 250e6, neededBytes: 76_051_053, fullBytes: 76_051_053, rttMs: 51, pathTargetMs: 508 };
    expect(fastLineCostText({ ...withLine(12.1), warnings: [note] }, DEFAULTS, t, f)).toBe(
      'Your last test measured 12.1 Mbit/s over a long round trip to the test server (about 51 ms): over such a path each download must last several round trips, so a test may use up to about 76 MB of data (the fast-line limit in the options is 250 MB).',
    );
    // Within today's settings: a lower limit bounds it, and a limit no higher than the run budget says nothing.
    expect(fastLineCostText({ ...withLine(12.1), warnings: [note] }, { runBudgetMb: 60, fastLineBudgetMb: 70 }, t, f)).toMatch(/up to about 70 MB/);
    expect(fastLineCostText({ ...withLine(12.1), warnings: [note] }, { runBudgetMb: 60, fastLineBudgetMb: 60 }, t, f)).toBeUndefined();
    // A plan that fitted the budget adds nothing.
    expect(fastLineCostText({ ...withLine(12.1), warnings: [{ ...note, neededBytes: 40e6 }] }, DEFAULTS, t, f)).toBeUndefined();
  });

  it('does not call a slower line fast when only its plan, with no round trip named, asked for more', () => {
    // A note stored before notes named the round trip: the plan's figure stands, told as the
    // last test's plan, not as what a line "this fast" costs.
    const { rttMs: _r, pathTargetMs: _p, ...stored } = { code: 'fast-line' as const, lineMbps: 12, targetMs: 508, budgetBytes: 76_051_053, capBytes: 250e6, neededBytes: 76_051_053, fullBytes: 76_051_053, rttMs: 51, pathTargetMs: 508 };
    expect(fastLineCostText({ ...withLine(12.1), warnings: [stored] }, DEFAULTS, t, f)).toBe(
      'Your last test measured 12.1 Mbit/s and planned for up to about 76 MB of data to reach its answer, so the next test may use as much (the fast-line limit in the options is 250 MB).',
    );
    // A round trip that is not a number, on a 30 Mbit/s line whose plan asked for 118 MB: the same.
    const far = { code: 'fast-line' as const, lineMbps: 30, targetMs: 1041, budgetBytes: 60e6, capBytes: 60e6, neededBytes: 118e6, fullBytes: 154e6, rttMs: 'far' as unknown as number, pathTargetMs: 1500 };
    expect(fastLineCostText({ ...withLine(30), warnings: [far] }, DEFAULTS, t, f)).toMatch(/^Your last test measured 30\.0 Mbit\/s and planned for up to about 118 MB/);
    // A line fast enough to cost more by its rate alone keeps the fast-line words.
    expect(fastLineCostText({ ...withLine(940), warnings: [{ ...stored, lineMbps: 940 }] }, DEFAULTS, t, f)).toMatch(/on a line this fast/);
  });

  it('adds to the first-run text the rate from which a test may use more, and that a far server may make a slower line cost more', () => {
    expect(firstRunFastLineText(DEFAULTS, t, f)).toBe('On a line faster than about 375 Mbit/s, or a slower one far from the test server, it may use up to 250 MB, and says so here before the test.');
    expect(firstRunFastLineText({ runBudgetMb: 300, fastLineBudgetMb: 250 }, t, f)).toBeUndefined();
  });
});
