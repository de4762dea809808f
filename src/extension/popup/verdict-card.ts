// The verdict card: the newest result, carrying data-verdict (a contract: tests and users'
// scripts find the verdict there) and data-run-id.
import type { Translate } from '../platform/ports.js';
import { el } from '../shared/dom.js';
import { screenMedian } from '../shared/history-export.js';
import type { HistoryEntry } from '../shared/storage-schema.js';
import { noteText } from '../shared/note-text.js';
import { formatMbps, verdictText } from '../shared/verdict-text.js';
import { isMlabEntry, mlabScope } from './mlab-scope.js';

const LABEL_KEYS: Record<string, string> = {
  'tls-throttled': 'verdictTlsThrottled',
  'plaintext-throttled': 'verdictPlaintextThrottled',
  'no-difference': 'verdictNoDifference',
  inconclusive: 'verdictInconclusive',
  interfered: 'verdictInterfered',
  failed: 'verdictFailed',
};

export function verdictLabel(verdict: string, t: Translate): string {
  return t(LABEL_KEYS[verdict] ?? 'verdictFailed') || verdict;
}

export function renderVerdictCard(card: HTMLElement, entry: HistoryEntry | undefined, t: Translate): void {
  if (!entry) return;
  const r = entry.result;
  const text = verdictText(r, t);
  card.dataset.verdict = r.verdict;
  card.dataset.runId = entry.id;
  const https = screenMedian(entry, 'https');
  const http = screenMedian(entry, 'http');
  const details = el(
    'details',
    {},
    el('summary', {}, t('detailsSummary')),
    el(
      'ul',
      {},
      ...r.legs
        .filter((l) => l.transfers.length)
        .map((l) => el('li', {}, t('legMedian', [l.id, formatMbps(l.medianMbps), String(l.transfers.length)]))),
      el('li', {}, t('runFigures', [String(r.rounds), (r.bytesUsed / 1e6).toFixed(1), (r.durationMs / 1000).toFixed(1)])),
      ...r.warnings.map((w) => el('li', {}, noteText(w, t))),
    ),
  );
  const parts: (Node | undefined)[] = [
    el('h3', {}, verdictLabel(r.verdict, t)),
    el('p', { class: 'headline' }, text.headline),
    https !== undefined && http !== undefined
      ? el('p', { class: 'muted' }, t(isMlabEntry(entry) ? 'mlabScreenSpeeds' : 'screenSpeeds', [formatMbps(https), formatMbps(http)]))
      : undefined,
    el('p', {}, text.meaning),
    el('p', { class: 'muted' }, text.caveat),
    el(
      'p',
      { class: 'muted' },
      t(entry.trigger === 'scheduled' ? 'ranScheduled' : 'ranManual', [new Date(entry.finishedAt).toLocaleString(), entry.endpoint.name]),
    ),
    details,
    mlabScope(entry, t),
  ];
  card.replaceChildren(...parts.filter((p): p is Node => p !== undefined));
}
