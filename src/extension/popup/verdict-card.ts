// The verdict card: the newest result, carrying data-verdict (a contract: tests and users'
// scripts find the verdict there) and data-run-id. A headline first, then the two speeds as
// large figures, then the ratio in words; the details stay folded for those who want them.
import type { Translate } from '../platform/ports.js';
import { el, isolate } from '../shared/dom.js';
import type { LocaleFormat } from '../shared/locale-format.js';
import { noteText } from '../shared/note-text.js';
import { advice, cardState, causeSentences, headline, ratioSentence, speedLabels, speeds, type Speeds } from '../shared/result-words.js';
import type { HistoryEntry } from '../shared/storage-schema.js';
import { verdictText } from '../shared/verdict-text.js';
import { isMlabEntry, mlabScope } from './mlab-scope.js';
import { sniScope } from './sni-scope.js';
import { legWords } from './leg-words.js';

const LABEL_KEYS: Record<string, string> = {
  'tls-throttled': 'verdictTlsThrottled',
  'plaintext-throttled': 'verdictPlaintextThrottled',
  'sni-throttled': 'verdictSniThrottled',
  'no-difference': 'verdictNoDifference',
  inconclusive: 'verdictInconclusive',
  interfered: 'verdictInterfered',
  failed: 'verdictFailed',
};

/** The short label of a verdict, for the history table. */
export function verdictLabel(verdict: string, t: Translate): string {
  return t(LABEL_KEYS[verdict] ?? 'verdictFailed') || verdict;
}

export interface CardActions {
  /** Buttons and links under the card (share, how it works): built by the caller. */
  actions: HTMLElement;
}

function speedFigure(cls: string, label: string, mbps: string, unit: string): HTMLElement {
  return el(
    'div',
    { class: `speed ${cls}` },
    el('span', { class: 'speed-label' }, label),
    el('span', { class: 'speed-value' }, mbps),
    el('span', { class: 'speed-unit' }, unit),
  );
}

function speedFigures(s: Speeds, [httpsLabel, httpLabel]: [string, string], t: Translate, f: LocaleFormat): HTMLElement {
  return el(
    'div',
    { class: 'speeds' },
    speedFigure('https', t(httpsLabel), f.mbps(s.httpsMbps), t('unitMbps')),
    speedFigure('http', t(httpLabel), f.mbps(s.httpMbps), t('unitMbps')),
  );
}

export function renderVerdictCard(card: HTMLElement, entry: HistoryEntry, t: Translate, f: LocaleFormat, extra: CardActions): void {
  const r = entry.result;
  const state = cardState(r);
  card.dataset.verdict = r.verdict;
  card.dataset.state = state;
  card.dataset.runId = entry.id;
  const s = speeds(entry);
  const mlab = isMlabEntry(entry);
  const adv = advice(r, t);
  const details = el(
    'details',
    {},
    el('summary', {}, t('detailsSummary')),
    el(
      'ul',
      {},
      ...r.legs
        .filter((l) => l.transfers.length)
        .map((l) => el('li', {}, t('legMedian', [legWords(l.id, t), f.mbps(l.medianMbps), f.count(l.transfers.length)]))),
      el('li', {}, t('runFigures', [f.count(r.rounds), f.megabytes(r.bytesUsed), f.count(Math.round(r.durationMs / 1000))])),
      ...r.warnings.map((w) => el('li', {}, noteText(w, t))),
    ),
  );
  const text = verdictText(r, t);
  const parts: (Node | undefined)[] = [
    el('h3', { class: 'headline', id: 'latest-headline', tabindex: '-1' }, headline(r, t)),
    s ? speedFigures(s, speedLabels(s, mlab), t, f) : undefined,
    ratioSentence(r, t, f) ? el('p', { class: 'ratio-line' }, ratioSentence(r, t, f)) : undefined,
    ...causeSentences(r, t, f).map((c) => el('p', { class: 'cause-line' }, c)),
    sniScope(entry, t, f),
    adv?.reason ? el('p', { class: 'reason' }, t('reasonLine', [adv.reason])) : undefined,
    adv ? el('p', { class: 'next-step' }, el('strong', {}, t('nextStepLabel')), ' ', adv.next) : undefined,
    state === 'failed' || state === 'cancelled' || state === 'inconclusive' ? undefined : el('p', { class: 'meaning' }, text.meaning),
    el(
      'p',
      { class: 'muted meta' },
      t(entry.trigger === 'scheduled' ? 'ranScheduled' : 'ranManual', [f.dateTime(entry.finishedAt), isolate(entry.endpoint.name)]),
    ),
    extra.actions,
    details,
    mlabScope(entry, t),
  ];
  card.replaceChildren(...parts.filter((p): p is Node => p !== undefined));
}
