// Command-line parsing for `tls-throttle run` and `tls-throttle serve` (design notes, Contracts).
import { parseArgs } from 'node:util';
import { MLAB_PRIVACY_URL } from '../core/ndt7/disclosure.js';

export class UsageError extends Error {}

export const USAGE = `Usage:
  tls-throttle run <endpoint-or-file-url> [--json] [--ca FILE | --insecure]
                   [--http-port P] [--https-port P] [--diagnose]
                   [--budget-mb N] [--max-seconds N] [--report URL]
  tls-throttle run auto [--servers FILE] [--json] [--ca FILE | --insecure] ...
                   (the quickest usable server of the list: config/endpoints.json's by default)
  tls-throttle run mlab --accept-mlab-policy [--json] [--diagnose]
                   [--budget-mb N] [--max-seconds N] [--locate-url URL]
  tls-throttle serve [--ports 8080,8443] [--host H] [--cert F --key F]
                     [--data-dir DIR] [--collector] [--max-mb N]

Exit codes: 0 measured (any verdict), 2 usage error, 3 endpoint unreachable or failed.`;

export interface RunArgs {
  command: 'run';
  url: string;
  json: boolean;
  ca?: string;
  insecure: boolean;
  httpPort?: number;
  httpsPort?: number;
  diagnose: boolean;
  budgetMb: number;
  maxSeconds: number;
  report?: string;
  /** `run mlab`: the locate API to ask (tests point it at a local locate server). */
  locateUrl?: string;
  /** `run auto`: a JSON file listing the servers to choose from (config/endpoints.json's format). */
  servers?: string;
}

export interface ServeArgs {
  command: 'serve';
  ports: number[];
  host: string;
  cert?: string;
  key?: string;
  dataDir?: string;
  collector: boolean;
  maxMb?: number;
}

/** M-Lab's data policy in plain words: nothing runs against M-Lab until the user accepts it. */
export const MLAB_CONSENT = `run mlab measures against Measurement Lab (M-Lab) servers. M-Lab publishes the data of
every test it serves, including your IP address, as open data (${MLAB_PRIVACY_URL}).
Add --accept-mlab-policy to run the test on these terms.`;

function port(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${name} must be a port number, not "${v}"`);
  return n;
}

function positive(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, not "${v}"`);
  return n;
}

export function parseCli(argv: string[]): RunArgs | ServeArgs | { command: 'help' } {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') return { command: 'help' };
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        ca: { type: 'string' },
        insecure: { type: 'boolean', default: false },
        'http-port': { type: 'string' },
        'https-port': { type: 'string' },
        diagnose: { type: 'boolean', default: false },
        'budget-mb': { type: 'string' },
        'max-seconds': { type: 'string' },
        report: { type: 'string' },
        'locate-url': { type: 'string' },
        servers: { type: 'string' },
        'accept-mlab-policy': { type: 'boolean', default: false },
        ports: { type: 'string' },
        host: { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        'data-dir': { type: 'string' },
        collector: { type: 'boolean', default: false },
        'max-mb': { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (command === 'run') {
    if (parsed.positionals.length !== 1) throw new UsageError('run takes exactly one URL');
    if (v.ca && v.insecure) throw new UsageError('--ca and --insecure exclude each other');
    const mlab = parsed.positionals[0] === 'mlab';
    if (!mlab && v['locate-url']) throw new UsageError('--locate-url goes with run mlab');
    if (mlab && !v['accept-mlab-policy']) throw new UsageError(MLAB_CONSENT);
    if (v.servers && parsed.positionals[0] !== 'auto') throw new UsageError('--servers goes with run auto');
    return {
      command: 'run',
      url: parsed.positionals[0]!,
      json: v.json!,
      ca: v.ca,
      insecure: v.insecure!,
      httpPort: port('http-port', v['http-port']),
      httpsPort: port('https-port', v['https-port']),
      diagnose: v.diagnose!,
      budgetMb: positive('budget-mb', v['budget-mb'], 60),
      maxSeconds: positive('max-seconds', v['max-seconds'], 60),
      report: v.report,
      locateUrl: mlab ? v['locate-url'] : undefined,
      servers: v.servers,
    };
  }
  if (command === 'serve') {
    if (parsed.positionals.length) throw new UsageError(`serve takes no URL (got ${parsed.positionals.join(' ')})`);
    if (!!v.cert !== !!v.key) throw new UsageError('--cert and --key go together');
    const ports = (v.ports ?? '8080,8443').split(',').map((p) => port('ports', p.trim())!);
    if (!ports.length) throw new UsageError('--ports needs at least one port');
    return {
      command: 'serve',
      ports,
      host: v.host ?? '127.0.0.1',
      cert: v.cert,
      key: v.key,
      dataDir: v['data-dir'],
      collector: v.collector!,
      maxMb: v['max-mb'] === undefined ? undefined : positive('max-mb', v['max-mb'], 256),
    };
  }
  throw new UsageError(`unknown command "${command}"`);
}
