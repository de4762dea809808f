// The M-Lab consent and the popup's "can and cannot show" lists say in English exactly what
// the core says (the CLI prints the core's text), and exist in French too.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MLAB_CAN_SHOW, MLAB_CANNOT_SHOW, MLAB_CONSENT_TEXT, MLAB_PRIVACY_URL } from '../../src/core/ndt7/disclosure.js';
import { isMlabEntry, MLAB_CAN_SHOW_KEYS, MLAB_CANNOT_SHOW_KEYS, mlabServer } from '../../src/extension/popup/mlab-scope.js';
import { entry, sampleResult } from './sample-result.js';

type Messages = Record<string, { message: string }>;
const load = (lang: string) => JSON.parse(readFileSync(`src/extension/_locales/${lang}/messages.json`, 'utf8')) as Messages;
const en = load('en');
const fr = load('fr');

describe('M-Lab wording', () => {
  it('shows the core consent text word for word in English, on the page and in its fallback HTML', () => {
    expect(en.mlabConsentText!.message).toBe(MLAB_CONSENT_TEXT);
    expect(readFileSync('src/extension/options/options.html', 'utf8')).toContain(`>${MLAB_CONSENT_TEXT}</p>`);
    expect(readFileSync('src/extension/options/options.html', 'utf8')).toContain(`href="${MLAB_PRIVACY_URL}"`);
  });

  it('lists in English what an M-Lab result can and cannot show, as the core does', () => {
    expect(MLAB_CAN_SHOW_KEYS.map((k) => en[k]?.message)).toEqual([...MLAB_CAN_SHOW]);
    expect(MLAB_CANNOT_SHOW_KEYS.map((k) => en[k]?.message)).toEqual([...MLAB_CANNOT_SHOW]);
  });

  it('has every M-Lab sentence in French', () => {
    const missing = [...MLAB_CAN_SHOW_KEYS, ...MLAB_CANNOT_SHOW_KEYS, 'mlabConsentText'].filter((k) => !fr[k]?.message);
    expect(missing).toEqual([]);
  });

  it('says that the SNI is M-Lab\'s own and that port 80 WebSockets may be classified apart', () => {
    const cannot = MLAB_CANNOT_SHOW_KEYS.map((k) => en[k]!.message).join('\n');
    expect(cannot).toMatch(/SNI\) is M-Lab's own hostname/);
    expect(cannot).toMatch(/WebSocket on port 80 may be classified differently/);
  });
});

describe('mlabServer', () => {
  it('names the machine and where it is', () => {
    const r = { ...sampleResult({ endpoint: 'mlab:mlab1-lga03' }), mlab: { machine: 'mlab1-lga03', city: 'New York', country: 'US', noCapacity: false } };
    expect(mlabServer(entry(1, r))).toBe('mlab1-lga03 (New York, US)');
  });

  it('names the machine alone when the locate service gave no place, and nothing for a run that reached none', () => {
    expect(mlabServer(entry(1, { ...sampleResult(), mlab: { machine: 'mlab2-x', noCapacity: false } } as never))).toBe('mlab2-x');
    expect(mlabServer(entry(1, { ...sampleResult(), mlab: { noCapacity: true } } as never))).toBeUndefined();
  });
});

describe('isMlabEntry', () => {
  it('knows an M-Lab result by its endpoint kind or its mlab: endpoint', () => {
    expect(isMlabEntry({ ...entry(1), endpoint: { id: 'mlab', name: 'M-Lab', url: 'https://locate.test/', kind: 'mlab' } })).toBe(true);
    expect(isMlabEntry(entry(1, sampleResult({ endpoint: 'mlab:mlab1-lga03' })))).toBe(true);
  });

  it('leaves HTTP endpoint results alone', () => {
    expect(isMlabEntry(entry(1))).toBe(false);
  });
});
