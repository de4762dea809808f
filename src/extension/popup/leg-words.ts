// A leg's id ("https-443-down-random", "wss-443-down-random" for M-Lab; core/plan.ts and
// core/ndt7/legs.ts) in words: "encrypted download (HTTPS, port 443)". An id of another shape
// is shown as it is rather than guessed at.
import type { Translate } from '../platform/ports.js';

// A run by server name adds the TLS leg's role (core/sni/sni-plan.ts).
const LEG_ID = /^(https|http|wss|ws)-(\d+)-(down|up)-(random|text)(?:-sni-(name|control))?$/;

export function legWords(id: string, t: Translate): string {
  const m = LEG_ID.exec(id);
  if (!m) return id;
  const [, scheme, port, direction, payload, sni] = m as unknown as [string, string, string, 'down' | 'up', string, 'name' | 'control' | undefined];
  const encrypted = scheme === 'https' || scheme === 'wss';
  const key = `leg${encrypted ? 'Encrypted' : 'Plain'}${direction === 'down' ? 'Down' : 'Up'}`;
  const words = t(key, [scheme.toUpperCase(), port]);
  const withPayload = payload === 'text' ? t('legTextData', [words]) : words;
  if (sni === 'name') return t('legSniName', [withPayload]);
  if (sni === 'control') return t('legSniControl', [withPayload]);
  return withPayload;
}

/** Keys legWords builds from parts, for the locales test. */
export const LEG_WORD_KEYS: readonly string[] = ['legEncryptedDown', 'legEncryptedUp', 'legPlainDown', 'legPlainUp', 'legTextData', 'legSniName', 'legSniControl'];
