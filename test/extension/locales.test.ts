// Every message the extension asks for exists in English and French, with the same
// substitutions, so no label silently falls back to an empty string.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

type Messages = Record<string, { message: string }>;
const load = (lang: string) => JSON.parse(readFileSync(`src/extension/_locales/${lang}/messages.json`, 'utf8')) as Messages;
const en = load('en');
const fr = load('fr');

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
  return keys;
}

const placeholders = (message: string) => [...message.matchAll(/\$(\d)/g)].map((m) => m[1]).sort().join(',');

describe('_locales', () => {
  it('has every key the code and manifest use, in English', () => {
    const missing = [...usedKeys()].filter((k) => !en[k]);
    expect(missing).toEqual([]);
  });

  it('has the same keys in French as in English', () => {
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
  });

  it('uses the same substitutions in both languages', () => {
    const differ = Object.keys(en).filter((k) => placeholders(en[k]!.message) !== placeholders(fr[k]?.message ?? ''));
    expect(differ).toEqual([]);
  });

  it('names the popup button "Run test" and the options field "Endpoint URL" in English (design contract)', () => {
    expect(en.runTest!.message).toBe('Run test');
    expect(en.endpointUrlLabel!.message).toBe('Endpoint URL');
  });
});
