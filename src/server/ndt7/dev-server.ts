// A local M-Lab for development and tests: an ndt7 server answering ws:// and wss:// on every
// listed port, and a locate stub whose URLs point at it with fresh tokens, so that
// `tls-throttle run mlab --locate-url <locateUrl> --ca <ca>` runs with no internet.
import { startLocateStub, type LocateStub } from './locate-stub.js';
import { startNdt7Server, type Ndt7Server, type Ndt7ServerOptions } from './ndt7-server.js';
import { TokenStore } from './tokens.js';

export interface MlabDevServerOptions extends Omit<Ndt7ServerOptions, 'tokens'> {
  /** The name the locate stub gives the machine (Result.endpoint is `mlab:<machine>`). */
  machine?: string;
  locatePort?: number;
  tokenTtlMs?: number;
}

export interface MlabDevServer {
  ndt7: Ndt7Server;
  locate: LocateStub;
  tokens: TokenStore;
  close(): Promise<void>;
}

export async function startMlabDevServer(opts: MlabDevServerOptions): Promise<MlabDevServer> {
  const tokens = new TokenStore();
  const ndt7 = await startNdt7Server({ ...opts, tokens });
  // ws:// on the first port and wss:// on the last, as M-Lab's 80 and 443 (one port serves both).
  const wsPort = ndt7.ports[0]!;
  const wssPort = ndt7.ports[ndt7.ports.length - 1]!;
  let locate: LocateStub;
  try {
    locate = await startLocateStub({
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
