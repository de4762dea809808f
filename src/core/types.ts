// The contracts (docs/architecture.md, "Contracts"): names here are relied on by the CLI's
// JSON, reports, the popup and users' scripts. Change them only on purpose.
import type { Note, RunError } from './notes.js';

export const VERDICTS = [
  'tls-throttled',
  'plaintext-throttled',
  // TLS to one server name slower than TLS to a control name, same server and port (sni/).
  'sni-throttled',
  'no-difference',
  'inconclusive',
  'interfered',
  'failed',
] as const;
export type Verdict = (typeof VERDICTS)[number];

export const CAUSES = ['protocol', 'port', 'entropy', 'unknown'] as const;
export type Cause = (typeof CAUSES)[number];

export type Scheme = 'http' | 'https';
export type Direction = 'down' | 'up';
export type PayloadKind = 'random' | 'text';

/** A leg: one (scheme, port, direction, payload) combination, measured once per round. */
export interface LegSpec {
  id: string;
  scheme: Scheme;
  port: number;
  direction: Direction;
  payload: PayloadKind;
  /**
   * On a run by server name (src/core/sni/): whether this TLS leg's ClientHello names the
   * server name under test or the control name. The name itself is in Result.sni only.
   */
  sni?: 'name' | 'control';
}

export interface TransferRecord {
  bytes: number;
  ms: number;
  mbps: number;
  /** Present when the transfer began with a burst: the rate after it, which comparisons use. */
  steadyMbps?: number;
  /** Present when the transfer rode a renewed connection (decision.ts rule 1f): 1 for the first renewal. */
  connection?: number;
}

export interface LegResult extends LegSpec {
  transfers: TransferRecord[];
  medianMbps: number;
}

/** One paired comparison of a plaintext leg against an encrypted (or high-entropy) leg. */
export interface Comparison {
  id: string;
  /** The leg expected to be slowed if the suspected shaping exists (e.g. HTTPS). */
  suspectLeg: string;
  /** The leg it is compared with (e.g. HTTP on the plain port). */
  referenceLeg: string;
  /** reference goodput over suspect goodput (2.0 = suspect at half speed). */
  ratio: number;
  ci95: [number, number];
  pValue: number;
  rounds: number;
  outcome: 'slower' | 'faster' | 'same' | 'unclear';
  /**
   * Present when the outcome rests on the less busy rounds only (decision.ts, rule 4): how many of the
   * busiest rounds were left out. `rounds`, `ratio` and `ci95` are those of the rounds kept
   * (whose 99% interval cleared the margin).
   */
  busyRoundsLeftOut?: number;
  /**
   * Present when the outcome rests on the rounds after a turn (decision.ts, rule 4t): how many
   * rounds came before them, up to and including the turn. `rounds`, `ratio` and `ci95` are
   * those of the rounds after it.
   */
  roundsBeforeTurn?: number;
  /**
   * Present when the outcome rests on some rounds slowed far past the margin (decision.ts rule
   * 4m): how many rounds there were in all. `rounds`, `ratio` and `ci95` are those of the rounds
   * past the margin on the finding's side.
   */
  someRoundsOf?: number;
  /**
   * Present when all rounds were within the margin but the estimate of the less busy ones
   * lay past it: the outcome is then 'unclear', not 'same'.
   */
  lessBusyLean?: { rounds: number; ratio: number; ci95: [number, number] };
  /**
   * Present when a finding was withheld because the less busy rounds' estimate lay past the
   * margin the other way (repeated-rule.ts againstLessBusy): the finding's side and the rounds
   * that made it, and the less busy rounds'. The outcome is then 'unclear'.
   */
  lessBusyAgainst?: {
    outcome: 'slower' | 'faster';
    rounds: number;
    ratio: number;
    lessBusyRounds: number;
    lessBusyRatio: number;
    lessBusyCi95: [number, number];
  };
  /**
   * True when the interval cleared the margin at this round only: a finding must hold over
   * two rounds in a row, so the outcome stays 'unclear' until the next round agrees.
   */
  pendingRound?: boolean;
  /**
   * Rounds left out because both transfers lasted only a few round trips (decision.ts rule 1):
   * TCP's window set both rates there.
   */
  windowLimitedRounds?: number;
  /**
   * Rule 1f: on a long path, the rounds on renewed connections that a finding must also show
   * on: how many counted, their ratio, and whether they confirmed it ('unclear' while not).
   */
  freshFlows?: {
    rounds: number;
    ratio?: number;
    confirmed: boolean;
    /** What a renewed connection carries before its rounds count: what the slow leg's first had carried when its difference began. */
    afterBytes: number;
    /** For a finding from some rounds slowed (rule 4m): the renewed connections' rounds far past the margin on its side (up) and as far on the near side (down). */
    someRounds?: { up: number; down: number };
  };
  /** Rule 1s: a difference withheld while its slow leg was still climbing, with its rates (Mbit/s). */
  slowLegRising?: { leg: string; firstMbps: number; lastMbps: number; rounds: number };
  /** Rule 1s: screening's 'same' withheld while a leg was still climbing, with its rates (Mbit/s): a cap above where it stood could not show yet. */
  risingWhileAlike?: { leg: string; firstMbps: number; lastMbps: number; rounds: number };
  /**
   * Present under the repeated-interval rule (decision.ts, rule 2r): the interval that decided
   * the outcome, at the look's level, which holds at every look of the run together.
   */
  repeatedCi?: {
    level: number;
    bounds: [number, number];
    finalLook?: boolean;
    /** The fewest rounds whose exact interval can reach this pair's levels (its design's first look). */
    firstLook?: number;
  };
}

export interface ShapingEstimate {
  leg: string;
  rateMbps: number;
  burstBytes: number;
}

/**
 * What a run by server name compared (src/core/sni/): TLS to the same server and port with
 * `name` in the ClientHello's server_name against a control name of similar length.
 */
export interface SniOutcome {
  /** The server name under test, as sent in the ClientHello. */
  name: string;
  /** The control: a random label under a neutral domain, never a name anyone throttles. */
  controlName: string;
  /** The rate the connections naming `name` were held to, when the verdict is `sni-throttled`. */
  rateMbps?: number;
}

/** The Result of a run: printed by `tls-throttle run --json`, stored in history, reported. */
export interface Result {
  verdict: Verdict;
  cause?: Cause;
  /** plaintext goodput over TLS goodput (2.0 = TLS at half speed). */
  ratio: number;
  ci95: [number, number];
  pValue: number;
  rounds: number;
  bytesUsed: number;
  durationMs: number;
  endpoint: string;
  legs: LegResult[];
  comparisons: Comparison[];
  shaping?: ShapingEstimate;
  /** Present on a run by server name (`tls-throttle run --sni NAME`). */
  sni?: SniOutcome;
  /** Coded notes with their numbers (notes.ts); the CLI and the popup put them in words. */
  warnings: Note[];
  /** Why the run failed or was interfered with: a code and the detail with its numbers. */
  error?: RunError;
}

/** Live progress, broadcast by the runner to the CLI's stderr line or the popup. */
export interface Progress {
  phase: 'info' | 'ramp' | 'rounds' | 'done';
  leg?: string;
  bytes?: number;
  mbps?: number;
  round: number;
  /** True on the update that ends a transfer (its mbps is then the transfer's goodput). */
  transferDone?: boolean;
  /** Share of the byte or time budget spent, whichever is larger, 0..1. */
  budgetShare: number;
}
