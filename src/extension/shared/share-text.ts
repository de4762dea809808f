// A result as plain text to paste into a message or an article: the same words as the card
// (result-words.ts), the date, the endpoint and the version, so a reader can tell what was
// measured where and with what.
import type { Translate } from '../platform/ports.js';
import { clientNetwork, networkLabel } from './client-network.js';
import type { LocaleFormat } from './locale-format.js';
import { advice, causeSentences, headline, ratioSentence, speeds } from './result-words.js';
import type { HistoryEntry } from './storage-schema.js';

export function shareText(entry: HistoryEntry, t: Translate, f: LocaleFormat, version: string): string {
  const r = entry.result;
  const s = speeds(entry);
  const network = clientNetwork(entry);
  const adv = advice(r, t);
  const lines = [
    headline(r, t),
    s ? t(s.uploads ? 'shareUploadSpeeds' : 'shareSpeeds', [f.mbps(s.httpsMbps), f.mbps(s.httpMbps), t('unitMbps')]) : undefined,
    ratioSentence(r, t, f),
    ...causeSentences(r, t, f),
    adv?.reason ? t('reasonLine', [adv.reason]) : undefined,
    t('shareWhen', [f.dateTime(entry.finishedAt)]),
    t('shareEndpoint', [entry.endpoint.name, entry.endpoint.url]),
    network ? t('shareNetwork', [networkLabel(network)]) : undefined,
    t('shareVersion', [t('extensionName'), version]),
  ];
  return lines.filter((l): l is string => !!l).join('\n');
}
