// The core's coded notes and errors (src/core/notes.ts) in the user's language: each code has a
// message in _locales, and its numbers are formatted for the user's locale here. The CLI's
// English wording is src/cli/note-text.ts.
import { hasInterval, longPathOf, type Note, type NoteCode, type RunError, type RunErrorCode } from '../../core/notes.js';
import type { Translate } from '../platform/ports.js';

const NOTE_KEYS: Record<NoteCode, string> = {
  'budget-spent': 'noteBudgetSpent',
  'budget-too-small': 'noteBudgetTooSmall',
  'too-few-rounds': 'noteTooFewRounds',
  'straddles-margin': 'noteStraddlesMargin',
  // The repeated interval is the one that decided (decision.ts rule 2r); a reader needs its
  // range against the margin, in the same words as the 95% rule's.
  'repeated-straddles': 'noteStraddlesMargin',
  'repeated-too-few': 'noteTooFewRounds',
  'pending-second-look': 'notePendingSecondLook',
  'less-busy-lean': 'noteLessBusyLean',
  'less-busy-against': 'noteLessBusyAgainstPlain',
  turned: 'noteTurned',
  'still-rising': 'noteStillRising',
  'rising-alike': 'noteRisingAlike',
  'fresh-unconfirmed': 'noteFreshFew',
  'short-flow': 'noteShortFlow',
  'stopped-early': 'noteStoppedEarly',
  'window-limited': 'noteWindowLimited',
  'fast-line': 'noteFastLine',
  'pair-unsettled': 'notePairUnsettled',
  'pair-lean': 'notePairLeanSlower',
  'name-faster': 'noteNameFaster',
  'less-busy-finding': 'noteLessBusyFinding',
  'since-turn': 'noteSinceTurn',
  'some-rounds': 'noteSomeRounds',
  'entropy-shaping': 'noteEntropyShaping',
  'upload-only': 'noteUploadOnly',
  'cpu-bound': 'noteCpuBound',
  'no-screening': 'noteNoScreening',
  'file-screening-only': 'noteFileScreeningOnly',
  'single-port': 'noteSinglePort',
  'references-skipped': 'noteReferencesSkipped',
  'reference-unchecked': 'noteUploadsUnchecked',
  'slow-start-bound': 'noteSlowStartBound',
  'burst-scope': 'noteBurstScope',
  'small-file': 'noteSmallFile',
  'diagnosis-dropped': 'noteDiagnosisDropped',
  'mlab-scope': 'noteMlabScope',
  'mlab-no-uploads': 'noteMlabNoUploads',
  'mlab-server-skipped': 'noteMlabServerSkipped',
  'mlab-retried': 'noteMlabRetried',
  'mlab-slow-close': 'noteMlabSlowClose',
  'upload-client-timed': 'noteUploadClientTimed',
  'upload-untimed': 'noteUploadUntimed',
  'server-chosen': 'noteServerChosen',
  'server-passed-over': 'noteServerPassedOver',
  'mirror-checked': 'noteMirrorChecked',
  'mirrors-rested': 'noteMirrorsRested',
  text: 'noteText',
};

const ERROR_KEYS: Record<RunErrorCode, string> = {
  stalled: 'errorStalled',
  timeout: 'errorTimeout',
  'http-status': 'errorHttpStatus',
  redirect: 'errorRedirect',
  'short-body': 'errorShortBody',
  dropped: 'errorDropped',
  'not-plaintext': 'errorNotPlaintext',
  'not-tcp': 'errorNotTcp',
  unreachable: 'errorUnreachable',
  aborted: 'errorAborted',
  'bad-endpoint': 'errorBadEndpoint',
  interfered: 'errorInterfered',
  abandoned: 'errorAbandoned',
  internal: 'errorInternal',
  'mlab-no-capacity': 'errorMlabNoCapacity',
  'mlab-refused': 'errorMlabRefused',
  'mlab-consent': 'errorMlabConsent',
  'range-ignored': 'errorRangeIgnored',
  'not-usable': 'errorNotUsable',
  busy: 'errorBusy',
  text: 'errorText',
};

/** The message keys of every code, for the locales test. */
export const NOTE_MESSAGE_KEYS: readonly string[] = [
  ...Object.values(NOTE_KEYS),
  // noteKey's own sentences.
  'notePairUnsettledFew',
  'noteFreshUnconfirmed',
  'noteFreshSomeRounds',
  'notePairLeanFaster',
  'noteLowEntropyUnchecked',
  'noteLessBusyAgainstTls',
  'noteLongPath',
  ...Object.values(ERROR_KEYS),
];

