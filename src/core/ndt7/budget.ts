// How long each ndt7 test may run. M-Lab's tests last 10 s, which at 100 Mbit/s is 125 MB a
// test: a run of interleaved, repeated tests must cut each one short (the client may close
// early) so that the whole run stays within the same byte and time budget as the HTTP runner.
// Each test ends at the first of its time and byte allowances, so a line faster than expected
// can never overspend.
import { MIN_ROUNDS } from '../interval-rule.js';
import { NDT7_DEFAULT_RUNTIME_MS } from './protocol.js';

/** Rounds planned for: the fewest that allow a 95% interval, and two to spare. */
export const TARGET_ROUNDS = MIN_ROUNDS + 2;
/** Shorter tests measure TCP's slow start more than the line. */
export const MIN_TEST_MS = 1_000;
/** The warm-up test of each leg, which also tells the line's rate. */
export const PROBE_TEST_MS = 1_000;
/** Below this a test is mostly its first message. */
export const MIN_TEST_BYTES = 256 * 1024;

export interface TestAllowance {
  durationMs: number;
  maxBytes: number;
  /** Bytes a test moves beyond maxBytes: those still on the way when the client closes. */
  overheadBytes: number;
}

export interface AllowanceInput {
  remainingMs: number;
  remainingBytes: number;
  /** Legs measured in each round. */
  legs: number;
  /** Rounds the allowance must last. */
  rounds: number;
  /** Connecting and closing, per test. */
  overheadMs: number;
  /** Bytes that arrive after the client's Close, per test. */
  overheadBytes: number;
}

/** An equal share of what is left for each test of the coming rounds. */
export function testAllowance(i: AllowanceInput): TestAllowance {
  const tests = Math.max(1, i.legs * i.rounds);
  const durationMs = Math.min(NDT7_DEFAULT_RUNTIME_MS, Math.max(MIN_TEST_MS, i.remainingMs / tests - i.overheadMs));
  const maxBytes = Math.max(MIN_TEST_BYTES, Math.floor(i.remainingBytes / tests - i.overheadBytes));
  return { durationMs: Math.round(durationMs), maxBytes, overheadBytes: i.overheadBytes };
}

/** Can one more round of these tests be paid for in full? */
export function affordRound(
  allowances: TestAllowance[],
  overheadMs: number,
  spent: { elapsedMs: number; bytes: number },
  budget: { maxDurationMs: number; budgetBytes: number },
): boolean {
  const ms = allowances.reduce((s, a) => s + a.durationMs + overheadMs, 0);
  const bytes = allowances.reduce((s, a) => s + a.maxBytes + a.overheadBytes, 0);
  return spent.elapsedMs + ms <= budget.maxDurationMs && spent.bytes + bytes <= budget.budgetBytes;
}
