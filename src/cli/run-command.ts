import { runNdt7Measurement } from '../core/ndt7/run.js';
import { runMeasurement } from '../core/runner.js';
import type { Progress, Result } from '../core/types.js';
import type { RunArgs } from './args.js';
import { formatHuman } from './format.js';
import { measureClientTlsCapacityMbps } from './client-capacity.js';
import { nodeClock, nodeFetch, nodeHasher } from './node-io.js';
import { nodeWebSocketFactory } from './node-websocket.js';
import { submitRunReport } from './report-submit.js';
import { runAuto, serverList } from './auto-choice.js';

/** Set by build.mjs from package.json. */
declare const __VERSION__: string;

/** A live progress line on stderr: rewritten in place on a terminal, one line per transfer elsewhere. */
function progressPrinter(stream: NodeJS.WriteStream, infoLine = 'Asking the endpoint what it offers...'): (p: Progress) => void {
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

export interface RunOutcome {
  result: Result;
  exitCode: number;
}

/** `run mlab`: the same verdict from M-Lab's ndt7 servers (ws:// against wss://). */
function runMlab(args: RunArgs, fetch: ReturnType<typeof nodeFetch>['fetch'], signal?: AbortSignal): Promise<Result> {
  process.stderr.write('M-Lab publishes the data of this test, your IP address included (accepted with --accept-mlab-policy).\n');
  return runNdt7Measurement(
    {
      fetch,
      webSocket: nodeWebSocketFactory({ caFile: args.ca, insecure: args.insecure }),
      clock: nodeClock,
      random: Math.random,
      clientTlsCapacityMbps: () => measureClientTlsCapacityMbps(),
      signal,
      onProgress: args.json ? undefined : progressPrinter(process.stderr, "Asking M-Lab's locate service for nearby servers..."),
    },
    {
      locateUrl: args.locateUrl,
      clientVersion: typeof __VERSION__ === 'string' ? __VERSION__ : 'dev',
      diagnose: args.diagnose ? 'always' : 'auto',
      budgetBytes: args.budgetMb * 1e6,
      maxDurationMs: args.maxSeconds * 1000,
    },
  );
}

export async function runCommand(args: RunArgs, signal?: AbortSignal): Promise<RunOutcome> {
  const io = nodeFetch({ caFile: args.ca, insecure: args.insecure });
  try {
    const measure = (url: string, budgetBytes: number) =>
      runMeasurement(
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
          url,
          httpPort: args.httpPort,
          httpsPort: args.httpsPort,
          diagnose: args.diagnose ? 'always' : 'auto',
          budgetBytes,
          maxDurationMs: args.maxSeconds * 1000,
        },
      );
    const result =
      args.url === 'mlab'
        ? await runMlab(args, io.fetch, signal)
        : args.url === 'auto'
          ? await runAuto(io, await serverList(args.servers), measure, args.budgetMb * 1e6, (line) => process.stderr.write(`${line}\n`), signal)
          : await measure(args.url, args.budgetMb * 1e6);
    if (args.url === 'auto' && result.verdict === 'failed' && !args.json) {
      process.stderr.write(
        'Next: name a large file that a server offers over both http and https (tls-throttle run https://host/path/file),\n' +
          'run an endpoint of your own (tls-throttle serve, README "Deploying an endpoint"), or use M-Lab (tls-throttle run mlab).\n',
      );
    }
    if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(`${formatHuman(result)}\n`);
    // After the output, and whatever it gives, the exit code below stays the run's.
    if (args.report) await submitRunReport(result, args.report, { caFile: args.ca, insecure: args.insecure }, process.stderr);
    return { result, exitCode: result.verdict === 'failed' ? 3 : 0 };
  } finally {
    await io.close();
  }
}
