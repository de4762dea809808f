// A result in the words a non-expert reads at a glance: a headline, the two speeds, the ratio
// and its 95% interval as "very likely between ... and ...", the cause and the shaper's rate,
// and for a result that settles nothing, the reason in numbers and a next step. The popup's
// card, the copied text and the saved image all word a result through here, so they agree.
// What each verdict and rule means is docs/method.md.
import { hasInterval, type Note, type RunErrorCode } from '../../core/notes.js';
import type { Result } from '../../core/types.js';
import type { Translate } from '../platform/ports.js';
import type { LocaleFormat } from './locale-format.js';
import { errorSentence, noteText } from './note-text.js';
import { answerMedians } from './history-export.js';
import type { HistoryEntry } from './storage-schema.js';

/** The card's state: the verdict, except that a run the user stopped is "cancelled", not failed. */
export type CardState = Result['verdict'] | 'cancelled';

export function cardState(r: Result): CardState {
  return r.verdict === 'failed' && r.error?.code === 'aborted' ? 'cancelled' : r.verdict;
}

export const HEADLINE_KEYS: Record<CardState, string> = {
  'tls-throttled': 'cardTlsThrottled',
  'plaintext-throttled': 'cardPlaintextThrottled',
  'sni-throttled': 'cardSniThrottled',
  'no-difference': 'cardNoDifference',
  inconclusive: 'cardInconclusive',
  interfered: 'cardInterfered',
  failed: 'cardFailed',
  cancelled: 'cardCancelled',
};

export function headline(r: Result, t: Translate): string {
  return t(HEADLINE_KEYS[cardState(r)]);
}

export interface Speeds {
  httpsMbps: number;
  httpMbps: number;
  /** The figures are the uploads': the finding is in uploads only (core/decision.ts, note upload-only). */
  uploads: boolean;
}

/**
 * The medians the answer rests on (history-export.ts answerMedians), or undefined when the
 * run measured neither, or when the plain traffic was altered (interfered): its "speed" is
 * that of whatever answered instead.
 */
export function speeds(entry: HistoryEntry): Speeds | undefined {
  if (entry.result.verdict === 'interfered') return undefined;
  const { httpsMbps, httpMbps, uploads } = answerMedians(entry);
  if (httpsMbps === undefined || httpMbps === undefined || !Number.isFinite(httpsMbps) || !Number.isFinite(httpMbps)) return undefined;
  return { httpsMbps, httpMbps, uploads };
}

/** The labels of the two figures: the schemes, and uploads where the figures are theirs. */
export function speedLabels(s: Speeds, mlab: boolean): [string, string] {
  if (s.uploads) return ['speedLabelHttpsUpload', 'speedLabelHttpUpload'];
  return mlab ? ['speedLabelWss', 'speedLabelWs'] : ['speedLabelHttps', 'speedLabelHttp'];
}


