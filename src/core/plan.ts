// Which legs a run measures and which pairs it compares (docs/method.md, "Legs and pairs").
import type { Direction, LegSpec, PayloadKind, Scheme } from './types.js';

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
  /** A server name against a control name, both over TLS (sni/sni-plan.ts). */
  | 'sni';

export interface Plan {
  screening: PairSpec[];
  /** Every diagnosis pair: what a run measures from the start when asked to diagnose. */
  diagnosis: PairSpec[];
  /**
   * What an automatic run adds once screening sees a difference: the port swap only. The
   * entropy pairs exist for when screening looks equal (a difference between TLS and random
   * plaintext already rules out entropy as the sole cause), and uploads add no cause to a
   * difference already found in downloads; each pair would cost a leg per round.
   */
  followUp: PairSpec[];
}

/** Screening: HTTPS on the TLS port against HTTP on the plain port, random payload, downloads. */
export function endpointPlan(tlsPort: number, plainPort: number): Plan {
  const tls = leg('https', tlsPort, 'down', 'random');
  const plain = leg('http', plainPort, 'down', 'random');
  const plainText = leg('http', plainPort, 'down', 'text');
  const screening: PairSpec[] = [{ id: 'screen', suspect: tls, reference: plain }];
  const portSwap: PairSpec[] = [];
  if (tlsPort !== plainPort) {
    // Glasnost's port swap: the same protocols on each other's ports tell port from protocol.
    portSwap.push(
      { id: 'protocol-on-plain-port', suspect: leg('https', plainPort, 'down', 'random'), reference: plain },
      { id: 'port-for-plaintext', suspect: leg('http', tlsPort, 'down', 'random'), reference: plain },
    );
  }
  const diagnosis: PairSpec[] = [...portSwap];
  // An entropy classifier slows random-looking plaintext as well as TLS, so the screening pair
  // alone can look equal: compare both with a low-entropy plaintext body.
  diagnosis.push(
    { id: 'entropy', suspect: plain, reference: plainText },
    { id: 'tls-vs-low-entropy', suspect: tls, reference: plainText },
    // Rogers capped uploads of encrypted and P2P flows.
    { id: 'upload', suspect: leg('https', tlsPort, 'up', 'random'), reference: leg('http', plainPort, 'up', 'random') },
  );
  return { screening, diagnosis, followUp: portSwap };
}

/** Generic mode: any file served over both schemes; downloads of that file only. */
export function filePlan(tlsPort: number, plainPort: number): Plan {
  return {
    screening: [
      { id: 'screen', suspect: leg('https', tlsPort, 'down', 'random'), reference: leg('http', plainPort, 'down', 'random') },
    ],
    diagnosis: [],
    followUp: [],
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
 * Every round runs the legs in the same order, so each leg waits the same time (the other
 * legs' transfers) before each of its transfers. ABBA would cancel a steady trend of the
 * line's speed, but it gives a leg no wait before one transfer and two transfers' wait before
 * the next: a token bucket that refills while a leg is idle (or a TCP window reset after
 * idle) then makes alternate rounds measure different things, and the lab's tbf scenario
 * read ~1x and ~4x in turn and stayed inconclusive. Drift that is not a steady trend (cross
 * traffic, rate changes) lands on either leg at random with both orders.
 */
export function roundOrder<T>(legs: T[]): T[] {
  return [...legs];
}
