// Rules 6 and 7 of the decision (decision.ts): what still needs rounds. Screening's "no
// difference" waits for long enough flows and for no turn in its last rounds (rule 6); a
// diagnosis pair settles on the near side of the margin once screening found a direction (rule 7).
import { median } from 'simple-statistics';
import { round3 } from './figures.js';
import { MIN_ROUNDS } from './interval-rule.js';
import { MARGIN_RATIO } from './margin.js';
import type { Note } from './notes.js';
import type { MeasuredLeg } from './paired-rounds.js';
import type { PairSpec } from './plan.js';
import { sustainedMbps } from './shaping.js';
import type { Comparison } from './types.js';

/**
 * Rule 6: some ISPs throttle a flow only after its first megabytes (Wehe saw T-Mobile drop
 * from 20 to 1.5 Mbit/s after about 7 MB: Li et al., IMC 2019), so "no difference" waits
 * until each screening leg's flow has carried this much.
 */
export const MIN_FLOW_BYTES = 8_000_000;
/** Rule 6: two rounds in a row this far apart the same way is a turn, not noise. */
const TURN_RATIO = 2;

/**
 * Rule 6: both of the last two paired rounds at least TURN_RATIO apart the same way. Two
 * such rounds in a row are rare on an unshaped line, where cross traffic moves both legs.
 */
export function lastRoundsApart(suspect: MeasuredLeg, reference: MeasuredLeg): { ratio: number; slowLeg: MeasuredLeg } | undefined {
  const rounds = [...suspect.samples.keys()].filter((r) => reference.samples.has(r)).sort((a, b) => a - b).slice(-2);
  if (rounds.length < 2) return undefined;
  const logRatios = rounds.map((r) => Math.log(sustainedMbps(reference.samples.get(r)!).mbps / sustainedMbps(suspect.samples.get(r)!).mbps));
  const apart = Math.log(TURN_RATIO);
  if (!logRatios.every((x) => x > apart) && !logRatios.every((x) => x < -apart)) return undefined;
  return { ratio: Math.exp(Math.abs(logRatios[1]!)), slowLeg: logRatios[0]! > 0 ? suspect : reference };
}

/** Rule 6, turned: the note that withholds the screening pair's 'same', if the flows turned. */
export function turnedNote(screen: PairSpec, legs: ReadonlyMap<string, MeasuredLeg>): Note | undefined {
  const suspect = legs.get(screen.suspect.id);
  const reference = legs.get(screen.reference.id);
  if (!suspect || !reference) return undefined;
  const apart = lastRoundsApart(suspect, reference) ?? turnedSince(suspect, reference, legs) ?? turnedSince(reference, suspect, legs);
  if (!apart) return undefined;
  return { code: 'turned', ratio: round3(apart.ratio), leg: apart.slowLeg.spec.id, carriedBytes: apart.slowLeg.flowBytes };
}

/**
 * Rule 6, turned since screening settled: a screening leg that other pairs keep measuring
 * (the TLS leg beside the low-entropy body, say) against a leg of the other scheme and the
 * same direction, in rounds after screening's last, whose two last rounds ran TURN_RATIO apart
 * the same way where all their earlier rounds read alike (median within the margin). A token
 * bucket on TLS that the long rounds of the references refilled runs dry once they shorten;
 * in simulation a screening pair had said 'same' after 12 rounds while its TLS leg then read
 * 5 of 26 Mbit/s for 16 more beside the low-entropy body, and the run said "no difference".
 * "Earlier alike" keeps a standing difference (a classifier of encrypted-looking flows, which
 * the entropy pair answers) from counting as a turn.
 */
function turnedSince(leg: MeasuredLeg, partner: MeasuredLeg, legs: ReadonlyMap<string, MeasuredLeg>): { ratio: number; slowLeg: MeasuredLeg } | undefined {
  const rounds = [...leg.samples.keys()].sort((a, b) => a - b);
  const lastScreened = Math.max(-1, ...rounds.filter((r) => partner.samples.has(r)));
  for (const peer of legs.values()) {
    if (peer === partner || peer.spec.direction !== leg.spec.direction || peer.spec.scheme === leg.spec.scheme) continue;
    const common = rounds.filter((r) => peer.samples.has(r));
    if (common.length < 2 || common[common.length - 1]! <= lastScreened) continue;
    const apart = lastRoundsApart(leg, peer);
    if (!apart || apart.slowLeg !== leg) continue;
    const earlier: number[] = [];
    for (const r of common.slice(0, -2)) {
      const [peerMbps, legMbps] = [sustainedMbps(peer.samples.get(r)!).mbps, sustainedMbps(leg.samples.get(r)!).mbps];
      if (peerMbps > 0 && legMbps > 0) earlier.push(Math.log(peerMbps / legMbps));
    }
    if (earlier.length >= 2 && Math.abs(median(earlier)) < Math.log(MARGIN_RATIO)) return apart;
  }
  return undefined;
}

/** Rule 6, short flows: the screening legs whose flow has not yet carried MIN_FLOW_BYTES. */
export function shortFlowLegs(screen: PairSpec, legs: ReadonlyMap<string, MeasuredLeg>): MeasuredLeg[] {
  return [screen.suspect, screen.reference]
    .map((s) => legs.get(s.id))
    .filter((l): l is MeasuredLeg => !!l && l.flowBytes < MIN_FLOW_BYTES);
}

/**
 * Rules 6 and 7: does this pair still need rounds? A pair with its answer stops costing bytes
 * (its legs run on only while another pair needs them). `flowsMayGrow` is false where the
 * provider cannot lengthen a flow (rule 6 then notes the short flow instead of waiting).
 */
export function pairNeedsRounds(
  pair: PairSpec,
  c: Comparison | undefined,
  screenOutcome: Comparison['outcome'] | undefined,
  legs: ReadonlyMap<string, MeasuredLeg>,
  flowsMayGrow: boolean,
): boolean {
  if (!c) return true;
  if (pair.id === 'screen' && c.outcome === 'same') {
    return (flowsMayGrow && shortFlowLegs(pair, legs).length > 0) || !!turnedNote(pair, legs);
  }
  if (c.outcome !== 'unclear') return false;
  if (pair.id !== 'screen' && c.rounds >= MIN_ROUNDS) {
    const [lo, hi] = settlingBounds(c);
    if (screenOutcome === 'slower' && hi < MARGIN_RATIO) return false;
    if (screenOutcome === 'faster' && lo > 1 / MARGIN_RATIO) return false;
  }
  return true;
}

/**
 * The interval that settles a comparison: under rule 2r the repeated one (it holds at every
 * look); but a pair with no alpha of its own yet (a port swap before the finding it would
 * explain, error-budget.ts) has no repeated interval, and settles on its 95% one as under the
 * interval rule: what rides on it then is only which cause a later finding would name.
 */
export function settlingBounds(c: Pick<Comparison, 'ci95' | 'repeatedCi'>): [number, number] {
  const r = c.repeatedCi;
  return r && r.level < 1 ? r.bounds : c.ci95;
}