/** The ratio and its interval in words; undefined when the run has no ratio to speak of. */
export function ratioSentence(r: Result, t: Translate, f: LocaleFormat): string | undefined {
  if (!Number.isFinite(r.ratio) || r.verdict === 'failed' || r.verdict === 'interfered') return undefined;
  const [lo, hi] = r.ci95;
  const range = hasInterval(r.ci95);
  switch (r.verdict) {
    case 'tls-throttled':
      return range
        ? t('ratioTlsSlower', [f.ratioBare(r.ratio), f.ratioBare(lo), f.ratioBare(hi)])
        : t('ratioTlsSlowerNoRange', [f.ratioBare(r.ratio)]);
    case 'plaintext-throttled':
      // ratio is plain over TLS goodput: below 1 the plain leg is the slow one.
      return range
        ? t('ratioPlainSlower', [f.ratioBare(1 / r.ratio), f.ratioBare(1 / hi), f.ratioBare(1 / lo)])
        : t('ratioPlainSlowerNoRange', [f.ratioBare(1 / r.ratio)]);
    case 'sni-throttled':
      // ratio is the control name's goodput over the named one's: above 1 the name is slowed.
      return range
        ? t('ratioSniSlower', [r.sni?.name ?? '?', f.ratioBare(r.ratio), f.ratioBare(lo), f.ratioBare(hi)])
        : t('ratioSniSlower', [r.sni?.name ?? '?', f.ratioBare(r.ratio), f.ratioBare(r.ratio), f.ratioBare(r.ratio)]);
    case 'no-difference':
      return range ? t('ratioSame', [f.ratio(r.ratio), f.ratio(lo), f.ratio(hi)]) : t('ratioSameNoRange', [f.ratio(r.ratio)]);
    case 'inconclusive': {
      // Downloads settled as the same, and a reference (uploads, the low-entropy body) leaned
      // past the margin unsettled (decision.ts rule 8): the downloads' range is not what is open.
      if (range && r.warnings.some((w) => w.code === 'pair-unsettled')) {
        return t('ratioDownloadsSameOtherOpen', [f.ratio(r.ratio), f.ratio(lo), f.ratio(hi)]);
      }
      // The range that left the answer open: under the default stopping rule the repeated
      // interval (it holds whenever the run stops, decision.ts rule 2r), which the reason
      // below the card quotes too, not the narrower 95% one.
      const open = r.warnings.find((w) => w.code === 'repeated-straddles');
      const [from, to] = open?.code === 'repeated-straddles' ? open.interval : [lo, hi];
      return range ? t('ratioUnclear', [f.ratio(r.ratio), f.ratio(from), f.ratio(to)]) : t('ratioUnclearNoRange', [f.ratio(r.ratio)]);
    }
  }
}

const CAUSE_KEYS: Record<string, string> = {
  protocol: 'causeProtocol',
  port: 'causePort',
  entropy: 'causeEntropy',
  unknown: 'causeUnknown',
};

/** "What triggers it: ..." and "A shaper holds it to about N Mbit/s", when the run found them. */
export function causeSentences(r: Result, t: Translate, f: LocaleFormat): string[] {
  const out: string[] = [];
  const causeKey = r.cause && CAUSE_KEYS[r.cause];
  if (causeKey && (r.verdict === 'tls-throttled' || r.verdict === 'plaintext-throttled')) out.push(t('causeLine', [t(causeKey)]));
  if (r.shaping && Number.isFinite(r.shaping.rateMbps) && r.verdict !== 'failed') {
    out.push(t('shaperLine', [f.mbps(r.shaping.rateMbps)]));
  }
  return out;
}

/**
 * Notes that say why a run could not settle, most telling first (docs/method.md, "Stopping"),
 * each with the step most likely to settle the next run.
 */
const NOTE_NEXT_KEYS: Partial<Record<Note['code'], string>> = {
  // Nothing was measured: the data limit did not buy one round. The fast-line limit is what
  // a manual test may grow into once the line is measured (background/run-controller.ts).
  'budget-too-small': 'nextRaiseFastLineLimit',
  // Downloads settled; a check beside them leaned past the margin when the limit came: that
  // check, not the limit it met, is what is open.
  'pair-unsettled': 'nextRaiseBudget',
  // A long path's difference waits for new connections (decision.ts rule 1f): why the
  // interval past the margin is still no finding, so said before the limit it met.
  'fresh-unconfirmed': 'nextRaiseBudget',
  // Legs alike while one still climbed (decision.ts rule 1s): why "alike" is no answer yet, so
  // said before the limit it met; the climb ends with more rounds, so more of the budget.
  'rising-alike': 'nextRaiseBudget',
  // A long or lossy path left rounds out: the cause of too few rounds, so said first. It needs
  // longer transfers, so more of the time budget.
  'window-limited': 'nextRaiseBudget',
  // A difference one way in some rounds and the other way in the least busy (repeated-rule.ts
  // againstLessBusy): the line's other traffic, which more rounds at the same time keep, not
  // the limit it met.
  'less-busy-against': 'nextQuieterTime',
  'budget-spent': 'nextRaiseBudget',
  'too-few-rounds': 'nextRaiseBudget',
  'straddles-margin': 'nextQuieterTime',
  'repeated-straddles': 'nextQuieterTime',
  'repeated-too-few': 'nextRaiseBudget',
  'pending-second-look': 'nextRunAgain',
  'less-busy-lean': 'nextQuieterTime',
  turned: 'nextRaiseBudget',
  'still-rising': 'nextRunAgain',
  'short-flow': 'nextRaiseBudget',
  'cpu-bound': 'nextOtherDevice',
  'stopped-early': 'nextRunAgain',
  'no-screening': 'nextOtherEndpoint',
};
/** The same reasons in their order (an object keeps the order its string keys were written in). */
const REASON_CODES = Object.keys(NOTE_NEXT_KEYS) as Note['code'][];

