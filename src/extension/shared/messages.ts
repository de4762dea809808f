// The one typed message API between the popup and the background (docs/architecture.md, convention 3):
// commands go from a page to the background; events come back as broadcasts.
import type { BudgetRaised } from '../../core/engine/engine.js';
import type { Progress, Verdict } from '../../core/types.js';
import type { EndpointRef } from './endpoints.js';

export type Trigger = 'manual' | 'scheduled';

export interface LegProgress {
  mbps: number;
  bytes: number;
}

export interface ProgressView {
  phase: Progress['phase'];
  round: number;
  /** Share of the run's byte or time budget spent, 0..1. */
  budgetShare: number;
  /** The leg transferring now. */
  leg?: string;
  /** Latest Mbit/s of each leg seen so far (the last finished transfer's goodput, or live). */
  legs: Record<string, LegProgress>;
  /**
   * Present once the run raised its data budget for the line it measured (core/fast-line.ts;
   * engine.ts onBudgetRaised): the line's rate, the budget from then on, and the cap it may
   * grow to. The CLI says the same on stderr before the rounds spend it.
   */
  budgetRaised?: BudgetRaisedView;
}

/** The engine's announcement (engine.ts BudgetRaised), as much of it as the popup shows. */
export type BudgetRaisedView = Pick<BudgetRaised, 'lineMbps' | 'budgetBytes' | 'capBytes'>;

export type RunState =
  | { status: 'idle'; error?: string }
  | { status: 'running'; runId: string; trigger: Trigger; endpoint: EndpointRef; startedAt: number; progress: ProgressView; sniName?: string };

/** What the popup learns before offering a run by server name (src/core/sni/zone-names.ts). */
export type SniZoneAnswer = { zone: string } | { error: string };

export interface Commands {
  /**
   * Starts a test, or joins the one running (one test at a time). With `sniName` (a name of
   * the built-in list, src/core/sni/names.ts), a run by server name under the endpoint's
   * wildcard zone: the popup asks for it only after the user accepted that the ISP sees it.
   */
  runTest: { request: { endpointId?: string; sniName?: string }; response: RunState };
  /** The endpoint's wildcard zone, read from its /info, or why there is none. */
  sniZone: { request: { endpointId?: string }; response: SniZoneAnswer };
  cancelTest: { request: Record<string, never>; response: RunState };
  getState: { request: Record<string, never>; response: RunState };
}
export type CommandName = keyof Commands;
export type CommandMessage = { [K in CommandName]: { command: K } & Commands[K]['request'] }[CommandName];

export type BackgroundEvent =
  | { event: 'state'; state: RunState }
  | { event: 'finished'; runId: string; verdict: Verdict };

const COMMANDS: readonly CommandName[] = ['runTest', 'sniZone', 'cancelTest', 'getState'];

export function isCommandMessage(m: unknown): m is CommandMessage {
  if (typeof m !== 'object' || m === null) return false;
  const c = (m as { command?: unknown }).command;
  if (!COMMANDS.includes(c as CommandName)) return false;
  const { endpointId, sniName } = m as { endpointId?: unknown; sniName?: unknown };
  return (endpointId === undefined || typeof endpointId === 'string') && (sniName === undefined || typeof sniName === 'string');
}

export function isBackgroundEvent(m: unknown): m is BackgroundEvent {
  if (typeof m !== 'object' || m === null) return false;
  const e = (m as { event?: unknown }).event;
  return e === 'state' || e === 'finished';
}

/** Sends one command and types its answer. */
export async function sendCommand<K extends CommandName>(
  send: (message: unknown) => Promise<unknown>,
  command: K,
  request: Commands[K]['request'],
): Promise<Commands[K]['response']> {
  const answer = await send({ command, ...request });
  if (answer === undefined) throw new Error(`the background did not answer ${command}`);
  return answer as Commands[K]['response'];
}
