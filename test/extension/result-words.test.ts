import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { localeFormat } from '../../src/extension/shared/locale-format.js';
import { advice, cardState, causeSentences, headline, ratioSentence, speedLabels, speeds } from '../../src/extension/shared/result-words.js';
import { shareText } from '../../src/extension/shared/share-text.js';
import { legWords } from '../../src/extension/popup/leg-words.js';
import { entry, failedResult, sampleResult, uploadFindingResult } from './sample-result.js';
import type { Note } from '../../src/core/notes.js';

const messages = (lang: string) => JSON.parse(readFileSync(`src/extension/_locales/${lang}/messages.json`, 'utf8')) as Record<string, { message: string }>;
const translator = (lang: string) => {
  const m = messages(lang);
  return (key: string, subs: string[] = []) => (m[key]?.message ?? '').replace(/\$(\d)/g, (_, n: string) => subs[Number(n) - 1] ?? '');
};
const t = translator('en');
const f = localeFormat('en');

describe('result words', () => {
  it('heads a throttled run in plain words and gives both speeds', () => {
    const e = entry(1);
    expect(headline(e.result, t)).toBe('Encrypted traffic is being slowed');
    expect(speeds(e)).toEqual({ httpsMbps: 5, httpMbps: 24, uploads: false });
  });

  it('gives the upload speeds, labelled as uploads, where the finding is in uploads only', () => {
    // Downloads alike and uploads a third apart (the lab's fw-16): two equal download figures
    // under "encrypted traffic is being slowed" read as a contradiction.
    const e = entry(1, uploadFindingResult());
    const s = speeds(e)!;
    expect(s).toEqual({ httpsMbps: 1.6, httpMbps: 4.8, uploads: true });
    expect(speedLabels(s, false).map((k) => t(k))).toEqual(['HTTPS upload (encrypted)', 'HTTP upload (plain)']);
    expect(shareText(e, t, f, '0.1.0').split('\n')[1]).toBe('HTTPS uploads 1.6 Mbit/s, HTTP uploads 4.8 Mbit/s');
    // Without the note the figures stay the downloads', as for any download finding.
    expect(speeds({ ...e, result: { ...e.result, warnings: [] } })).toEqual({ httpsMbps: 5, httpMbps: 24, uploads: false });
  });

  it('words the ratio and its interval as "very likely between"', () => {
    expect(ratioSentence(sampleResult(), t, f)).toBe(
      'Encrypted traffic ran 4.8 times slower than plain traffic: very likely between 4.1 and 5.6 times slower.',
    );
  });

  it('turns the ratio round when plain traffic is the slow one', () => {
    const r = sampleResult({ verdict: 'plaintext-throttled', ratio: 0.5, ci95: [0.4, 0.625] });
    expect(ratioSentence(r, t, f)).toBe('Plain traffic ran 2.0 times slower than encrypted traffic: very likely between 1.60 and 2.5 times slower.');
  });

  it('heads a run slowed by server name and words its ratio with the name', () => {
    const r = sampleResult({ verdict: 'sni-throttled', cause: undefined, ratio: 7.8, ci95: [6.9, 8.6], sni: { name: 't.co', controlName: 'qz.example.net', rateMbps: 0.13 } });
    expect(headline(r, t)).toBe('A server name is being slowed');
    expect(ratioSentence(r, t, f)).toBe(
      'Connections naming t.co ran 7.8 times slower than connections to the same server under another name: very likely between 6.9 and 8.6 times slower.',
    );
  });

  it('names the cause and the shaper rate of a finding', () => {
    const r = sampleResult({ shaping: { leg: 'https-443-down-random', rateMbps: 9.6, burstBytes: 1e6 } });
    expect(causeSentences(r, t, f)).toEqual(['What triggers it: the slowdown follows the TLS protocol, not the port.', 'A shaper holds the slow traffic to about 9.6 Mbit/s.']);
  });

  it('gives an inconclusive run the reason from its notes, in numbers, and the step that fits it', () => {
    const r = sampleResult({ verdict: 'inconclusive', cause: undefined, ratio: 1.35, ci95: [0.58, 6.06], warnings: [{ code: 'budget-spent', rounds: 6 }] });
    const a = advice(r, t)!;
    expect(a.reason).toContain('stopped after 6 rounds');
    expect(a.next).toMatch(/^raise "Most data one test may use"/);
    expect(ratioSentence(r, t, f)).toContain('between 0.58x and 6.1x');
  });

  it('words an open answer with the interval that left it open, the repeated one, not the narrower 95% one', () => {
    const open: Note = { code: 'repeated-straddles', rounds: 9, levelPercent: 99.3, interval: [0.98, 1.71], ci95: [1.08, 1.52], marginRatio: 1.25 };
    const r = sampleResult({ verdict: 'inconclusive', cause: undefined, ratio: 1.26, ci95: [1.08, 1.52], warnings: [{ code: 'budget-spent', rounds: 9 }, open] });
    expect(ratioSentence(r, t, f)).toContain('between 0.98x and 1.71x');
    expect(advice(r, t)!.reason).toContain('stopped after 9 rounds');
  });

  it('words an answer left open by uploads leaning beside settled downloads as that, not as an open download ratio', () => {
    const lean: Note = { code: 'pair-unsettled', pair: 'upload', rounds: 1, ratio: 4.16, ci95: [NaN, NaN] };
    const r = sampleResult({ verdict: 'inconclusive', cause: undefined, ratio: 1.02, ci95: [0.95, 1.06], warnings: [{ code: 'budget-spent', rounds: 11 }, lean] });
    expect(ratioSentence(r, t, f)).toBe(
      'Downloads: plain and encrypted speeds differed by a ratio of 1.02x, very likely between 0.95x and 1.06x, within the 25% that counts as the same; but another check was still open when the test ended.',
    );
    const a = advice(r, t)!;
    expect(a.reason).toBe('uploads ran 4.16x apart in too few rounds to tell (1) when the test reached its data or time limit: the downloads alone cannot show there is no difference');
    expect(a.next).toBe(t('nextRaiseBudget'));
  });

  it('gives the reason of a run whose rounds a long path left window-limited, and asks for more time', () => {
    const r = sampleResult({ verdict: 'inconclusive', cause: undefined, ratio: NaN, ci95: [NaN, NaN], warnings: [{ code: 'window-limited', rounds: 5 }, { code: 'too-few-rounds', rounds: 0, minRounds: 6 }] });
    const a = advice(r, t)!;
    expect(a.reason).toContain('5 rounds were not counted');
    expect(a.next).toBe(t('nextRaiseBudget'));
  });

  it('says what a run no round fitted would need, and which limit to raise, before any other reason', () => {
    const warnings = [
      { code: 'references-skipped' as const, transferBytes: 77_052, wantedBytes: 114_803_531, budgetBytes: 12e6 },
      { code: 'budget-too-small' as const, roundBytes: 29_500_000, rounds: 16, neededBytes: 474_100_000, budgetBytes: 12e6 },
    ];
    const r = sampleResult({ verdict: 'inconclusive', cause: undefined, ratio: NaN, ci95: [NaN, NaN], rounds: 0, legs: [], comparisons: [], warnings });
    expect(cardState(r)).toBe('inconclusive');
    const a = advice(r, t)!;
    expect(a.reason).toBe('not one round of the test fitted its data limit of 12.0 MB: on a line this fast one round needs about 29.5 MB, and the 16 rounds a test plans for about 474.1 MB (a test stops as soon as its answer is clear)');
    expect(a.next).toMatch(/^raise "Most data one test may use on a fast line" in the options to at least the figure above/);
    expect(ratioSentence(r, t, f)).toBeUndefined();
  });

  it('calls a run the user stopped "Cancelled", not a failure', () => {
    const r = { ...failedResult(), error: { code: 'aborted' as const, detail: 'cancelled after 4180 ms' } };
    expect(cardState(r)).toBe('cancelled');
    expect(headline(r, t)).toBe('Cancelled');
    expect(advice(r, t)!.reason).toContain('4180 ms');
  });

  it('gives a failed run its error with the detail, and a next step for that error', () => {
    const a = advice(failedResult('cannot reach https://e.test/info: refused'), t)!;
    expect(a.reason).toBe('the test server could not be reached (cannot reach https://e.test/info: refused)');
    expect(a.next).toMatch(/check that you are online/);
  });

  it('shows no speeds for an interfered run, whose plain leg measured something else', () => {
    const e = entry(1, sampleResult({ verdict: 'interfered', cause: undefined, error: { code: 'interfered', detail: 'HTTP 302 to a login page' } }));
    expect(speeds(e)).toBeUndefined();
    expect(advice(e.result, t)!.next).toMatch(/^open a plain http:\/\/ website/);
  });

  it('has no ratio sentence and no advice where there is nothing to say', () => {
    expect(ratioSentence(failedResult(), t, f)).toBeUndefined();
    expect(advice(sampleResult(), t)).toBeUndefined();
  });
});

