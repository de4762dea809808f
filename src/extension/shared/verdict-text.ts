// A result in plain words: one sentence, what it means, and what one test cannot prove. The
// words come from _locales through `t`, so the popup speaks the user's language.
import { noticeableLean } from '../../core/margin.js';
import type { Result } from '../../core/types.js';
import type { Translate } from '../platform/ports.js';
import { errorSentence } from './note-text.js';

/** 4.8x, 1.25x, 12x: as many decimals as a reader can use. */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  const digits = ratio >= 10 ? 0 : ratio >= 2 ? 1 : 2;
  return `${ratio.toFixed(digits)}x`;
}

/** A ratio without its "x", for the lower end of a range ("4.1-5.6x"). */
function bare(ratio: number): string {
  return formatRatio(ratio).replace(/x$/, '');
}

export function formatMbps(mbps: number): string {
  if (!Number.isFinite(mbps)) return '–';
  return mbps >= 100 ? mbps.toFixed(0) : mbps.toFixed(1);
}

export interface VerdictText {
  headline: string;
  meaning: string;
  caveat: string;
}

const CAUSE_KEYS: Record<string, string> = {
  protocol: 'causeProtocol',
  port: 'causePort',
  entropy: 'causeEntropy',
  unknown: 'causeUnknown',
};

export function verdictText(r: Result, t: Translate): VerdictText {
  const lo = r.ci95[0];
  const hi = r.ci95[1];
  let headline: string;
  switch (r.verdict) {
    case 'tls-throttled':
      headline = t('headlineTlsThrottled', [formatRatio(r.ratio), bare(lo), formatRatio(hi)]);
      break;
    case 'plaintext-throttled':
      // ratio is plain over TLS goodput; below 1 the plain leg is the slow one.
      headline = t('headlinePlaintextThrottled', [formatRatio(1 / r.ratio), bare(1 / hi), formatRatio(1 / lo)]);
      break;
    case 'sni-throttled':
      // ratio is the control name's goodput over the named one's (src/core/sni/sni-decision.ts).
      headline = t('headlineSniThrottled', [r.sni?.name ?? '?', formatRatio(r.ratio), bare(lo), formatRatio(hi)]);
      break;
    case 'no-difference':
      headline = t('headlineNoDifference', [formatRatio(r.ratio), bare(lo), formatRatio(hi)]);
      break;
    case 'inconclusive':
      headline = t('headlineInconclusive', [formatRatio(r.ratio)]);
      break;
    case 'interfered':
      headline = t('headlineInterfered');
      break;
    case 'failed':
      headline = t('headlineFailed', [r.error ? errorSentence(r.error, t) : t('unknownError')]);
      break;
  }
  const causeKey = r.cause && CAUSE_KEYS[r.cause];
  if (causeKey) headline = `${headline}; ${t(causeKey)}`;
  return {
    headline,
    meaning: meaning(r, t),
    caveat: t(r.verdict === 'failed' ? 'caveatFailed' : 'caveatOneTest'),
  };
}

/**
 * What the verdict means. A "no difference" whose downloads were still speeding up when they
 * ended (src/core/slow-start.ts) covers only the limits it could have seen, and says so here,
 * not only among the details: "no sign of throttling" would claim more than it measured. So
 * does one whose references did not all run, and one against a public file, which has none.
 * One whose estimate leaned a tenth or more one way (core/margin.ts) says which way, and that
 * it stayed within the margin.
 */
function meaning(r: Result, t: Translate): string {
  if (r.verdict !== 'no-difference') return t(MEANING_KEYS[r.verdict]);
  const bound = r.warnings?.find((w) => w.code === 'slow-start-bound');
  if (bound?.code === 'slow-start-bound' && Number.isFinite(bound.detectableMbps)) {
    return t('meaningNoDifferenceUpTo', [new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 }).format(bound.detectableMbps)]);
  }
  // "The same speed" beside two speed figures a tenth or more apart would read as a mistake;
  // "no sign of TLS throttling" beside a reference the encrypted leg ran a tenth slower than
  // (note pair-lean: a classifier of random-looking traffic slows both figures shown) too.
  const referenceSlower = r.warnings?.some((w) => w.code === 'pair-lean' && w.ratio > 1);
  const lean = noticeableLean(r.ratio) ?? (referenceSlower ? 'tls-slower' : undefined);
  if (lean === 'tls-slower') return t('meaningNoDifferenceSlower');
  // A reference that did not run (the low-entropy text, the uploads: core/decision-notes.ts,
  // engine.ts admitDeferredReferences) leaves kinds of TLS throttling unseen: a classifier of
  // random-looking flows holds both screening legs alike, and the WAN lab's, at a third of a
  // 36 Mbit/s path 79 ms away, read "the same" at 1.01x with the low-entropy text never run
  // (bench/RESULTS.md, 2026-12-06 22:05). "No sign of TLS throttling" would claim that check.
  if (r.warnings?.some((w) => w.code === 'reference-unchecked' || w.code === 'references-skipped')) return t('meaningNoDifferenceUnchecked');
  // A public file (core/mirror) has no low-entropy body and no upload: its "no difference"
  // covers downloads of that file, which a classifier of random-looking flows slows on both
  // schemes when the file itself looks random (docs/method.md, "What the method cannot see").
  if (r.warnings?.some((w) => w.code === 'mirror-checked')) return t('meaningNoDifferenceMirror');
  if (lean) return t('meaningNoDifferenceFaster');
  return t(MEANING_KEYS[r.verdict]);
}

const MEANING_KEYS: Record<Result['verdict'], string> = {
  'tls-throttled': 'meaningTlsThrottled',
  'plaintext-throttled': 'meaningPlaintextThrottled',
  'sni-throttled': 'meaningSniThrottled',
  'no-difference': 'meaningNoDifference',
  inconclusive: 'meaningInconclusive',
  interfered: 'meaningInterfered',
  failed: 'meaningFailed',
};
