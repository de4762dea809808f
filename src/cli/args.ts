// Command-line parsing for `tls-throttle run` and `tls-throttle serve` (docs/architecture.md, "Contracts").
import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { MLAB_PRIVACY_URL } from '../core/ndt7/disclosure.js';
import { isServerName } from '../core/sni/control-name.js';
import { LISTED_SNI_NAMES } from '../core/sni/names.js';
import { DEFAULT_LIMIT_MS, DIAGNOSE_LIMIT_MS } from '../core/time-budget.js';
import { isDomainName } from '../server/acme/acme-store.js';
import { DIRECTORY_USAGE, parseDirectoryArgs, type DirectoryArgs } from './directory-command.js';
import type { StoppingRule } from '../core/decision.js';

const STOPPING_RULES: readonly StoppingRule[] = ['interval', 'repeated-ci'];

export class UsageError extends Error {
  /** false for a mistake the usage text does not help with (a missing file): one line is enough. */
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message);
  }
}

export const USAGE = `Usage:
  tls-throttle run <endpoint-or-file-url> [--json] [--ca FILE | --insecure]
                   [--http-port P] [--https-port P] [--diagnose]
                   [--budget-mb N] [--max-budget-mb N] [--max-seconds N]
                   [--report URL] [--resolve NAME:ADDRESS] [--stopping-rule interval|repeated-ci]
  tls-throttle run <endpoint> --sni NAME[,NAME...]|listed --accept-sni-risk [--json] [--ca FILE] ...
                   (TLS naming NAME against TLS naming a control name, same server and port;
                    "listed" is the built-in list of names that have been throttled)
  tls-throttle run auto [--servers FILE] [--json] [--ca FILE | --insecure] ...
                   (the quickest usable server of the list: config/endpoints.json's by default)
  tls-throttle run mlab --accept-mlab-policy [--json] [--diagnose]
                   [--budget-mb N] [--max-seconds N] [--locate-url URL]
  tls-throttle serve [--ports 8080,8443] [--host H] [--cert F --key F]
                     [--data-dir DIR] [--collector] [--max-mb N]
                     [--acme-domain DOMAIN [--acme-email E] [--acme-directory URL]
                      [--acme-retry-seconds N]]
                     [--sni-zone ZONE [--acme-dns-hook COMMAND]]
                     (every name under ZONE reaches this endpoint, for the extension's
                      runs by server name; with ACME its certificate names *.ZONE, by DNS-01)
${DIRECTORY_USAGE}

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
  /**
   * The most a fast line may raise the budget to (core/fast-line.ts), said before it is spent:
   * FAST_LINE_CAP_MB by default, budgetMb when that is given, never below budgetMb.
   */
  maxBudgetMb: number;
  maxSeconds: number;
  /** How comparisons decide (core/decision.ts StoppingRule); the default rule when absent. */
  stoppingRule?: StoppingRule;
  report?: string;
  /**
   * Connect to ADDRESS whenever the URL names NAME, as curl's --resolve: try an endpoint before
   * its DNS record exists, or one whose name resolves elsewhere. TLS still checks NAME.
   */
  resolve?: { name: string; address: string };
  /** `run mlab`: the locate API to ask (tests point it at a local locate server). */
  locateUrl?: string;
  /** `run auto`: a JSON file listing the servers to choose from (config/endpoints.json's format). */
  servers?: string;
  /** A run by server name (`--sni`): the names to test, one run each. */
  sni?: string[];
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
  /** A certificate for this name from an ACME CA (src/server/acme), instead of --cert/--key. */
  acmeDomain?: string;
  acmeEmail?: string;
  acmeDirectory: string;
  /** The first retry after a failed order, in seconds; doubled on each further failure. */
  acmeRetrySeconds?: number;
  /** Advertised in /info; the certificate must name `*.ZONE` (dev and ACME certificates do). */
  sniZone?: string;
  /** Program that publishes the DNS-01 TXT record (src/server/acme/dns-hook.ts). */
  acmeDnsHook?: string;
}

/** Let's Encrypt's production directory (RFC 8555 sec. 7.1.1). */
export const LETS_ENCRYPT_DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';

/** What a run by server name shows to the path, in plain words: nothing runs until it is accepted. */
export const SNI_RISK = `A run by server name sends each NAME unencrypted in the TLS ClientHello (the SNI) of
connections from this computer. Your ISP, and anyone else on the path, sees this computer
ask for NAME as if it were visiting it; where that name is blocked, censored or watched,
that can draw attention to you. The data goes only to the endpoint you named, and its
certificate is still checked (pinned to the one it shows under its own name).
Add --accept-sni-risk to run the test on these terms.`;

/** --sni NAME[,NAME...], or "listed" for the built-in list (core/sni/names.ts). */
function sniNames(v: string): string[] {
  const names = v.split(',').map((n) => n.trim().toLowerCase()).filter(Boolean);
  const out = names.flatMap((n) => (n === 'listed' ? [...LISTED_SNI_NAMES] : [n]));
  for (const n of out) if (!isServerName(n)) throw new UsageError(`--sni takes DNS names (e.g. twitter.com), not "${n}"`);
  if (!out.length) throw new UsageError('--sni needs at least one name');
  if (out.length > MAX_SNI_NAMES) throw new UsageError(`--sni takes at most ${MAX_SNI_NAMES} names (got ${out.length})`);
  return [...new Set(out)];
}
const MAX_SNI_NAMES = 8;

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

/**
 * A fast line's default cap: a gigabit line a few milliseconds away plans 16 rounds of two
 * 40 ms transfers, about 170 MB with its ramps (core/fast-line.ts); the rest is headroom for
 * the port swap's third leg.
 */
export const FAST_LINE_CAP_MB = 250;

function positive(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, not "${v}"`);
  return n;
}

