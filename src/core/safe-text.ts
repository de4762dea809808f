// Text that came from the network (an upload receipt, a Via header, a collector's error, an
// M-Lab server's name) made safe to show: to a terminal, the popup, history or a report.
//
// A terminal acts on control characters: ESC starts sequences that retitle the window
// (OSC 0), clear the screen (CSI 2 J) or move the cursor so that later text overwrites ours
// (ECMA-48 sections 5.4-5.7; xterm's ctlseqs), and a UTF-8 terminal may read the C1 code
// points U+0080-U+009F (CSI is U+009B) the same way. Bidirectional overrides reorder what
// follows them on screen ("Trojan Source", CVE-2021-42574; Unicode UAX #9). A plaintext
// answer can be rewritten by the very ISP being measured, so none of this may reach a user
// as it arrived, and no length of it either: a 5000-character Via header is a screenful.

/* eslint-disable no-control-regex -- finding control characters is what this module is for */

/** The default cap, in characters, for one piece of network text quoted in a message. */
export const SAFE_TEXT_MAX_CHARS = 200;

const ELLIPSIS = '\u2026';

/** Whole escape sequences (removed with their parameters, so no "[2J" is left behind). */
const ESCAPE_SEQUENCES = [
  // CSI: ESC [ or C1 CSI, parameters, intermediates, a final byte.
  /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?/g,
  // OSC, DCS, SOS, PM, APC: up to BEL or ST (ESC \ or C1 ST), or to the next control.
  /(?:\x1b[\]PX^_]|[\x90\x98\x9d-\x9f])[^\x00-\x1f\x7f-\x9f]*(?:\x07|\x1b\\|\x9c)?/g,
  // Any other escape: ESC, intermediates, a final byte.
  /\x1b[ -/]*[0-~]?/g,
];

/** Line and paragraph breaks, tabs: become one space, so a message stays one line. */
const BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;

/** What is left of C0 and C1, DEL, the bidi marks, overrides and isolates, BOM and lone surrogates. */
const CONTROLS = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * `text` without control characters, escape sequences or bidi controls, its whitespace
 * collapsed to single spaces, and at most `maxChars` characters long (cut with an ellipsis).
 */
export function safeText(text: unknown, maxChars = SAFE_TEXT_MAX_CHARS): string {
  const raw = typeof text === 'string' ? text : String(text);
  // Only a prefix can survive the cut; what sanitising removes is rarely more than a few
  // times what it keeps, so a generous prefix bounds the work on a huge input.
  const limit = Math.max(1, Math.floor(maxChars));
  const prefixChars = limit * 8 + 1024;
  let s = raw.length > prefixChars ? raw.slice(0, prefixChars) : raw;
  s = s.replace(BREAKS, ' ');
  for (const re of ESCAPE_SEQUENCES) s = s.replace(re, '');
  s = s.replace(CONTROLS, '').replace(/ {2,}/g, ' ').trim();
  const cut = s.length > limit || raw.length > prefixChars;
  if (!cut) return s;
  let end = Math.min(s.length, limit - 1);
  // Never split a surrogate pair.
  if (end > 0 && /[\ud800-\udbff]/.test(s[end - 1]!)) end--;
  return `${s.slice(0, end).trimEnd()}${ELLIPSIS}`;
}

/**
 * A copy of `value` (a Result, say) with every string in it passed through safeText: for the
 * one place where a whole object leaves for a terminal or storage.
 */
export function safeTextDeep<T>(value: T, maxChars = SAFE_TEXT_MAX_CHARS): T {
  if (typeof value === 'string') return safeText(value, maxChars) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => safeTextDeep(v, maxChars)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = safeTextDeep(v, maxChars);
    return out as T;
  }
  return value;
}
