// What the engine (engine.ts) asks of a provider. The engine owns the rounds, the budget, the
// progress, the stopping policy and the decision; a driver knows how to move bytes on one kind
// of server: our HTTP endpoint or any file served over both schemes (http-driver.ts), or
// M-Lab's ndt7 servers (../ndt7/driver.ts). Both then obey the same rules.
import type { Decision, DecisionInput } from '../decision.js';
import type { MeasuredTransfer } from '../paired-rounds.js';
import type { Note } from '../notes.js';
import type { Plan } from '../plan.js';
import type { LegSpec } from '../types.js';

/** Runs one leg's work; false when the leg failed and was dropped (a diagnosis leg). */
export type LegGuard = (leg: LegSpec, work: () => Promise<void>) => Promise<boolean>;

/** The line as a driver's legs have measured it (Driver.lineEstimate). */
export interface LineEstimate {
  mbps: number;
  rttMs: number;
  /** The transfer length the sizer asks for on this path (sizer.ts targetForRtt). */
  targetMs: number;
  /** The same on a short path: a longer targetMs is the path's round trips, not the line's speed. */
  baseTargetMs: number;
  /** Legs whose transfers the plan sizes. */
  sizedLegs: number;
  /** What a round of the other legs costs: their size is held (cheap uploads). */
  heldRoundBytes: number;
}

/** What a driver may read of the run and report back to it. */
export interface DriverContext {
  readonly budgetBytes: number;
  readonly bytesUsed: number;
  readonly elapsedMs: number;
  readonly maxDurationMs: number;
  /** Rounds completed so far. */
  readonly rounds: number;
  /** Bytes moved outside a measured transfer (a ramp, a probe, a digest): they count too. */
  spend(bytes: number): void;
  note(note: Note): void;
  /** Live progress of a transfer (round -1: a ramp or probe transfer). */
  progress(leg: string, round: number, bytes: number, mbps: number, transferDone?: boolean): void;
  readonly signal?: AbortSignal;
}

export interface Measured {
  sample: MeasuredTransfer;
  /** Every byte the transfer moved, for the budget (ndt7's framing and late bytes included). */
  bytesUsed: number;
  /** What the flow that carried this transfer has carried so far, this transfer included. */
  flowBytes: number;
}

export interface Driver {
  /** The pairs this provider can compare. */
  readonly plan: Plan;
  /** The endpoint as the Result names it. */
  endpoint(): string;
  /** Rounds cost little, and the budgets bound a run anyway; a run stops here at the latest. */
  readonly maxRounds: number;
  /**
   * Whether this provider can make a flow carry more (rule 6 of decision.ts): where it cannot,
   * a short flow is noted rather than waited for.
   */
  readonly flowsMayGrow: boolean;
  /**
   * Whether this provider can end a leg's connection on request (renewFlow): our endpoint
   * can; a file or a mirror, whose server is not ours, cannot; ndt7 opens a flow per test.
   */
  readonly flowsRenew?: boolean;
  /**
   * Ends a leg's connection with its next transfer: the transfers after it go over a new one
   * (decision.ts rule 1f, fresh connections). Only where flowsRenew.
   */
  renewFlow?(leg: LegSpec): void;
  /** The endpoint's own TLS capacity in Mbit/s, when it announces one (decision.ts rule 10). */
  readonly endpointTlsMbps?: number;
  /**
   * Readies legs new to the run before their first round (the HTTP ramp, the ndt7 probe),
   * and re-plans the sizes of all `active` legs for what is left of the budget. Each leg's
   * own work runs inside `guard`, which drops a failing diagnosis leg and lets the rest go on.
   */
  prepare(fresh: LegSpec[], active: LegSpec[], ctx: DriverContext, guard: LegGuard): Promise<void>;
  /**
   * What one more round of these legs is expected to cost. `asRead`: at the size each leg
   * would have to run at to be read at all (a cheap upload that the path's round trips would
   * leave unreadable grows); a driver without such legs ignores it.
   */
  roundCost(legs: LegSpec[], asRead?: boolean): { bytes: number; ms: number };
  /**
   * The line as these legs' transfers have measured it so far: the fastest leg's rate, the
   * path's round trip and the transfer duration the sizer aims at (fast-line.ts), with how
   * many of the legs that duration sizes and what a round of the others (cheap uploads, whose
   * size is held) costs in bytes. Undefined before a leg has moved enough to tell, or where
   * transfer sizes are not the driver's to set.
   */
  lineEstimate?(legs: LegSpec[]): LineEstimate | undefined;
  /** Sizes these legs' transfers to last about targetMs from now on (time-capped transfers). */
  limitTransfers?(legs: LegSpec[], targetMs: number): void;
  /**
   * Before each round: the legs of one direction that read alike move the same bytes in it
   * (the HTTP driver's sizes; where sizes are not the driver's to set, absent).
   */
  shareSizes?(legs: LegSpec[]): void;
  /** Shrinks the next transfers so that `rounds` more rounds fit what is left of the budget; true when it did. */
  fitToBudget?(legs: LegSpec[], ctx: DriverContext, rounds: number): boolean;
  /** One transfer of a leg in a round. */
  measure(leg: LegSpec, round: number, ctx: DriverContext): Promise<Measured>;
  /**
   * After every leg of a round has run, and before the round is compared: checks that need
   * the whole round (a mirror's plaintext ranges against the same bytes over TLS).
   */
  endRound?(ctx: DriverContext): Promise<void>;
  /**
   * Whether the plan's references fit beside the legs measured so far, and the transfer each
   * full-size leg could then make against the one it wants; undefined while it cannot tell yet
   * (asked again after the next round). A driver without it: they fit.
   */
  referencesFit?(references: LegSpec[], ctx: DriverContext): { fits: boolean; transferBytes: number; wantedBytes: number } | undefined;
  /**
   * Lifts the size cap of a leg held cheap until its pair showed a difference (an upload leg
   * of the HTTP driver): its transfers then follow the usual target. Asked again while its
   * transfers stay too short to read, it lifts the cap with the rates they read.
   */
  growLeg?(leg: LegSpec): void;
  /** Asks for transfers of at least this many bytes on a leg; false where it cannot. */
  lengthenFlow(leg: LegSpec, bytesPerTransfer: number): boolean;
  /**
   * After complete rounds, whether this error ends the run keeping them (a server that stops
   * cooperating ends the run, not the answer) rather than failing it.
   */
  keepsRoundsOn(err: unknown): boolean;
  /**
   * Whether this error means the server is no use at all (it refused before any round): the
   * provider then tries another server, so not even a diagnosis leg may absorb it.
   */
  abandonsServer?(err: unknown): boolean;
  /**
   * The decision for a plan with pairs the default one (decision.ts decide) does not know: a
   * run by server name (../sni/sni-decision.ts). Absent: decide().
   */
  decide?(input: DecisionInput): Decision;
}