function resolveArg(v: string): { name: string; address: string } {
  const at = v.indexOf(':');
  const name = v.slice(0, at).toLowerCase();
  const address = v.slice(at + 1).replace(/^\[(.*)\]$/, '$1');
  if (at <= 0 || !isDomainName(name) || isIP(address) === 0) throw new UsageError(`--resolve takes NAME:ADDRESS (e.g. endpoint.example:192.0.2.1), not "${v}"`);
  return { name, address };
}

export function parseCli(argv: string[]): RunArgs | ServeArgs | DirectoryArgs | { command: 'help' } {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') return { command: 'help' };
  if (command === 'directory') return parseDirectoryArgs(rest);
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
        'max-budget-mb': { type: 'string' },
        'max-seconds': { type: 'string' },
        'stopping-rule': { type: 'string' },
        report: { type: 'string' },
        'locate-url': { type: 'string' },
        resolve: { type: 'string' },
        servers: { type: 'string' },
        'accept-mlab-policy': { type: 'boolean', default: false },
        sni: { type: 'string' },
        'accept-sni-risk': { type: 'boolean', default: false },
        ports: { type: 'string' },
        host: { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        'data-dir': { type: 'string' },
        collector: { type: 'boolean', default: false },
        'max-mb': { type: 'string' },
        'acme-domain': { type: 'string' },
        'acme-email': { type: 'string' },
        'acme-directory': { type: 'string' },
        'acme-retry-seconds': { type: 'string' },
        'sni-zone': { type: 'string' },
        'acme-dns-hook': { type: 'string' },
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
    const sni = v.sni === undefined ? undefined : sniNames(v.sni);
    if (sni) {
      if (mlab || parsed.positionals[0] === 'auto') throw new UsageError('--sni needs an endpoint of ours (tls-throttle serve), not mlab or auto');
      if (!/^https:\/\/[^/]+\/?$/i.test(parsed.positionals[0]!)) throw new UsageError("--sni needs the endpoint's https:// origin (its /info), not a file URL");
      // The pin is learned over an ordinarily verified connection (cli/sni-io.ts): there is none without checks.
      if (v.insecure) throw new UsageError('--sni checks the endpoint by its certificate; it cannot run with --insecure (give --ca)');
      if (v.diagnose) throw new UsageError('--sni and --diagnose exclude each other');
      if (!v['accept-sni-risk']) throw new UsageError(SNI_RISK);
    } else if (v['accept-sni-risk']) throw new UsageError('--accept-sni-risk goes with --sni');
    const budgetMb = positive('budget-mb', v['budget-mb'], 60);
    // An explicit --budget-mb stays a hard bound unless --max-budget-mb allows more.
    const maxBudgetMb = positive('max-budget-mb', v['max-budget-mb'], v['budget-mb'] === undefined ? FAST_LINE_CAP_MB : budgetMb);
    if (maxBudgetMb < budgetMb) throw new UsageError(`--max-budget-mb (${maxBudgetMb}) must be at least --budget-mb (${budgetMb})`);
    const rule = v['stopping-rule'];
    if (rule !== undefined && !STOPPING_RULES.includes(rule as StoppingRule)) throw new UsageError(`--stopping-rule must be one of ${STOPPING_RULES.join(', ')}, not "${rule}"`);
    return {
      command: 'run',
      url: parsed.positionals[0]!,
      json: v.json!,
      ca: v.ca,
      insecure: v.insecure!,
      httpPort: port('http-port', v['http-port']),
      httpsPort: port('https-port', v['https-port']),
      diagnose: v.diagnose!,
      budgetMb,
      maxBudgetMb,
      maxSeconds: positive('max-seconds', v['max-seconds'], (v.diagnose ? DIAGNOSE_LIMIT_MS : DEFAULT_LIMIT_MS) / 1000),
      ...(rule ? { stoppingRule: rule as StoppingRule } : {}),
      report: v.report,
      locateUrl: mlab ? v['locate-url'] : undefined,
      resolve: v.resolve === undefined ? undefined : resolveArg(v.resolve),
      servers: v.servers,
      ...(sni ? { sni } : {}),
    };
  }
  if (command === 'serve') {
    if (parsed.positionals.length) throw new UsageError(`serve takes no URL (got ${parsed.positionals.join(' ')})`);
    if (!!v.cert !== !!v.key) throw new UsageError('--cert and --key go together');
    if (v['acme-domain'] && v.cert) throw new UsageError('--acme-domain and --cert exclude each other');
    for (const o of ['acme-email', 'acme-directory', 'acme-retry-seconds', 'acme-dns-hook'] as const) {
      if (v[o] !== undefined && !v['acme-domain']) throw new UsageError(`--${o} goes with --acme-domain`);
    }
    if (v['acme-domain'] && !isDomainName(v['acme-domain'].toLowerCase())) throw new UsageError(`--acme-domain must be a DNS name, not "${v['acme-domain']}"`);
    if (v['acme-directory'] && !/^https?:\/\//.test(v['acme-directory'])) throw new UsageError(`--acme-directory must be a URL, not "${v['acme-directory']}"`);
    const sniZone = v['sni-zone']?.toLowerCase();
    if (sniZone !== undefined && !isDomainName(sniZone)) throw new UsageError(`--sni-zone must be a DNS name, not "${v['sni-zone']}"`);
    if (v['acme-dns-hook'] !== undefined && !sniZone) throw new UsageError('--acme-dns-hook goes with --sni-zone (a wildcard name is what needs DNS-01)');
    if (sniZone && v['acme-domain'] && !v['acme-dns-hook']) {
      throw new UsageError(`a wildcard certificate (*.${sniZone}) is issued over DNS-01 only: give --acme-dns-hook COMMAND, a program that publishes the TXT record`);
    }
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
      acmeDomain: v['acme-domain']?.toLowerCase(),
      acmeEmail: v['acme-email'],
      acmeDirectory: v['acme-directory'] ?? LETS_ENCRYPT_DIRECTORY,
      acmeRetrySeconds: v['acme-retry-seconds'] === undefined ? undefined : positive('acme-retry-seconds', v['acme-retry-seconds'], 60),
      ...(sniZone ? { sniZone } : {}),
      ...(v['acme-dns-hook'] ? { acmeDnsHook: v['acme-dns-hook'] } : {}),
    };
  }
  throw new UsageError(`unknown command "${command}"`);
}

