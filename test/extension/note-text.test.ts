// Every coded note and error of the core (src/core/notes.ts) has words in every locale, with
// the substitutions its message asks for, so the popup never shows a code or an English
// sentence the core wrote.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Note, RunError, RunErrorCode } from '../../src/core/notes.js';
import { NOTE_CODES } from '../../src/core/notes.js';
import { errorSentence, NOTE_MESSAGE_KEYS, noteText } from '../../src/extension/shared/note-text.js';
import type { Translate } from '../../src/extension/platform/ports.js';

type Messages = Record<string, { message: string }>;
const LOCALES = readdirSync('src/extension/_locales');

function translator(lang: string): Translate {
  const messages = JSON.parse(readFileSync(`src/extension/_locales/${lang}/messages.json`, 'utf8')) as Messages;
  return (key, subs = []) => {
    const m = messages[key];
    if (!m) throw new Error(`${lang}: no message ${key}`);
    return m.message.replace(/\$(\d)/g, (_, i: string) => {
      const s = subs[Number(i) - 1];
      if (s === undefined) throw new Error(`${lang}: ${key} asks for $${i}, which was not given`);
      return s;
    });
  };
}

/** One note of every code, with distinctive numbers. */
const SAMPLES: Record<Note['code'], Note> = {
  'budget-spent': { code: 'budget-spent', rounds: 6 },
  'budget-too-small': { code: 'budget-too-small', roundBytes: 18_400_000, rounds: 16, neededBytes: 296_200_000, budgetBytes: 12_000_000 },
  'too-few-rounds': { code: 'too-few-rounds', rounds: 4, minRounds: 6 },
  'straddles-margin': { code: 'straddles-margin', rounds: 12, ci95: [0.58, 6.06], marginRatio: 1.25 },
  'repeated-too-few': { code: 'repeated-too-few', rounds: 7, levelPercent: 99.5, minRounds: 9, ci95: [1.3, 2.2] },
  'repeated-straddles': { code: 'repeated-straddles', rounds: 14, levelPercent: 99.4, interval: [1.12, 1.9], ci95: [1.3, 1.71], marginRatio: 1.25 },
  'pending-second-look': { code: 'pending-second-look', ci95: [1.3, 2.1], marginRatio: 1.25 },
  'less-busy-lean': { code: 'less-busy-lean', rounds: 17, ci95: [0.9, 1.2], marginRatio: 1.25, lessBusyRounds: 9, lessBusyRatio: 1.69, lessBusyCi95: [1.1, 2.3] },
  'less-busy-against': { code: 'less-busy-against', rounds: 15, ratio: 0.39, totalRounds: 32, marginRatio: 1.25, lessBusyRounds: 16, lessBusyRatio: 1.37, lessBusyCi95: [1.29, 1.44] },
  turned: { code: 'turned', ratio: 13.3, leg: 'https-443-down-random', carriedBytes: 7_400_000 },
  'still-rising': { code: 'still-rising', leg: 'http-80-down-random', firstMbps: 8.5, lastMbps: 17.4, rounds: 10 },
  'rising-alike': { code: 'rising-alike', leg: 'http-80-down-random', firstMbps: 8.1, lastMbps: 16.2, rounds: 6 },
  'short-flow': { code: 'short-flow', carriedBytes: 3_100_000, minFlowBytes: 8_000_000 },
  'stopped-early': { code: 'stopped-early', rounds: 7, detail: 'the server closed the test' },
  'window-limited': { code: 'window-limited', rounds: 5 },
  'fast-line': { code: 'fast-line', lineMbps: 940, targetMs: 40, budgetBytes: 170e6, capBytes: 250e6, neededBytes: 170e6 },
  'pair-unsettled': { code: 'pair-unsettled', pair: 'upload', rounds: 6, ratio: 4.9, ci95: [4.7, 5.13] },
  'pair-lean': { code: 'pair-lean', pair: 'tls-vs-low-entropy', rounds: 35, ratio: 1.186, ci95: [1.128, 1.22] },
  'name-faster': { code: 'name-faster', rounds: 7, ratio: 0.25, ci95: [0.2, 0.3] },
  'less-busy-finding': { code: 'less-busy-finding', rounds: 9, totalRounds: 17 },
  'since-turn': { code: 'since-turn', rounds: 14, roundsBefore: 13 },
  'some-rounds': { code: 'some-rounds', rounds: 11, totalRounds: 26 },
  'fresh-unconfirmed': { code: 'fresh-unconfirmed', rounds: 7, minRounds: 5, ratio: 1.13, marginRatio: 1.25 },
  'entropy-shaping': { code: 'entropy-shaping' },
  'upload-only': { code: 'upload-only', downloads: 'same' },
  'cpu-bound': { code: 'cpu-bound', tlsLeg: 'https-443-down-random', tlsMbps: 2500, plainLeg: 'http-80-down-random', plainMbps: 6000, whose: 'client', capacityMbps: 4000 },
  'no-screening': { code: 'no-screening' },
  'file-screening-only': { code: 'file-screening-only' },
  'single-port': { code: 'single-port', port: 8443 },
  'references-skipped': { code: 'references-skipped', transferBytes: 1_500_000, wantedBytes: 8_400_000, budgetBytes: 60_000_000 },
  'reference-unchecked': { code: 'reference-unchecked', pair: 'upload', rounds: 3, minRounds: 6 },
  'slow-start-bound': { code: 'slow-start-bound', detectableMbps: 18.6, reachedMbps: 20.8, rttMs: 194, rounds: 7, totalRounds: 7 },
  'burst-scope': { code: 'burst-scope', transferBytes: 352_000, rounds: 12 },
  'small-file': { code: 'small-file', bytes: 1024 },
  'diagnosis-dropped': { code: 'diagnosis-dropped', leg: 'http-443-down-random', detail: 'HTTP 400' },
  'mlab-scope': { code: 'mlab-scope' },
  'mlab-no-uploads': { code: 'mlab-no-uploads', machine: 'mlab1-lga0t' },
  'mlab-server-skipped': { code: 'mlab-server-skipped', detail: 'no ws URL' },
  'mlab-retried': { code: 'mlab-retried', machine: 'mlab1-lga0t', detail: 'HTTP 401' },
  'mlab-slow-close': { code: 'mlab-slow-close', closeWaitMs: 8500, unseenBytes: 850_000_000 },
  'upload-client-timed': { code: 'upload-client-timed' },
  'upload-untimed': { code: 'upload-untimed' },
  'server-chosen': { code: 'server-chosen', id: 'hetzner-fsn1', kind: 'mirror', url: 'https://fsn1-speed.hetzner.com/1GB.bin', connectMs: 23, checks: ['same length'] },
  'mirror-checked': { code: 'mirror-checked', checks: ['same length on both schemes (1000000000 bytes)'] },
  'server-passed-over': { code: 'server-passed-over', detail: 'ours (https://e.test/) was skipped: cannot reach' },
  'mirrors-rested': { code: 'mirrors-rested', ids: ['hetzner-fsn1'] },
  text: { code: 'text', text: 'an older sentence' },
};

