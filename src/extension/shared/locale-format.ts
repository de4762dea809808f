// Numbers, dates and units in the reader's locale: "1,35x" and "54,9 Mo" in French, Persian
// digits in Persian. The locale is the one the messages are served in (_locales' htmlLang), so
// a page never mixes French words with English numbers. Formatters are built once: building
// an Intl formatter per call took most of the drawing time of a long history (bench/popup.ts).
import type { Translate } from '../platform/ports.js';

export interface LocaleFormat {
  locale: string;
  /** 4.8x, 1.25x, 12x: as many decimals as a reader can use. */
  ratio(x: number): string;
  /** A ratio without its "x", for the low end of a range. */
  ratioBare(x: number): string;
  /** Mbit/s figures: one decimal below 100, none above. */
  mbps(x: number): string;
  /** Megabytes with the locale's unit ("54.9 MB", "54,9 Mo"). */
  megabytes(bytes: number): string;
  count(n: number): string;
  /** Seconds as m:ss for a running clock. */
  clock(ms: number): string;
  dateTime(ms: number): string;
  /** Short date and time, for table rows. */
  shortDateTime(ms: number): string;
  shortDate(ms: number): string;
  time(ms: number): string;
}

const DASH = '–';

export function localeFormat(locale: string | undefined): LocaleFormat {
  const loc = locale || 'en';
  const fixed = (digits: number) => new Intl.NumberFormat(loc, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const f0 = fixed(0);
  const f1 = fixed(1);
  const f2 = fixed(2);
  const mb = new Intl.NumberFormat(loc, { style: 'unit', unit: 'megabyte', maximumFractionDigits: 1, minimumFractionDigits: 1 });
  const whenFull = new Intl.DateTimeFormat(loc, { dateStyle: 'medium', timeStyle: 'short' });
  const whenShort = new Intl.DateTimeFormat(loc, { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  const whenDay = new Intl.DateTimeFormat(loc, { month: 'short', day: 'numeric' });
  const whenTime = new Intl.DateTimeFormat(loc, { hour: '2-digit', minute: '2-digit' });
  const ratioBare = (x: number) => (Number.isFinite(x) ? (x >= 10 ? f0 : x >= 2 ? f1 : f2).format(x) : DASH);
  return {
    locale: loc,
    ratioBare,
    ratio: (x) => (Number.isFinite(x) ? `${ratioBare(x)}x` : DASH),
    mbps: (x) => (Number.isFinite(x) ? (x >= 100 ? f0 : f1).format(x) : DASH),
    megabytes: (bytes) => mb.format(bytes / 1e6),
    count: (n) => f0.format(n),
    clock: (ms) => {
      const s = Math.max(0, Math.floor(ms / 1000));
      return `${f0.format(Math.floor(s / 60))}:${f0.format(s % 60).padStart(2, f0.format(0))}`;
    },
    dateTime: (ms) => whenFull.format(ms),
    shortDateTime: (ms) => whenShort.format(ms),
    shortDate: (ms) => whenDay.format(ms),
    time: (ms) => whenTime.format(ms),
  };
}

/** The formats for the language the extension's messages are served in. */
export function pageFormat(t: Translate): LocaleFormat {
  return localeFormat(t('htmlLang') || undefined);
}
