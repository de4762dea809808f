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

  it('adds to the first-run text the rate from which a test may use more', () => {
    expect(firstRunFastLineText(DEFAULTS, t, f)).toBe('On a line faster than about 375 Mbit/s it may use up to 250 MB, and says so here before the test.');
    expect(firstRunFastLineText({ runBudgetMb: 300, fastLineBudgetMb: 250 }, t, f)).toBeUndefined();
  });
});
