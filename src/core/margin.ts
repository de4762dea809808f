// The practical margin, in a file of its own so that the popup and the CLI can read it without
// the decision module (docs/method.md, "Decision", rule 3).

/** A difference under 25% is no finding. */
export const MARGIN_RATIO = 1.25;

/**
 * Within the margin, a difference a person sees on the two speed figures. A "no difference"
 * whose estimate lies this far from 1 (TLS a tenth slower or faster) says which way it leaned
 * rather than "the same speed": a port cap a little below a line's speed held HTTPS at 22.3
 * Mbit/s in 26 of 28 transfers beside plain HTTP's 23-27, a 1.21x estimate inside the margin
 * (bench/RESULTS.md, 2026-12-04 06:25).
 */
export const NOTICEABLE_RATIO = 1.1;

/** Which way a ratio (plain over TLS goodput) leans, when it leans noticeably. */
export function noticeableLean(ratio: number): 'tls-slower' | 'tls-faster' | undefined {
  if (!Number.isFinite(ratio)) return undefined;
  if (ratio >= NOTICEABLE_RATIO) return 'tls-slower';
  if (ratio <= 1 / NOTICEABLE_RATIO) return 'tls-faster';
  return undefined;
}
