import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { formatMbps, formatRatio, verdictText } from '../../src/extension/shared/verdict-text.js';
import { failedResult, sampleResult } from './sample-result.js';

/** chrome.i18n.getMessage over the real English messages, $1..$9 substituted. */
const en = JSON.parse(readFileSync('src/extension/_locales/en/messages.json', 'utf8')) as Record<string, { message: string }>;
const t = (key: string, subs: string[] = []) => (en[key]?.message ?? '').replace(/\$(\d)/g, (_, n: string) => subs[Number(n) - 1] ?? '');

describe('verdictText', () => {
  it('says how much slower TLS was, with the interval and the cause, in one sentence', () => {
    expect(verdictText(sampleResult(), t).headline).toBe(
      'Encrypted traffic was 4.8x slower than plain traffic (95% CI 4.1-5.6x); the slowdown follows the TLS protocol, not the port',
    );
  });

  it('turns the ratio round when plain traffic is the slow one', () => {
    const r = sampleResult({ verdict: 'plaintext-throttled', cause: undefined, ratio: 0.5, ci95: [0.4, 0.625] });
    expect(verdictText(r, t).headline).toBe('Plain traffic was 2.0x slower than encrypted traffic (95% CI 1.60-2.5x)');
  });

  it('names the server name that was slowed, against the control name', () => {
    const r = sampleResult({
      verdict: 'sni-throttled',
      cause: undefined,
      ratio: 7.8,
      ci95: [6.9, 8.6],
      sni: { name: 'twitter.com', controlName: 'qzkvwmx.example.net', rateMbps: 0.128 },
    });
    const text = verdictText(r, t);
    expect(text.headline).toBe('Connections naming twitter.com were 7.8x slower than connections naming another server (95% CI 6.9-8.6x)');
    expect(text.meaning).toMatch(/server name they ask for \(the SNI\)/);
  });

  it('gives the reason of a failed run, and says it proves nothing', () => {
    const text = verdictText(failedResult('cannot reach https://e.test/info: refused'), t);
    expect(text.headline).toBe('The test did not complete: the test server could not be reached (cannot reach https://e.test/info: refused)');
    expect(text.caveat).toBe('A failed test says nothing about throttling.');
  });

  it('limits a "no difference" to what downloads still speeding up could see', () => {
    const plain = sampleResult({ verdict: 'no-difference', cause: undefined, ratio: 1.02, ci95: [0.97, 1.04], warnings: [] });
    expect(verdictText(plain, t).meaning).toMatch(/no sign of TLS throttling/);
    const bound = { ...plain, warnings: [{ code: 'slow-start-bound' as const, detectableMbps: 18.6, reachedMbps: 20.8, rttMs: 194, rounds: 7, totalRounds: 7 }] };
    const meaning = verdictText(bound, t).meaning;
    expect(meaning).toMatch(/as far as this test could see/);
    expect(meaning).toMatch(/a limit above about 19 Mbit\/s would not have shown/);
    expect(meaning).not.toMatch(/no sign/);
  });

  it('says which way a "no difference" leaned once it leaned a tenth or more, within the margin', () => {
    const at = (ratio: number, ci95: [number, number]) => verdictText(sampleResult({ verdict: 'no-difference', cause: undefined, ratio, ci95, warnings: [] }), t).meaning;
    expect(at(1.21, [0.94, 1.24])).toMatch(/^Encrypted traffic was somewhat slower than plain traffic, but by less than the 25%/);
    expect(at(1.21, [0.94, 1.24])).not.toMatch(/same speed: no sign/);
    expect(at(0.87, [0.81, 0.95])).toMatch(/^Encrypted traffic was somewhat faster than plain traffic, within the 25%/);
    expect(at(1.09, [0.97, 1.2])).toMatch(/^Your connection carried encrypted and plain traffic at the same speed/);
    expect(at(1 / 1.09, [0.85, 1.02])).toMatch(/at the same speed/);
    // Screening alike, but TLS a tenth slower than low-entropy text (note pair-lean): no "no sign".
    const withLean = (ratio: number) =>
      verdictText(
        sampleResult({ verdict: 'no-difference', cause: undefined, ratio: 1.01, ci95: [0.98, 1.2], warnings: [{ code: 'pair-lean', pair: 'tls-vs-low-entropy', rounds: 35, ratio, ci95: [ratio * 0.95, ratio * 1.03] }] }),
        t,
      ).meaning;
    expect(withLean(1.19)).toMatch(/^Encrypted traffic was somewhat slower/);
    expect(withLean(1 / 1.15)).toMatch(/at the same speed: no sign/);
    // A long path's bound says more than the lean: it stays first.
    const bound = sampleResult({
      verdict: 'no-difference', cause: undefined, ratio: 1.2, ci95: [0.9, 1.24],
      warnings: [{ code: 'slow-start-bound', detectableMbps: 18.6, reachedMbps: 20.8, rttMs: 194, rounds: 7, totalRounds: 7 }],
    });
    expect(verdictText(bound, t).meaning).toMatch(/as far as this test could see/);
  });

  it('does not say "no sign of TLS throttling" when a check of this test did not run', () => {
    const same = sampleResult({ verdict: 'no-difference', cause: undefined, ratio: 1.01, ci95: [1.0, 1.01], warnings: [] });
    const unchecked = (warnings: NonNullable<typeof same.warnings>) => verdictText({ ...same, warnings }, t).meaning;
    // The WAN lab's classifier of random-looking flows at 3x: the low-entropy text never ran.
    const lowEntropy = unchecked([{ code: 'reference-unchecked', pair: 'tls-vs-low-entropy', rounds: 0, minRounds: 6 }]);
    expect(lowEntropy).toMatch(/^Your connection carried encrypted and plain traffic at the same speed in the checks that ran, but not every check/);
    expect(lowEntropy).toMatch(/does not rule out every kind of TLS throttling/);
    expect(lowEntropy).not.toMatch(/no sign/);
    expect(unchecked([{ code: 'reference-unchecked', pair: 'upload', rounds: 2, minRounds: 6 }])).toBe(lowEntropy);
    expect(unchecked([{ code: 'references-skipped', transferBytes: 1_500_000, wantedBytes: 8_400_000, budgetBytes: 60e6 }])).toBe(lowEntropy);
    // A lean towards TLS slower says more, and stays; one the other way gives way to the gap.
    expect(verdictText({ ...same, ratio: 1.21, ci95: [0.94, 1.24], warnings: [{ code: 'reference-unchecked', pair: 'upload', rounds: 2, minRounds: 6 }] }, t).meaning).toMatch(/somewhat slower/);
    expect(verdictText({ ...same, ratio: 0.87, ci95: [0.81, 0.95], warnings: [{ code: 'reference-unchecked', pair: 'upload', rounds: 2, minRounds: 6 }] }, t).meaning).toBe(lowEntropy);
  });

  it('limits a "no difference" against a public file to downloads of that file', () => {
    const same = sampleResult({ verdict: 'no-difference', cause: undefined, ratio: 1.01, ci95: [0.98, 1.03], warnings: [] });
    const mirror = verdictText({ ...same, warnings: [{ code: 'mirror-checked', checks: ['same length', 'Range honoured'] }] }, t).meaning;
    expect(mirror).toMatch(/^Your connection downloaded this server's file at the same speed encrypted and plain/);
    expect(mirror).toMatch(/no upload to compare with, so slowing of all encrypted-looking traffic, or of uploads, might not show here/);
    expect(mirror).not.toBe(verdictText(same, t).meaning);
    // Downloads still speeding up say more, and stay first.
    const bound = { code: 'slow-start-bound' as const, detectableMbps: 18.6, reachedMbps: 20.8, rttMs: 194, rounds: 7, totalRounds: 7 };
    expect(verdictText({ ...same, warnings: [{ code: 'mirror-checked', checks: [] }, bound] }, t).meaning).toMatch(/as far as this test could see/);
  });

  it('reminds that one test is one moment on one path', () => {
    expect(verdictText(sampleResult({ verdict: 'no-difference', cause: undefined, ratio: 1.02, ci95: [0.95, 1.1] }), t).caveat).toMatch(
      /^One test is one moment on one path/,
    );
  });
});

describe('formatRatio', () => {
  it('shows two decimals near 1, one from 2, none from 10', () => {
    expect([formatRatio(1.234), formatRatio(4.84), formatRatio(12.4)]).toEqual(['1.23x', '4.8x', '12x']);
  });

  it('shows a dash for a missing ratio', () => {
    expect(formatRatio(NaN)).toBe('–');
  });
});

describe('formatMbps', () => {
  it('drops decimals from 100 Mbit/s up', () => {
    expect([formatMbps(4.84), formatMbps(940.2)]).toEqual(['4.8', '940']);
  });
});
