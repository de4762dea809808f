// The verdict in plain words for people at a terminal.
import { noticeableLean } from '../core/margin.js';
import { safeText, safeTextDeep } from '../core/safe-text.js';
import type { Result } from '../core/types.js';
import { errorText, noteText } from './note-text.js';

/**
 * The cap on one message at the output edge. Network text was already cut to a few hundred
 * characters where it entered a message (core/safe-text.ts); this pass is the last one before
 * a terminal, and only needs room for our own longest messages (a list of M-Lab servers tried).
 */
export const OUTPUT_TEXT_MAX_CHARS = 2000;

const printable = (text: string) => safeText(text, OUTPUT_TEXT_MAX_CHARS);

/** The Result as --json prints it: every string in it free of control characters. */
export function printableResult(r: Result): Result {
  return safeTextDeep(r, OUTPUT_TEXT_MAX_CHARS);
}

const x = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : 'n/a');

export function headline(r: Result): string {
  const ci = `95% CI ${x(r.ci95[0])}-${x(r.ci95[1])}`;
  switch (r.verdict) {
    case 'tls-throttled':
      return `TLS THROTTLED: encrypted traffic was ${x(r.ratio)} slower than plain traffic (${ci})`;
    case 'plaintext-throttled':
      return `PLAINTEXT THROTTLED: plain traffic was ${x(1 / r.ratio)} slower than encrypted traffic (${ci})`;
    case 'sni-throttled':
      // ratio is the control name's goodput over the named one's (src/core/sni/sni-decision.ts).
      return `SNI THROTTLED: connections naming ${printable(r.sni?.name ?? '?')} were ${x(r.ratio)} slower than the same server under a control name (${ci})`;
    case 'no-difference':
      return noDifferenceHeadline(r, ci);
    case 'inconclusive':
      // A run that could not afford one round has no ratio: its note says what it needed.
      if (!Number.isFinite(r.ratio)) return 'INCONCLUSIVE: nothing was measured that allows a verdict';
      return `INCONCLUSIVE: the measurements do not allow a verdict (ratio ${x(r.ratio)}, ${ci})`;
    case 'interfered':
      if (r.sni) return `INTERFERED: connections naming ${printable(r.sni.name)} were blocked or cut on the path, so no comparison is possible`;
      return `INTERFERED: something on the path altered or redirected the plain traffic, so no comparison is possible`;
    case 'failed':
      return `FAILED: ${r.error ? printable(errorText(r.error)) : 'the measurement did not complete'}`;
  }
}

/**
 * "The same speed" only where the estimate is near 1: a no-difference that leaned a tenth or
 * more one way says so, with the margin it stayed within (core/margin.ts).
 */
function noDifferenceHeadline(r: Result, ci: string): string {
  switch (noticeableLean(r.ratio)) {
    case 'tls-slower':
      return `NO DIFFERENCE: encrypted traffic was ${x(r.ratio)} slower than plain traffic, within the 25% this test counts as the same speed (${ci}); a slight limit on encrypted traffic and a line's ups and downs look alike at that size`;
    case 'tls-faster':
      return `NO DIFFERENCE: encrypted traffic was ${x(1 / r.ratio)} faster than plain traffic, within the 25% this test counts as the same speed (ratio ${x(r.ratio)}, ${ci})`;
    default:
      return `NO DIFFERENCE: encrypted and plain traffic ran at the same speed within 25% (ratio ${x(r.ratio)}, ${ci})`;
  }
}

const CAUSES: Record<string, string> = {
  protocol: 'the slowdown follows the TLS protocol, whatever the port',
  port: 'the slowdown follows the port, whatever the protocol',
  entropy: 'the slowdown follows how random the payload looks, encrypted or not',
  unknown: 'the diagnosis legs could not tell what triggers it',
};

export function formatHuman(r: Result): string {
  const lines = [headline(r)];
  if (r.cause) lines.push(`Cause: ${CAUSES[r.cause]}.`);
  if (r.sni) {
    const rate = r.sni.rateMbps !== undefined ? `; connections naming it were held to about ${(r.sni.rateMbps * 1000).toFixed(0)} kbit/s` : '';
    lines.push(`Server name: ${printable(r.sni.name)}, compared with the control name ${printable(r.sni.controlName)}${rate}.`);
    const byName = r.comparisons.find((c) => c.id === 'sni');
    if (byName && r.verdict !== 'sni-throttled' && byName.rounds > 0) {
      lines.push(`The name against the control: ${x(byName.ratio)} (95% CI ${x(byName.ci95[0])}-${x(byName.ci95[1])}, ${byName.rounds} rounds).`);
    }
  }
  // A run by name says its rate on the server-name line below, in kbit/s.
  if (r.shaping && r.sni?.rateMbps === undefined) {
    const burst = r.shaping.burstBytes > 0 ? `, after a burst of about ${Math.round(r.shaping.burstBytes / 1000)} kB` : '';
    lines.push(`Shaped rate: about ${r.shaping.rateMbps.toFixed(2)} Mbit/s on ${printable(r.shaping.leg)}${burst}.`);
  }
  if (r.verdict === 'interfered' && r.error) lines.push(`Seen: ${printable(errorText(r.error))}`);
  const idWidth = Math.max(26, ...r.legs.map((l) => l.id.length));
  for (const leg of r.legs) {
    // Below 1 Mbit/s (a name held to 128 kbit/s) one decimal would read 0.1.
    const mbps = leg.medianMbps.toFixed(leg.medianMbps < 1 ? 3 : 1);
    if (leg.transfers.length) lines.push(`  ${printable(leg.id).padEnd(idWidth)} median ${mbps.padStart(8)} Mbit/s over ${leg.transfers.length} transfers`);
  }
  lines.push(
    `${r.rounds} rounds, ${(r.bytesUsed / 1e6).toFixed(1)} MB, ${(r.durationMs / 1000).toFixed(1)} s, p = ${Number.isFinite(r.pValue) ? r.pValue.toPrecision(2) : 'n/a'}`,
  );
  for (const w of r.warnings) lines.push(`Note: ${printable(noteText(w))}`);
  if (r.verdict === 'tls-throttled' || r.verdict === 'sni-throttled' || r.verdict === 'no-difference') {
    lines.push('One test is one moment on one path: repeat it at other times before drawing conclusions.');
  }
  return lines.join('\n');
}
