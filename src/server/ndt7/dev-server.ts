// A local M-Lab for development and tests: an ndt7 server answering ws:// and wss:// on every
// listed port, and a local locate server whose URLs point at it with fresh tokens, so that
// `tls-throttle run mlab --locate-url <locateUrl> --ca <ca>` runs with no internet.
// Runnable as a script, as `tls-throttle serve` is for the HTTP endpoint:
//   npx tsx src/server/ndt7/dev-server.ts --ports 8080,8443 [--host 127.0.0.1] [--locate-port 8000]
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { devCertificate } from '../dev-ca.js';
import { startLocalLocate, type LocalLocate } from './local-locate.js';
import { startNdt7Server, type Ndt7Server, type Ndt7ServerOptions } from './ndt7-server.js';
import { TokenStore } from './tokens.js';

export interface MlabDevServerOptions extends Omit<Ndt7ServerOptions, 'tokens'> {
  /** The name the local locate server gives the machine (Result.endpoint is `mlab:<machine>`). */
  machine?: string;
  locatePort?: number;
  tokenTtlMs?: number;
}

export interface MlabDevServer {
  ndt7: Ndt7Server;
  locate: LocalLocate;
  tokens: TokenStore;
  close(): Promise<void>;
}

export async function startMlabDevServer(opts: MlabDevServerOptions): Promise<MlabDevServer> {
  const tokens = new TokenStore();
  const ndt7 = await startNdt7Server({ ...opts, tokens });
  // ws:// on the first port and wss:// on the last, as M-Lab's 80 and 443 (one port serves both).
  const wsPort = ndt7.ports[0]!;
  const wssPort = ndt7.ports[ndt7.ports.length - 1]!;
  let locate: LocalLocate;
  try {
    locate = await startLocalLocate({
      host: opts.host,
      port: opts.locatePort,
      tokens,
      tokenTtlMs: opts.tokenTtlMs,
      machines: () => [{ machine: opts.machine ?? 'mlab-dev', host: opts.host, wsPort, wssPort }],
    });
  } catch (err) {
    await ndt7.close(0);
    throw err;
  }
  return {
    ndt7,
    locate,
    tokens,
    async close() {
      await locate.close();
      await ndt7.close(0);
    },
  };
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ports: { type: 'string', default: '8080,8443' },
      host: { type: 'string', default: '127.0.0.1' },
      'locate-port': { type: 'string', default: '0' },
      'data-dir': { type: 'string', default: join(tmpdir(), 'tls-throttle-ndt7-dev') },
    },
  });
  const dev = await devCertificate(values['data-dir']!, [values.host!]);
  const server = await startMlabDevServer({
    host: values.host!,
    ports: values.ports!.split(',').map(Number),
    locatePort: Number(values['locate-port']),
    certPem: dev.certPem,
    keyPem: dev.keyPem,
  });
  process.stdout.write(
    `ndt7 server on ports ${server.ndt7.ports.join(', ')} (ws and wss on each)\n` +
      `tls-throttle run mlab --accept-mlab-policy --locate-url ${server.locate.url} --ca ${dev.caPath}\n`,
  );
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`ndt7 dev server: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
