// A leg's id ("https-443-down-random", "wss-443-down-random" for M-Lab; core/plan.ts and
// core/ndt7/legs.ts) in words: "encrypted download (HTTPS, port 443)". An id of another shape
// is shown as it is rather than guessed at.
import type { Translate } from '../platform/ports.js';

const LEG_ID = /^(https|http|wss|ws)-(\d+)-(down|up)-(random|text)$/;

export function legWords(id: string, t: Translate): string {
  const m = LEG_ID.exec(id);
  if (!m) return id;
  const [, scheme, port, direction, payload] = m as unknown as [string, string, string, 'down' | 'up', string];
  const encrypted = scheme === 'https' || scheme === 'wss';
  const key = `leg${encrypted ? 'Encrypted' : 'Plain'}${direction === 'down' ? 'Down' : 'Up'}`;
  const words = t(key, [scheme.toUpperCase(), port]);
  return payload === 'text' ? t('legTextData', [words]) : words;
}

/** Keys legWords builds from parts, for the locales test. */
export const LEG_WORD_KEYS: readonly string[] = ['legEncryptedDown', 'legEncryptedUp', 'legPlainDown', 'legPlainUp', 'legTextData'];
