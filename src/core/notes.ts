// What a run has to say beyond its numbers, as coded records: each note names its case and
// carries the figures behind it, and prose is written only at the edge (the CLI's
// src/cli/note-text.ts, the extension's _locales through src/extension/shared/note-text.ts).
// So a French popup never shows an English sentence the core wrote, and a script reading
// `tls-throttle run --json` can act on `code` without parsing text.
//
// Ratios are plaintext over TLS goodput (types.ts); intervals are [low, high] ratios.
import type { MeasureErrorKind } from './errors.js';

export type Note =
  // Why a run stopped or could not settle (docs/method.md, "Stopping").
  | { code: 'budget-spent'; rounds: number }
  /**
   * Not one round fitted the budget, at the shortest transfers the line can be read with: a
   * round's bytes, and what the rounds a run plans for (fast-line.ts PLANNED_ROUNDS) need
   * with what was spent before them.
   */
  | { code: 'budget-too-small'; roundBytes: number; rounds: number; neededBytes: number; budgetBytes: number }
  | { code: 'too-few-rounds'; rounds: number; minRounds: number }
  | { code: 'straddles-margin'; rounds: number; ci95: [number, number]; marginRatio: number }
  /** The repeated-interval rule (decision.ts rule 2r): its interval, which holds at every look, still reaches the margin. */
  /** The same, with too few rounds for any interval at its level yet. */
  | { code: 'repeated-too-few'; rounds: number; levelPercent: number; minRounds: number; ci95: [number, number] }
  | { code: 'repeated-straddles'; rounds: number; levelPercent: number; interval: [number, number]; ci95: [number, number]; marginRatio: number }
  | { code: 'pending-second-look'; ci95: [number, number]; marginRatio: number }
  | {
      code: 'less-busy-lean';
      rounds: number;
      ci95: [number, number];
      marginRatio: number;
      lessBusyRounds: number;
      lessBusyRatio: number;
      lessBusyCi95: [number, number];
    }
  /**
   * A finding withheld because the less busy rounds lay past the margin the other way
   * (repeated-rule.ts againstLessBusy): the rounds that made it and their ratio, and the less
   * busy rounds' ratio and 95% interval.
   */
  | {
      code: 'less-busy-against';
      rounds: number;
      ratio: number;
      totalRounds: number;
      marginRatio: number;
      lessBusyRounds: number;
      lessBusyRatio: number;
      lessBusyCi95: [number, number];
    }
  | { code: 'turned'; ratio: number; leg: string; carriedBytes: number }
  /** A difference withheld while its slow leg's rate was still climbing (decision.ts rule 1s). */
  | { code: 'still-rising'; leg: string; firstMbps: number; lastMbps: number; rounds: number }
  /** Legs that read alike while one still climbed (decision.ts rule 1s): a cap above where it stood could not show yet. */
  | { code: 'rising-alike'; leg: string; firstMbps: number; lastMbps: number; rounds: number }
  /**
   * A difference on a long path not yet shown on new connections (decision.ts rule 1f): the
   * rounds on them, and their ratio once enough. For a finding from some rounds slowed (rule
   * 4m), what its confirmation counts: the new rounds slowed past farRatio (up) and as far
   * the other way (down).
   */
  | {
      code: 'fresh-unconfirmed';
      rounds: number;
      minRounds: number;
      ratio?: number;
      marginRatio: number;
      slowedRounds?: { up: number; down: number; farRatio: number };
    }
  | { code: 'short-flow'; carriedBytes: number; minFlowBytes: number }
  | { code: 'stopped-early'; rounds: number; detail: string }
  | { code: 'window-limited'; rounds: number }
  // How a line the budget could not follow at full length was measured (fast-line.ts): the
  // transfers' length, and the budget it allowed. `neededBytes` is what the planned rounds need
  // at the shortest transfers a reading allows, `fullBytes` what they need at full length.
  // `rttMs` and `pathTargetMs` are present when the path's round trips, not the line's speed,
  // set that length (sizer.ts targetForRtt: ten round trips on a long path), so that the words
  // do not call a slow line 50 ms away fast. Notes stored before may lack both and fullBytes.
  | {
      code: 'fast-line';
      lineMbps: number;
      targetMs: number;
      budgetBytes: number;
      capBytes: number;
      neededBytes: number;
      fullBytes?: number;
      rttMs?: number;
      pathTargetMs?: number;
    }
  | { code: 'pair-unsettled'; pair: 'tls-vs-low-entropy' | 'upload'; rounds: number; ratio: number; ci95: [number, number] }
  /**
   * A reference pair beside a "no difference" whose estimate leaned a tenth or more one way
   * inside the margin (margin.ts noticeableLean): which way, and how far.
   */
  | { code: 'pair-lean'; pair: 'tls-vs-low-entropy' | 'upload'; rounds: number; ratio: number; ci95: [number, number] }
  /** A run by server name (core/sni/): the name ran faster than the control, so no finding about it. */
  | { code: 'name-faster'; rounds: number; ratio: number; ci95: [number, number] }
  // How a finding was read.
  | { code: 'less-busy-finding'; rounds: number; totalRounds: number }
  | { code: 'since-turn'; rounds: number; roundsBefore: number }
  /** A finding from some rounds slowed far past the margin (decision.ts rule 4m): the rounds past the margin, of all. */
  | { code: 'some-rounds'; rounds: number; totalRounds: number }
  | { code: 'entropy-shaping' }
  | { code: 'upload-only'; downloads: 'same' | 'unclear' }
  // Why a finding was withheld.
  | {
      code: 'cpu-bound';
      tlsLeg: string;
      tlsMbps: number;
      plainLeg: string;
      plainMbps: number;
      whose: 'endpoint' | 'client';
      capacityMbps: number;
    }
  // What a run could not measure.
  | { code: 'no-screening' }
  | { code: 'file-screening-only' }
  | { code: 'single-port'; port: number }
  | { code: 'references-skipped'; transferBytes: number; wantedBytes: number; budgetBytes: number }
  /** A reference the run held, measured in fewer rounds than an interval needs before the budget or time ended. */
  | { code: 'reference-unchecked'; pair: 'tls-vs-low-entropy' | 'upload'; rounds: number; minRounds: number }
  /**
   * Equal downloads whose transfers were slow start throughout on a long path (slow-start.ts):
   * the fastest cap that would have slowed them by the margin (a faster one goes unseen) and
   * the rate their later halves reached, in `rounds` of `totalRounds`.
   */
  | { code: 'slow-start-bound'; detectableMbps: number; reachedMbps: number; rttMs: number; rounds: number; totalRounds: number }
  /**
   * Equal downloads speak of downloads the size of the TLS leg's (the median, over `rounds`):
   * a limit that lets about that much of each download through at full speed and refills while
   * the leg waits (a token bucket deeper than a transfer) passes every one of them.
   */
  | { code: 'burst-scope'; transferBytes: number; rounds: number }
  | { code: 'small-file'; bytes: number }
  | { code: 'diagnosis-dropped'; leg: string; detail: string }
  | { code: 'mlab-scope' }
  | { code: 'mlab-no-uploads'; machine: string }
  | { code: 'mlab-server-skipped'; detail: string }
  | { code: 'mlab-retried'; machine: string; detail: string }
  /**
   * A test's Close took closeWaitMs to take effect while the server went on sending; the
   * browser showed none of it, and about unseenBytes are counted as an estimate
   * (ndt7/subtest.ts unseenAfterClose).
   */
  | { code: 'mlab-slow-close'; closeWaitMs: number; unseenBytes: number }
  | { code: 'upload-client-timed' }
  | { code: 'upload-untimed' }
  // Which server a run chose among several (choose-server.ts), and why others were not used.
  | { code: 'server-chosen'; id: string; kind: 'endpoint' | 'mirror'; url: string; connectMs: number; checks: string[] }
  | { code: 'server-passed-over'; detail: string }
  /** The checks a public mirror passed before it was used (mirror/check.ts). */
  | { code: 'mirror-checked'; checks: string[] }
  | { code: 'mirrors-rested'; ids: string[] }
  /** A note stored by an older version as a sentence (history written before notes had codes). */
  | { code: 'text'; text: string };