describe('shareText', () => {
  it('holds the headline, both speeds, the interval, the date, the endpoint and the version', () => {
    const text = shareText(entry(1), t, f, '0.1.0');
    expect(text.split('\n')).toEqual([
      'Encrypted traffic is being slowed',
      'HTTPS 5.0 Mbit/s, HTTP 24.0 Mbit/s',
      'Encrypted traffic ran 4.8 times slower than plain traffic: very likely between 4.1 and 5.6 times slower.',
      'What triggers it: the slowdown follows the TLS protocol, not the port.',
      `Measured ${f.dateTime(entry(1).finishedAt)}`,
      'Test server: Endpoint (https://endpoint.test/)',
      'TLS Throttle Detector 0.1.0',
    ]);
  });

  it('names the network when the result carries one', () => {
    const e = entry(1);
    (e.result as unknown as { clientNetwork: unknown }).clientNetwork = { asn: 3320, name: 'Deutsche Telekom', country: 'DE' };
    expect(shareText(e, t, f, '0.1.0')).toContain('Network: AS3320 Deutsche Telekom (DE)');
  });
});

describe('localeFormat', () => {
  it('writes French numbers and units the French way', () => {
    const fr = localeFormat('fr');
    expect(fr.ratio(1.35)).toBe('1,35x');
    expect(fr.megabytes(54_900_000).replace(/\s/g, ' ')).toBe('54,9 Mo');
    expect(fr.mbps(47)).toBe('47,0');
  });

  it('writes Persian digits in Persian', () => {
    expect(localeFormat('fa').count(12)).toBe('۱۲');
  });

  it('runs a clock as minutes and seconds', () => {
    expect(localeFormat('en').clock(65_400)).toBe('1:05');
  });
});

describe('legWords', () => {
  it('names a leg in words, not by its id', () => {
    expect(legWords('https-443-down-random', t)).toBe('encrypted download (HTTPS, port 443)');
    expect(legWords('http-80-down-text', t)).toBe('plain download (HTTP, port 80), text data');
    expect(legWords('wss-443-up-random', t)).toBe('encrypted upload (WSS, port 443)');
    expect(legWords('https-8443-down-random-sni-name', t)).toBe('encrypted download (HTTPS, port 8443), under the name tested');
    expect(legWords('https-443-down-random-sni-control', t)).toBe('encrypted download (HTTPS, port 443), under the control name');
  });

  it('shows an id of another shape as it is', () => {
    expect(legWords('odd-leg', t)).toBe('odd-leg');
  });
});