function numberFormat(digits: number): Intl.NumberFormat {
  return new Intl.NumberFormat(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const ratio = (x: number) => numberFormat(x >= 10 ? 0 : 2).format(x);
const mb = (bytes: number) => numberFormat(1).format(bytes / 1e6);
const mbps = (x: number) => numberFormat(0).format(x);
/** Two significant digits: a 0.35 MB transfer must not read "0.3", nor a 24 MB one "24.0". */
const sizeMb = (bytes: number) => new Intl.NumberFormat(undefined, { maximumSignificantDigits: 2 }).format(bytes / 1e6);
const count = (n: number) => numberFormat(0).format(n);
const seconds = (ms: number) => numberFormat(1).format(ms / 1000);

/** The substitutions of each note, in the order its message names them ($1, $2, ...). */
function substitutions(n: Note, t: Translate): string[] {
  switch (n.code) {
    case 'budget-spent':
      return [count(n.rounds)];
    case 'budget-too-small':
      return [mb(n.roundBytes), count(n.rounds), mb(n.neededBytes), mb(n.budgetBytes)];
    case 'too-few-rounds':
      return [count(n.rounds), count(n.minRounds)];
    case 'straddles-margin':
      return [count(n.rounds), ratio(n.ci95[0]), ratio(n.ci95[1]), ratio(n.marginRatio)];
    case 'pending-second-look':
      return [ratio(n.ci95[0]), ratio(n.ci95[1]), ratio(n.marginRatio)];
    case 'repeated-too-few':
      return [count(n.rounds), count(n.minRounds)];
    case 'repeated-straddles':
      return [count(n.rounds), ratio(n.interval[0]), ratio(n.interval[1]), ratio(n.marginRatio)];
    case 'less-busy-lean':
      return [count(n.rounds), ratio(n.ci95[0]), ratio(n.ci95[1]), count(n.lessBusyRounds), ratio(n.lessBusyRatio), ratio(n.lessBusyCi95[0]), ratio(n.lessBusyCi95[1])];
    case 'less-busy-against': {
      // Ratios are plain over encrypted: below 1 the finding had plain HTTP the slower, and
      // its key (noteKey) says so; each factor is said as one or more.
      if (n.ratio < 1) return [ratio(1 / n.ratio), count(n.rounds), count(n.totalRounds), count(n.lessBusyRounds), ratio(n.lessBusyRatio), ratio(n.lessBusyCi95[0]), ratio(n.lessBusyCi95[1])];
      return [ratio(n.ratio), count(n.rounds), count(n.totalRounds), count(n.lessBusyRounds), ratio(1 / n.lessBusyRatio), ratio(1 / n.lessBusyCi95[1]), ratio(1 / n.lessBusyCi95[0])];
    }
    case 'turned':
      return [ratio(n.ratio), n.leg, mb(n.carriedBytes)];
    case 'still-rising':
    case 'rising-alike':
      return [mbps(n.firstMbps), mbps(n.lastMbps), count(n.rounds)];
    case 'fresh-unconfirmed':
      if (noteKey(n) === 'noteFreshSomeRounds' && n.slowedRounds) {
        const s = n.slowedRounds;
        return [ratio(s.farRatio), count(n.rounds), count(s.up), count(s.down), count(n.minRounds)];
      }
      return n.ratio === undefined ? [count(n.rounds), count(n.minRounds)] : [count(n.rounds), ratio(n.ratio), ratio(n.marginRatio)];
    case 'short-flow':
      return [mb(n.carriedBytes), mb(n.minFlowBytes)];
    case 'stopped-early':
      return [count(n.rounds), n.detail];
    case 'window-limited':
      return [count(n.rounds)];
    case 'fast-line': {
      // What full-length downloads would need; a note stored before it was kept has only the
      // least the planned rounds need, which its words then stood for.
      const full = mb(typeof n.fullBytes === 'number' ? n.fullBytes : n.neededBytes);
      const path = longPathOf(n);
      if (path) return [count(path.rttMs), count(n.targetMs), mbps(n.lineMbps), mb(n.budgetBytes), full, mb(n.capBytes)];
      return [mbps(n.lineMbps), count(n.targetMs), mb(n.budgetBytes), mb(n.capBytes), full];
    }
    case 'pair-unsettled':
      return [t(n.pair === 'upload' ? 'notePairUploads' : 'notePairLowEntropy'), ratio(n.ratio), count(n.rounds), ...(hasInterval(n.ci95) ? [ratio(n.ci95[0]), ratio(n.ci95[1])] : [])];
    case 'pair-lean': {
      // The ratio is plain over encrypted: above 1 the encrypted leg was the slower. Either
      // way the note says how far apart, as a factor of one or more.
      const pair = t(n.pair === 'upload' ? 'notePairUploads' : 'notePairLowEntropy');
      if (n.ratio > 1) return [pair, ratio(n.ratio), count(n.rounds), ratio(n.ci95[0]), ratio(n.ci95[1])];
      return [pair, ratio(1 / n.ratio), count(n.rounds), ratio(1 / n.ci95[1]), ratio(1 / n.ci95[0])];
    }
    case 'name-faster':
      return [ratio(1 / n.ratio), count(n.rounds), ratio(1 / n.ci95[1]), ratio(1 / n.ci95[0])];
    case 'less-busy-finding':
      return [count(n.rounds), count(n.totalRounds)];
    case 'since-turn':
      return [count(n.rounds), count(n.roundsBefore)];
    case 'some-rounds':
      return [count(n.rounds), count(n.totalRounds)];
    case 'upload-only':
      return [t(n.downloads === 'same' ? 'noteDownloadsSame' : 'noteDownloadsUnclear')];
    case 'cpu-bound':
      return [n.tlsLeg, mbps(n.tlsMbps), n.plainLeg, mbps(n.plainMbps), t(n.whose === 'endpoint' ? 'noteWhoseEndpoint' : 'noteWhoseClient'), mbps(n.capacityMbps)];
    case 'single-port':
      return [String(n.port)];
    case 'references-skipped':
      return [mb(n.transferBytes), mb(n.wantedBytes), mb(n.budgetBytes)];
    case 'reference-unchecked':
      return [count(n.rounds), count(n.minRounds)];
    case 'slow-start-bound':
      return [count(n.rttMs), mbps(n.detectableMbps)];
    case 'burst-scope':
      return [sizeMb(n.transferBytes)];
    case 'small-file':
      return [count(n.bytes)];
    case 'diagnosis-dropped':
      return [n.leg, n.detail];
    case 'mlab-no-uploads':
      return [n.machine];
    case 'mlab-server-skipped':
      return [n.detail];
    case 'mlab-retried':
      return [n.machine, n.detail];
    case 'mlab-slow-close':
      return [seconds(n.closeWaitMs), mb(n.unseenBytes)];
    case 'server-chosen':
      return [n.id, t(n.kind === 'mirror' ? 'noteKindMirror' : 'noteKindEndpoint'), n.url, count(n.connectMs), n.checks.length ? n.checks.join('; ') : '-'];
    case 'server-passed-over':
      return [n.detail];
    case 'mirror-checked':
      return [n.checks.join('; ')];
    case 'mirrors-rested':
      return [n.ids.join(', ')];
    case 'text':
      return [n.text];
    case 'entropy-shaping':
    case 'no-screening':
    case 'file-screening-only':
    case 'mlab-scope':
    case 'upload-client-timed':
    case 'upload-untimed':
      return [];
  }
}

/** The message of a note: one per code, except where a case needs its own sentence. */
function noteKey(n: Note): string {
  if (n.code === 'pair-unsettled' && !hasInterval(n.ci95)) return 'notePairUnsettledFew';
  if (n.code === 'pair-lean' && n.ratio < 1) return 'notePairLeanFaster';
  if (n.code === 'less-busy-against' && n.ratio > 1) return 'noteLessBusyAgainstTls';
  if (n.code === 'fresh-unconfirmed' && n.slowedRounds && n.rounds > 0) return 'noteFreshSomeRounds';
  if (n.code === 'fresh-unconfirmed' && n.ratio !== undefined) return 'noteFreshUnconfirmed';
  if (n.code === 'reference-unchecked' && n.pair === 'tls-vs-low-entropy') return 'noteLowEntropyUnchecked';
  if (n.code === 'fast-line' && longPathOf(n)) return 'noteLongPath';
  return NOTE_KEYS[n.code];
}

export function noteText(n: Note, t: Translate): string {
  return t(noteKey(n), substitutions(n, t));
}

/** What kind of failure, in words; the detail with its numbers is shown beside it. */
export function errorSentence(e: RunError, t: Translate): string {
  return t(ERROR_KEYS[e.code] ?? 'errorText', [e.detail]);
}
