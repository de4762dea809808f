import { runMeasurement } from '../core/runner.js';
import type { Progress, Result } from '../core/types.js';
import type { RunArgs } from './args.js';
import { formatHuman } from './format.js';
import { measureClientTlsCapacityMbps } from './client-capacity.js';
import { nodeClock, nodeFetch, nodeHasher } from './node-io.js';
import { submitRunReport } from './report-submit.js';

/** A live progress line on stderr: rewritten in place on a terminal, one line per transfer elsewhere. */
function progressPrinter(stream: NodeJS.WriteStream): (p: Progress) => void {
  const tty = stream.isTTY;
  return (p) => {
    if (p.phase === 'info') return void stream.write('Asking the endpoint what it offers...\n');
    if (p.phase === 'done') return void (tty && stream.write('\n'));
    if (!p.leg) return;
    const line = `${p.phase === 'ramp' ? 'sizing' : `round ${p.round}`} ${p.leg}: ${((p.bytes ?? 0) / 1e6).toFixed(1)} MB at ${(p.mbps ?? 0).toFixed(1)} Mbit/s, budget ${Math.round(p.budgetShare * 100)}%`;
    if (tty) stream.write(`\r\x1b[2K${line}`);
    else if (p.transferDone) stream.write(`${line}\n`);
  };
}

export interface RunOutcome {
  result: Result;
  exitCode: number;
}

export async function runCommand(args: RunArgs, signal?: AbortSignal): Promise<RunOutcome> {
  const io = nodeFetch({ caFile: args.ca, insecure: args.insecure });
  try {
    const result = await runMeasurement(
      {
        fetch: io.fetch,
        clock: nodeClock,
        hasher: nodeHasher,
        random: Math.random,
        clientTlsCapacityMbps: () => measureClientTlsCapacityMbps(),
        signal,
        onProgress: args.json ? undefined : progressPrinter(process.stderr),
      },
      {
        url: args.url,
        httpPort: args.httpPort,
        httpsPort: args.httpsPort,
        diagnose: args.diagnose ? 'always' : 'auto',
        budgetBytes: args.budgetMb * 1e6,
        maxDurationMs: args.maxSeconds * 1000,
      },
    );
    if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(`${formatHuman(result)}\n`);
    // After the output, and whatever it gives, the exit code below stays the run's.
    if (args.report) await submitRunReport(result, args.report, { caFile: args.ca, insecure: args.insecure }, process.stderr);
    return { result, exitCode: result.verdict === 'failed' ? 3 : 0 };
  } finally {
    await io.close();
  }
}