const ERROR_CODES: RunErrorCode[] = [
  'stalled', 'timeout', 'http-status', 'redirect', 'short-body', 'dropped', 'not-plaintext', 'unreachable', 'aborted',
  'bad-endpoint', 'interfered', 'abandoned', 'internal', 'mlab-no-capacity', 'mlab-refused', 'mlab-consent', 'range-ignored', 'not-usable', 'busy', 'text',
];

describe('note-text', () => {
  it('has a sample for every code the core can emit', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...NOTE_CODES].sort());
  });

  for (const lang of LOCALES) {
    it(`words every note in ${lang}, with its numbers`, () => {
      const t = translator(lang);
      for (const note of Object.values(SAMPLES)) {
        const text = noteText(note, t);
        expect(text.length, note.code).toBeGreaterThan(0);
        expect(text, note.code).not.toMatch(/\$\d/);
      }
      expect(noteText(SAMPLES['budget-spent'], t)).toContain('6');
      expect(noteText(SAMPLES['turned'], t)).toContain('https-443-down-random');
    });

    it(`words the cases with sentences of their own in ${lang}`, () => {
      const t = translator(lang);
      // A pair of too few rounds has no interval: stored, its bounds are null, and no "0-0x" or "NaN" may show.
      const few = { code: 'pair-unsettled', pair: 'upload', rounds: 1, ratio: 4.16, ci95: [null, null] } as unknown as Note;
      const fewText = noteText(few, t);
      expect(fewText).not.toMatch(/NaN|null|\$\d/);
      expect(fewText).not.toBe(noteText({ ...SAMPLES['pair-unsettled'], rounds: 1, ratio: 4.16 } as Note, t));
      const upload = noteText(SAMPLES['reference-unchecked'], t);
      const lowEntropy = noteText({ code: 'reference-unchecked', pair: 'tls-vs-low-entropy', rounds: 3, minRounds: 6 }, t);
      expect(lowEntropy).not.toBe(upload);
      for (const text of [upload, lowEntropy]) expect(text).not.toMatch(/\$\d/);
      // Fewer rounds on new connections than a confirmation needs: no ratio to give yet.
      const freshFew = noteText({ code: 'fresh-unconfirmed', rounds: 3, minRounds: 5, marginRatio: 1.25 }, t);
      expect(freshFew).not.toBe(noteText(SAMPLES['fresh-unconfirmed'], t));
      expect(freshFew).not.toMatch(/\$\d|1[.,]13/);
      expect(noteText(SAMPLES['fresh-unconfirmed'], t)).toMatch(/1[.,]13/);
      // A finding from some rounds slowed (rule 4m) is confirmed by counting such rounds: the
      // note gives the counts and the ratio they are counted past, not the new rounds' ratio.
      const slowed = { ...SAMPLES['fresh-unconfirmed'], rounds: 6, ratio: 1.07, slowedRounds: { up: 2, down: 1, farRatio: 2.5 } } as Note;
      const slowedText = noteText(slowed, t);
      expect(slowedText).not.toBe(noteText(SAMPLES['fresh-unconfirmed'], t));
      expect(slowedText).toMatch(/2[.,]50/);
      expect(slowedText).not.toMatch(/\$\d|1[.,]07/);
      for (const n of ['6', '2', '1', '5']) expect(slowedText).toContain(n);
      // A reference that leaned inside the margin: the encrypted leg faster reads as a factor
      // of one or more too, its interval turned round with it.
      const leanSlower = noteText(SAMPLES['pair-lean'], t);
      const leanFaster = noteText({ code: 'pair-lean', pair: 'upload', rounds: 9, ratio: 1 / 1.15, ci95: [1 / 1.21, 1 / 1.08] }, t);
      expect(leanFaster).not.toBe(leanSlower);
      for (const n of [/1[.,]19/, /35/, /1[.,]13/, /1[.,]22/]) expect(leanSlower).toMatch(n);
      for (const n of [/1[.,]15/, /9/, /1[.,]08/, /1[.,]21/]) expect(leanFaster).toMatch(n);
      for (const text of [leanSlower, leanFaster]) expect(text).not.toMatch(/\$\d|0[.,]8/);
      // A finding the least busy rounds contradict, either way round: each factor reads as
      // one or more, the least busy rounds' interval turned round with theirs.
      const againstPlain = noteText(SAMPLES['less-busy-against'], t);
      const againstTls = noteText({ code: 'less-busy-against', rounds: 12, ratio: 2.5, totalRounds: 30, marginRatio: 1.25, lessBusyRounds: 15, lessBusyRatio: 0.7, lessBusyCi95: [0.625, 0.8] }, t);
      expect(againstTls).not.toBe(againstPlain);
      for (const n of [/2[.,]56/, /15/, /32/, /16/, /1[.,]37/, /1[.,]29/, /1[.,]44/]) expect(againstPlain).toMatch(n);
      for (const n of [/2[.,]50/, /12/, /30/, /15/, /1[.,]43/, /1[.,]25/, /1[.,]60/]) expect(againstTls).toMatch(n);
      for (const text of [againstPlain, againstTls]) expect(text).not.toMatch(/\$\d|0[.,][0-9]/);
      // A long path's plan: its round trips set the transfers' length, so the words name them
      // and not a fast connection; a note stored before the core gave them keeps the old words.
      const longPath: Note = { code: 'fast-line', lineMbps: 12, targetMs: 508, budgetBytes: 76e6, capBytes: 250e6, neededBytes: 76e6, rttMs: 51, pathTargetMs: 508 };
      const longText = noteText(longPath, t);
      expect(longText).not.toBe(noteText(SAMPLES['fast-line'], t));
      for (const n of ['51', '508', '12', '76', '250']) expect(longText).toContain(n);
      expect(longText).not.toMatch(/\$\d/);
      const stored = { ...longPath, lineMbps: 940, budgetBytes: 170e6, neededBytes: 170e6 } as Record<string, unknown>;
      delete stored.rttMs;
      delete stored.pathTargetMs;
      expect(noteText(stored as Note, t)).toBe(noteText({ ...(SAMPLES['fast-line'] as Note & { code: 'fast-line' }), targetMs: 508 }, t));
      // What full-length downloads would need, where the note kept it; before, the least.
      expect(noteText({ ...(SAMPLES['fast-line'] as Note & { code: 'fast-line' }), fullBytes: 812e6 }, t)).toMatch(/812/);
      expect(noteText(SAMPLES['fast-line'], t)).not.toMatch(/812/);
      // None ran on new connections yet: the few-rounds sentence says so.
      const none: Note = { code: 'fresh-unconfirmed', rounds: 0, minRounds: 5, marginRatio: 1.25 };
      expect(noteText({ ...none, slowedRounds: { up: 0, down: 0, farRatio: 2.5 } }, t)).toBe(noteText(none, t));
    });

    it(`words every error in ${lang}, keeping the detail`, () => {
      const t = translator(lang);
      for (const code of ERROR_CODES) {
        const e: RunError = { code, detail: 'download of 4000000 bytes stalled after 30000 ms' };
        expect(errorSentence(e, t), code).toContain('4000000');
      }
    });

    it(`has every note and error message in ${lang}`, () => {
      const messages = JSON.parse(readFileSync(`src/extension/_locales/${lang}/messages.json`, 'utf8')) as Messages;
      expect(NOTE_MESSAGE_KEYS.filter((k) => !messages[k])).toEqual([]);
    });
  }
});
