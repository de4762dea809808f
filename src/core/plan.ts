// Which legs a run measures and which pairs it compares (docs/method.md, "Legs and pairs").
import type { Direction, LegSpec, PayloadKind, Scheme } from './types.js';
import { xoshiro128 } from './payload.js';

export function legId(scheme: Scheme, port: number, direction: Direction, payload: PayloadKind): string {
  return `${scheme}-${port}-${direction}-${payload}`;
}

function leg(scheme: Scheme, port: number, direction: Direction, payload: PayloadKind): LegSpec {
  return { id: legId(scheme, port, direction, payload), scheme, port, direction, payload };
}

export interface PairSpec {
  id: ComparisonId;
  suspect: LegSpec;
  reference: LegSpec;
}

export type ComparisonId =
  | 'screen'
  | 'protocol-on-plain-port'
  | 'port-for-plaintext'
  | 'entropy'
  | 'tls-vs-low-entropy'
  | 'upload'
  | 'upload-protocol-on-plain-port'
  | 'upload-port-for-plaintext'
  /** A server name against a control name, both over TLS (sni/sni-plan.ts). */
  | 'sni';

export interface Plan {
  screening: PairSpec[];
  /**
   * Pairs every run measures from the start beside screening, whatever it finds: the
   * low-entropy reference and the cheap upload pair. Each sees shaping the screening pair is
   * blind to (a classifier that slows TLS and random plaintext alike; a cap on uploads only),
   * and a run that added them only after screening differed would never see it. A failing
   * one is dropped with a note, as a diagnosis pair is (engine.ts guardDiagnosis).
   */
  references: PairSpec[];
  /**
   * Every diagnosis pair (the references included): what a run asked to diagnose holds from
   * the start. The references run from the first round; each port swap from the first look
   * at which the pair it explains shows a difference (engine.ts startSwaps).
   */
  diagnosis: PairSpec[];
  /**
   * What an automatic run adds once screening sees a difference: the port swap only (a
   * difference between TLS and random plaintext already rules out entropy as the sole cause,
   * and the references run anyway).
   */
  followUp: PairSpec[];
  /** What an automatic run adds once the upload pair sees a difference: the port swap of uploads. */
  uploadFollowUp: PairSpec[];
}

/** The pairs of the port swap for one direction: the same protocols on each other's ports. */
function portSwapOf(tlsPort: number, plainPort: number, direction: Direction): PairSpec[] {
  if (tlsPort === plainPort) return [];
  const plain = leg('http', plainPort, direction, 'random');
  const up = direction === 'up';
  return [
    { id: up ? 'upload-protocol-on-plain-port' : 'protocol-on-plain-port', suspect: leg('https', plainPort, direction, 'random'), reference: plain },
    { id: up ? 'upload-port-for-plaintext' : 'port-for-plaintext', suspect: leg('http', tlsPort, direction, 'random'), reference: plain },
  ];
}

/**
 * Our endpoint: screening is HTTPS on the TLS port against HTTP on the plain port, random
 * payload, downloads; every run also compares both with a low-entropy plaintext body, and
 * uploads on both schemes (the references).
 */
export function endpointPlan(tlsPort: number, plainPort: number): Plan {
  const tls = leg('https', tlsPort, 'down', 'random');
  const plain = leg('http', plainPort, 'down', 'random');
  const plainText = leg('http', plainPort, 'down', 'text');
  const screening: PairSpec[] = [{ id: 'screen', suspect: tls, reference: plain }];
  // Glasnost's port swap: the same protocols on each other's ports tell port from protocol.
  const portSwap = portSwapOf(tlsPort, plainPort, 'down');
  const uploadSwap = portSwapOf(tlsPort, plainPort, 'up');
  const references: PairSpec[] = [
    // An entropy classifier slows random-looking plaintext as well as TLS, so the screening
    // pair alone can look equal: compare both with a low-entropy plaintext body.
    { id: 'entropy', suspect: plain, reference: plainText },
    { id: 'tls-vs-low-entropy', suspect: tls, reference: plainText },
    // Rogers capped uploads of encrypted and P2P flows.
    { id: 'upload', suspect: leg('https', tlsPort, 'up', 'random'), reference: leg('http', plainPort, 'up', 'random') },
  ];
  return { screening, references, diagnosis: [...portSwap, ...references, ...uploadSwap], followUp: portSwap, uploadFollowUp: uploadSwap };
}

/**
 * Generic mode: any file served over both schemes (a mirror too); downloads of that file only.
 * Its bytes are what they are, so there is no low-entropy reference, and nothing to upload to:
 * such a run is blind to a classifier of encrypted-looking flows and to upload caps
 * (docs/method.md, "What the method cannot see").
 */
export function filePlan(tlsPort: number, plainPort: number): Plan {
  return {
    screening: [
      { id: 'screen', suspect: leg('https', tlsPort, 'down', 'random'), reference: leg('http', plainPort, 'down', 'random') },
    ],
    references: [],
    diagnosis: [],
    followUp: [],
    uploadFollowUp: [],
  };
}

/** The distinct legs of some pairs, in a stable order. */
export function legsOf(pairs: PairSpec[]): LegSpec[] {
  const seen = new Map<string, LegSpec>();
  for (const p of pairs) {
    if (!seen.has(p.suspect.id)) seen.set(p.suspect.id, p.suspect);
    if (!seen.has(p.reference.id)) seen.set(p.reference.id, p.reference);
  }
  return [...seen.values()];
}

/**
 * Each round runs its legs in an order drawn at random from the run's seed and the round's
 * number, every order alike likely. A fixed order put the same leg first in every round, right
 * after the uploads and the look between rounds: on an unshaped lab line the server saw the
 * line idle a median 271-384 ms before the TLS download against 88-113 ms before the others
 * (bench/line-idle.ts), and on a line that runs faster after a pause (a cable line's boost;
 * test/lab/lab-net.ts addLineBoost) the extension read TLS 0.74-0.80x in 4 of 6 runs
 * (bench/RESULTS.md, 2026-12-04). Drawn at random, what precedes a transfer lands on either leg of
 * a pair alike, so on an unshaped line each round's log ratio is as likely one sign as the other
 * whatever the line does between transfers: the symmetry the signed-rank test and its interval
 * rest on (docs/method.md, "Rounds"). The order is a function of (seed, round), so a run with
 * a given seed (the tests', the simulation's) repeats exactly.
 */
export function roundOrder<T>(legs: readonly T[], seed: number, round: number): T[] {
  const next = xoshiro128((seed ^ Math.imul(round + 1, 0x9e3779b1)) >>> 0);
  const out = [...legs];
  // Fisher-Yates; 2^32 / (i + 1) buckets are even enough for a handful of legs.
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor((next() / 2 ** 32) * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