/** A CA bundle or a certificate is a few hundred kB at most (the system's bundle is ~220 kB). */
export const MAX_PEM_FILE_BYTES = 10 * 1024 * 1024;

function pemFile(option: string, path: string | undefined): void {
  if (path === undefined) return;
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new UsageError(`--${option} ${path}: not a regular file`, false);
    size = st.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new UsageError(`--${option} ${path}: ${why}`, false);
  }
  if (size > MAX_PEM_FILE_BYTES) throw new UsageError(`--${option} ${path}: ${size} bytes is too large for a PEM file (at most ${MAX_PEM_FILE_BYTES})`, false);
}

/**
 * The file arguments, checked before anything runs: a missing --ca is a usage error (exit 2,
 * one line), not a stack trace from deep inside the first request.
 */
export function checkFileArgs(args: RunArgs | ServeArgs): void {
  if (args.command === 'run') pemFile('ca', args.ca);
  else {
    pemFile('cert', args.cert);
    pemFile('key', args.key);
    if (args.dataDir !== undefined) {
      let isDir = true;
      try {
        isDir = statSync(args.dataDir).isDirectory();
      } catch {
        // Missing: the server makes it.
      }
      if (!isDir) throw new UsageError(`--data-dir ${args.dataDir}: not a directory`, false);
    }
  }
}
