import { anySignal, deadlineFetch, deadlineWebSocket, startRunDeadline, type RunDeadline } from '../core/deadline-fetch.js';
import type { FetchLike } from '../core/io.js';
import { runNdt7Measurement } from '../core/ndt7/run.js';
import { runMeasurement } from '../core/runner.js';
import { runDurations } from '../core/time-budget.js';
import type { Result } from '../core/types.js';
import type { RunArgs } from './args.js';
import { formatHuman, OUTPUT_TEXT_MAX_CHARS, printableResult } from './format.js';
import { safeText } from '../core/safe-text.js';
import { nodeClock, nodeFetch } from './node-io.js';
import { nodeRunDeps } from './run-deps.js';
import { nodeWebSocketFactory } from './node-websocket.js';
import { reportTimeoutMs, submitRunReport } from './report-submit.js';
import { runAuto, serverList } from './auto-choice.js';
import { runSniCommand } from './sni-command.js';
import { budgetRaisedLine, preRunBudgetLine, preRunTimeLine, timeExtendedLine } from './budget-text.js';


/** Set by build.mjs from package.json. */
declare const __VERSION__: string;

export interface RunOutcome {
  result: Result;
  exitCode: number;
}

/** `run mlab`: the same verdict from M-Lab's ndt7 servers (ws:// against wss://). */
async function runMlab(args: RunArgs, fetch: FetchLike, deadline: RunDeadline, signal?: AbortSignal): Promise<Result> {
  process.stderr.write('M-Lab publishes the data of this test, your IP address included (accepted with --accept-mlab-policy).\n');
  // The ndt7 tests listen to the run's signal: at the deadline each ends with its reason.
  const linked = anySignal([signal, deadline.signal]);
  try {
    return await runNdt7Measurement(
      {
        fetch,
        webSocket: deadlineWebSocket(nodeWebSocketFactory({ caFile: args.ca, insecure: args.insecure }), deadline),
        ...nodeRunDeps(args, deadline, linked.signal, "Asking M-Lab's locate service for nearby servers..."),
      },
      {
        locateUrl: args.locateUrl,
        clientVersion: typeof __VERSION__ === 'string' ? __VERSION__ : 'dev',
        diagnose: args.diagnose ? 'always' : 'auto',
        budgetBytes: args.budgetMb * 1e6,
        ...runDurations(args.maxSeconds * 1000),
        stoppingRule: args.stoppingRule,
      },
    );
  } finally {
    linked.unlink();
  }
}

/** A line about servers tried: their names and answers come from the network. */
const printableLine = (line: string) => safeText(line, OUTPUT_TEXT_MAX_CHARS);

export async function runCommand(args: RunArgs, signal?: AbortSignal): Promise<RunOutcome> {
  if (args.sni) return runSniCommand(args, signal);
  // One deadline for every request of the run, /info to the last transfer: --max-seconds is
  // a promise to the user whatever the endpoint or the path does (core/deadline-fetch.ts).
  const limitMs = args.maxSeconds * 1000;
  const deadline = startRunDeadline(nodeClock, limitMs);
  const io = nodeFetch({ caFile: args.ca, insecure: args.insecure, resolve: args.resolve }, limitMs);
  // Ctrl-C reaches every request too, /info included.
  const fetch = deadlineFetch(io.fetch, deadline, { cancel: signal });
  try {
    // A fast line may raise the budget up to --max-budget-mb: said before the run, and again,
    // with the measured rate, before a round spends more than --budget-mb (core/fast-line.ts).
    const extraBytes = (args.maxBudgetMb - args.budgetMb) * 1e6;
    const before = [args.url === 'mlab' ? undefined : preRunBudgetLine(args.budgetMb * 1e6, args.maxBudgetMb * 1e6), preRunTimeLine(runDurations(limitMs))];
    for (const line of before) if (line) process.stderr.write(`${line}\n`);
    const measure = (url: string, budgetBytes: number) =>
      runMeasurement(
        {
          fetch,
          endsConnections: io.endsConnections,
          ...nodeRunDeps(args, deadline, signal),
          remoteAddressOf: io.remoteAddressOf,
          onBudgetRaised: (r) => process.stderr.write(`${process.stderr.isTTY && !args.json ? '\r\x1b[2K' : ''}${budgetRaisedLine(r)}\n`),
          onTimeExtended: (t) => process.stderr.write(`${process.stderr.isTTY && !args.json ? '\r\x1b[2K' : ''}${timeExtendedLine(t)}\n`),
        },
        {
          url,
          httpPort: args.httpPort,
          httpsPort: args.httpsPort,
          diagnose: args.diagnose ? 'always' : 'auto',
          budgetBytes,
          capBytes: budgetBytes + extraBytes,
          ...runDurations(limitMs),
          stoppingRule: args.stoppingRule,
        },
      );
    const result =
      args.url === 'mlab'
        ? await runMlab(args, fetch, deadline, signal)
        : args.url === 'auto'
          ? await runAuto({ ...io, fetch }, await serverList(args.servers), measure, args.budgetMb * 1e6, (line) => process.stderr.write(`${printableLine(line)}\n`), signal)
          : await measure(args.url, args.budgetMb * 1e6);
    if (args.url === 'auto' && result.verdict === 'failed' && !args.json) {
      process.stderr.write(
        'Next: name a large file that a server offers over both http and https (tls-throttle run https://host/path/file),\n' +
          'run an endpoint of your own (tls-throttle serve, README "Deploying an endpoint"), or use M-Lab (tls-throttle run mlab).\n',
      );
    }
    // Whatever text in it came from the network, nothing reaches the terminal raw.
    if (args.json) process.stdout.write(`${JSON.stringify(printableResult(result))}\n`);
    else process.stdout.write(`${formatHuman(result)}\n`);
    // After the output, and whatever it gives, the exit code below stays the run's.
    if (args.report) {
      await submitRunReport(result, args.report, { caFile: args.ca, insecure: args.insecure }, process.stderr, reportTimeoutMs(deadline.remainingMs()));
    }
    return { result, exitCode: result.verdict === 'failed' ? 3 : 0 };
  } finally {
    deadline.dispose();
    await io.close();
  }
}
