// `tls-throttle run <endpoint> --sni NAME[,NAME...] --accept-sni-risk`: one run by server name
// per NAME (core/sni/sni-runner.ts), each with the whole time and byte budget, one after the
// other. Plaintext and /info go over the ordinary connections (node-io.ts); each TLS leg over
// a connection of its own that sends its server name and accepts only the endpoint's pinned
// certificate (sni-io.ts).
import { deadlineFetch, startRunDeadline } from '../core/deadline-fetch.js';
import { runErrorOf } from '../core/engine/engine.js';
import { failedResult } from '../core/engine/result.js';
import { runSniMeasurement } from '../core/sni/sni-runner.js';
import { runDurations } from '../core/time-budget.js';
import type { Result } from '../core/types.js';
import { timeExtendedLine } from './budget-text.js';
import type { RunArgs } from './args.js';
import { formatHuman, printableResult } from './format.js';
import { nodeClock, nodeFetch } from './node-io.js';
import { reportTimeoutMs, submitRunReport } from './report-submit.js';
import type { RunOutcome } from './run-command.js';
import { nodeRunDeps } from './run-deps.js';
import { learnEndpointPin, pinnedFetches, type EndpointPin } from './sni-io.js';

/** The pin's /info: one request, never longer than this. */
const PIN_TIMEOUT_MS = 10_000;

async function runOneName(args: RunArgs, name: string, pin: EndpointPin, signal?: AbortSignal): Promise<Result> {
  const limitMs = args.maxSeconds * 1000;
  const deadline = startRunDeadline(nodeClock, limitMs);
  const trust = { caFile: args.ca, resolve: args.resolve };
  const io = nodeFetch({ ...trust, insecure: false }, limitMs);
  try {
    const pools = pinnedFetches(trust, pin, limitMs);
    try {
      return await runSniMeasurement(
        {
          fetch: deadlineFetch(io.fetch, deadline, { cancel: signal }),
          fetchForName: (serverName) => deadlineFetch(pools.forName(serverName).fetch, deadline, { cancel: signal }),
          ...nodeRunDeps(args, deadline, signal),
          onTimeExtended: (t) => process.stderr.write(`${process.stderr.isTTY && !args.json ? '\r\x1b[2K' : ''}${timeExtendedLine(t)}\n`),
        },
        {
          url: args.url,
          name,
          httpPort: args.httpPort,
          httpsPort: args.httpsPort,
          diagnose: 'never',
          budgetBytes: args.budgetMb * 1e6,
          ...runDurations(limitMs),
          stoppingRule: args.stoppingRule,
        },
      );
    } finally {
      await pools.close();
    }
  } finally {
    deadline.dispose();
    await io.close();
  }
}

export async function runSniCommand(args: RunArgs, signal?: AbortSignal): Promise<RunOutcome> {
  const names = args.sni ?? [];
  const results: Result[] = [];
  let pin: EndpointPin | undefined;
  try {
    pin = await learnEndpointPin(args.url, { caFile: args.ca, resolve: args.resolve }, Math.min(PIN_TIMEOUT_MS, args.maxSeconds * 1000));
  } catch (err) {
    const detail = `the endpoint's certificate could not be learned over a verified connection to ${args.url}: ${(err as Error).message}`;
    results.push(failedResult(args.url, { code: runErrorOf(err).code === 'aborted' ? 'aborted' : 'unreachable', detail }));
  }
  for (const name of pin ? names : []) {
    if (signal?.aborted) break;
    if (!args.json) process.stderr.write(`Server name ${name}: TLS naming it against TLS naming a control name, and plaintext...\n`);
    const result = await runOneName(args, name, pin!, signal);
    results.push(result);
    if (!args.json) process.stdout.write(`${formatHuman(result)}\n${names.length > 1 ? '\n' : ''}`);
    if (args.report) {
      await submitRunReport(result, args.report, { caFile: args.ca, insecure: false }, process.stderr, reportTimeoutMs(args.maxSeconds * 1000));
    }
  }
  if (!pin && !args.json) process.stdout.write(`${formatHuman(results[0]!)}\n`);
  // One name prints the Result, as every run does; several print an array of them.
  if (args.json) {
    const printable = results.map(printableResult);
    process.stdout.write(`${JSON.stringify(printable.length === 1 ? printable[0] : printable)}\n`);
  }
  const failed = results.some((r) => r.verdict === 'failed');
  return { result: results[0]!, exitCode: failed || !results.length ? 3 : 0 };
}