export type NoteCode = Note['code'];

/**
 * The path of a fast-line note whose round trips, not the line's speed, set the transfers'
 * length; undefined on a short path, and for notes stored before the note said so (read from
 * storage, so the fields are checked, not trusted).
 */
export function longPathOf(n: Extract<Note, { code: 'fast-line' }>): { rttMs: number; pathTargetMs: number } | undefined {
  const { rttMs, pathTargetMs } = n;
  return typeof rttMs === 'number' && Number.isFinite(rttMs) && typeof pathTargetMs === 'number' && Number.isFinite(pathTargetMs) ? { rttMs, pathTargetMs } : undefined;
}

/**
 * True when an interval has both bounds: a pair of fewer than MIN_ROUNDS rounds has none (NaN
 * in a run, null once a Result went through JSON), and words must not show them as numbers.
 */
export function hasInterval(ci: readonly [number, number]): boolean {
  return Number.isFinite(ci[0]) && Number.isFinite(ci[1]);
}

/** Every code, for renderers that must cover them all (the locales test checks each one). */
export const NOTE_CODES: readonly NoteCode[] = [
  'budget-spent',
  'budget-too-small',
  'too-few-rounds',
  'straddles-margin',
  'repeated-straddles',
  'repeated-too-few',
  'pending-second-look',
  'less-busy-lean',
  'less-busy-against',
  'turned',
  'still-rising',
  'rising-alike',
  'fresh-unconfirmed',
  'short-flow',
  'stopped-early',
  'window-limited',
  'fast-line',
  'pair-unsettled',
  'pair-lean',
  'name-faster',
  'less-busy-finding',
  'since-turn',
  'some-rounds',
  'entropy-shaping',
  'upload-only',
  'cpu-bound',
  'no-screening',
  'file-screening-only',
  'single-port',
  'references-skipped',
  'reference-unchecked',
  'slow-start-bound',
  'burst-scope',
  'small-file',
  'diagnosis-dropped',
  'mlab-scope',
  'mlab-no-uploads',
  'mlab-server-skipped',
  'mlab-retried',
  'mlab-slow-close',
  'upload-client-timed',
  'upload-untimed',
  'server-chosen',
  'server-passed-over',
  'mirror-checked',
  'mirrors-rested',
  'text',
];

/**
 * Why a run failed or was interfered with: a code for the edge to put in words, and the
 * detail with its numbers ("download of 4000000 bytes stalled after 30000 ms at 812 kB").
 */
export interface RunError {
  code: RunErrorCode;
  detail: string;
}

export type RunErrorCode =
  | MeasureErrorKind
  /** The plaintext path changed what it carried (redirect, error page, altered bytes, a proxy). */
  | 'interfered'
  /** An error of our own: a bug, reported with its message rather than hidden. */
  | 'internal'
  /** The browser ended the background worker mid-run. */
  | 'abandoned'
  | 'mlab-no-capacity'
  | 'mlab-refused'
  | 'mlab-consent'
  /** An error stored by an older version as a sentence. */
  | 'text';

/** Adds a note once: the same note twice says nothing more. */
export function addNote(notes: Note[], note: Note): void {
  const key = JSON.stringify(note);
  if (!notes.some((n) => JSON.stringify(n) === key)) notes.push(note);
}
