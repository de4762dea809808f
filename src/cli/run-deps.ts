// What every kind of CLI run (`run`, `run auto`, `run mlab`, `run --sni`) gives the measuring
// core from Node: the clock, the payload hasher, randomness, this computer's own TLS capacity
// (decision.ts rule 10), the user's Ctrl-C, the run's one deadline, and the progress line on
// stderr. One place, so the kinds of run cannot drift apart.
import type { RunDeadline } from '../core/deadline-fetch.js';
import type { Progress } from '../core/types.js';
import type { RunArgs } from './args.js';
import { measureClientTlsCapacityMbps } from './client-capacity.js';
import { nodeClock, nodeHasher } from './node-io.js';

/** A live progress line on stderr: rewritten in place on a terminal, one line per transfer elsewhere. */
export function progressPrinter(stream: NodeJS.WriteStream, infoLine = 'Asking the endpoint what it offers...'): (p: Progress) => void {
  const tty = stream.isTTY;
  return (p) => {
    if (p.phase === 'info') return void stream.write(`${infoLine}\n`);
    if (p.phase === 'done') return void (tty && stream.write('\n'));
    if (!p.leg) return;
    const line = `${p.phase === 'ramp' ? 'sizing' : `round ${p.round}`} ${p.leg}: ${((p.bytes ?? 0) / 1e6).toFixed(1)} MB at ${(p.mbps ?? 0).toFixed(1)} Mbit/s, budget ${Math.round(p.budgetShare * 100)}%`;
    if (tty) stream.write(`\r\x1b[2K${line}`);
    else if (p.transferDone) stream.write(`${line}\n`);
  };
}

/** The Node side of a run's dependencies; the caller adds its fetch (or WebSocket) and callbacks. */
export function nodeRunDeps(args: Pick<RunArgs, 'json'>, deadline: RunDeadline, signal: AbortSignal | undefined, infoLine?: string) {
  return {
    clock: nodeClock,
    hasher: nodeHasher,
    random: Math.random,
    clientTlsCapacityMbps: () => measureClientTlsCapacityMbps(),
    signal,
    deadline,
    onProgress: args.json ? undefined : progressPrinter(process.stderr, infoLine),
  };
}
