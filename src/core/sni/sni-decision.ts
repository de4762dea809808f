// The verdict of a run by server name (sni-plan.ts). The pairs are compared by the rules of
// decision.ts (pairing, interval, margin, less busy rounds, two looks); this adds one branch in
// front of its verdict: the name's TLS slower than the control name's TLS, on the same server
// and port and in the same rounds, beyond the margin, is `sni-throttled`. A name that is not
// slowed leaves the usual question (control TLS against plaintext) to decide() as in any run.
import { decide, throttledSamples, type Decision, type DecisionInput } from '../decision.js';
import { readingNotes, whyUnclear } from '../decision-notes.js';
import { round3 } from '../figures.js';
import { estimateShaping } from '../shaping.js';

export function decideSni(input: DecisionInput): Decision {
  const sni = input.comparisons.find((c) => c.id === 'sni');
  if (!sni) return { verdict: 'failed', notes: [{ code: 'no-screening' }] };
  if (sni.outcome === 'slower') {
    const named = input.legs.get(sni.suspectLeg);
    const control = input.legs.get(sni.referenceLeg);
    // Rule 11 of decision.ts: the named leg's sustained rate in the rounds it was slowed.
    const shaping = named && control ? estimateShaping(named.spec.id, throttledSamples(named, control)) : undefined;
    // No processor check (rule 10): both legs are TLS to the same server, so the same work.
    return { verdict: 'sni-throttled', basis: sni, notes: readingNotes(sni), ...(shaping ? { shaping } : {}) };
  }
  if (sni.outcome === 'same') return decide(input);
  // Faster (the name ran faster than the control: a name given priority, or a control that was
  // slowed) or unclear: no finding about the name, with the reason in numbers.
  if (sni.outcome === 'unclear') return { verdict: 'inconclusive', basis: sni, notes: whyUnclear(sni) };
  const ci95: [number, number] = [round3(sni.ci95[0]), round3(sni.ci95[1])];
  return { verdict: 'inconclusive', basis: sni, notes: [{ code: 'name-faster', rounds: sni.rounds, ratio: round3(sni.ratio), ci95 }] };
}
