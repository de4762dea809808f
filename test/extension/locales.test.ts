// Every message the extension asks for exists in every locale, with the same substitutions,
// so no label silently falls back to an empty string or to English.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LEG_WORD_KEYS } from '../../src/extension/popup/leg-words.js';
import { RESULT_WORD_KEYS } from '../../src/extension/shared/result-words.js';

type Messages = Record<string, { message: string }>;
const load = (lang: string) => JSON.parse(readFileSync(`src/extension/_locales/${lang}/messages.json`, 'utf8')) as Messages;
const en = load('en');
/** The languages of the places where throttling of encrypted traffic has been reported. */
const LOCALES = ['en', 'fr', 'ru', 'es', 'pt_BR', 'tr', 'fa', 'zh_CN'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** Keys named in code (t('key'), ctx.t('key'), data-i18n*="key", __MSG_key__, *_KEYS tables). */
function usedKeys(): Set<string> {
  const keys = new Set<string>();
  const sources = [...files('src/extension').filter((f) => /\.(ts|html)$/.test(f)), 'manifest.json'];
  for (const file of sources) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bt\('([A-Za-z0-9_]+)'/g)) keys.add(m[1]!);
    for (const m of text.matchAll(/data-i18n(?:-label|-placeholder)?="([A-Za-z0-9_]+)"/g)) keys.add(m[1]!);
    for (const m of text.matchAll(/__MSG_([A-Za-z0-9_]+)__/g)) keys.add(m[1]!);
    for (const m of text.matchAll(/:\s*'((?:verdict|headline|meaning|cause|caveat)[A-Z][A-Za-z]+)'/g)) keys.add(m[1]!);
  }
  for (const k of [...RESULT_WORD_KEYS, ...LEG_WORD_KEYS]) keys.add(k);
  return keys;
}

const placeholders = (message: string) => [...message.matchAll(/\$(\d)/g)].map((m) => m[1]).sort().join(',');

describe('_locales', () => {
  it('has every key the code and manifest use, in English', () => {
    const missing = [...usedKeys()].filter((k) => !en[k]);
    expect(missing).toEqual([]);
  });

  it('ships exactly the expected locales', () => {
    expect(readdirSync('src/extension/_locales').sort()).toEqual([...LOCALES].sort());
  });

  for (const lang of LOCALES.filter((l) => l !== 'en')) {
    const messages = load(lang);

    it(`has the same keys in ${lang} as in English`, () => {
      expect(Object.keys(messages).sort()).toEqual(Object.keys(en).sort());
    });

    it(`uses the same substitutions in ${lang} as in English`, () => {
      const differ = Object.keys(en).filter((k) => placeholders(en[k]!.message) !== placeholders(messages[k]?.message ?? ''));
      expect(differ).toEqual([]);
    });

    it(`says in ${lang} which language and direction it is written in`, () => {
      expect(messages.htmlLang?.message.replace('_', '-')).toBe(lang.replace('_', '-'));
      expect(messages.htmlDir?.message).toBe(lang === 'fa' ? 'rtl' : 'ltr');
    });
  }

  it('names the popup button "Run test" and the options field "Endpoint URL" in English (design contract)', () => {
    expect(en.runTest!.message).toBe('Run test');
    expect(en.endpointUrlLabel!.message).toBe('Endpoint URL');
  });
});