const ERROR_NEXT_KEYS: Record<RunErrorCode, string> = {
  unreachable: 'nextCheckConnection',
  'range-ignored': 'nextOtherEndpoint',
  'not-usable': 'nextOtherEndpoint',
  busy: 'nextRunAgain',
  'bad-endpoint': 'nextOtherEndpoint',
  'http-status': 'nextOtherEndpoint',
  redirect: 'nextRedirect',
  stalled: 'nextBrokenTransfer',
  dropped: 'nextBrokenTransfer',
  'short-body': 'nextBrokenTransfer',
  timeout: 'nextRaiseBudget',
  'not-plaintext': 'nextHttpsOnly',
  'not-tcp': 'nextNotTcp',
  aborted: 'nextCancelled',
  interfered: 'nextInterfered',
  abandoned: 'nextKeepOpen',
  internal: 'nextInternal',
  'mlab-no-capacity': 'nextMlabBusy',
  'mlab-refused': 'nextMlabBusy',
  'mlab-consent': 'nextMlabConsent',
  text: 'nextRunAgain',
};

export interface Advice {
  /** The real reason, with its numbers. */
  reason?: string;
  next: string;
}

/**
 * An M-Lab run keeps to "Most data one test may use" whatever the line (background/
 * run-controller.ts gives it no fast-line limit), so that is the limit its too-small budget names.
 */
const MLAB_BUDGET_TOO_SMALL_NEXT = 'nextRaiseRunLimit';

function nextStepFor(note: Note, r: Result): string {
  if (note.code === 'budget-too-small' && r.endpoint.startsWith('mlab:')) return MLAB_BUDGET_TOO_SMALL_NEXT;
  return NOTE_NEXT_KEYS[note.code] ?? 'nextQuieterTime';
}

/** The reason and the next step for a result that settles nothing; undefined for a finding. */
export function advice(r: Result, t: Translate): Advice | undefined {
  switch (r.verdict) {
    case 'inconclusive': {
      // The interval itself is in the ratio sentence; the reason says why it stayed wide.
      const note = REASON_CODES.map((code) => r.warnings.find((w) => w.code === code)).find((n) => n !== undefined);
      return {
        reason: note ? noteText(note, t) : undefined,
        next: t(note ? nextStepFor(note, r) : 'nextQuieterTime'),
      };
    }
    case 'interfered':
      return { reason: r.error ? errorSentence(r.error, t) : undefined, next: t('nextInterfered') };
    case 'failed':
      return {
        reason: r.error ? errorSentence(r.error, t) : t('unknownError'),
        next: t(r.error ? (ERROR_NEXT_KEYS[r.error.code] ?? 'nextRunAgain') : 'nextRunAgain'),
      };
    default:
      return undefined;
  }
}

/** The message keys used only through tables here, for the locales test. */
export const RESULT_WORD_KEYS: readonly string[] = [
  ...Object.values(HEADLINE_KEYS),
  ...Object.values(NOTE_NEXT_KEYS),
  MLAB_BUDGET_TOO_SMALL_NEXT,
  ...Object.values(ERROR_NEXT_KEYS),
  ...Object.values(CAUSE_KEYS),
];
