// A local M-Lab for tests: an ndt7 server (ws and wss on one port), a locate server listing it,
// and optionally a pacing proxy in front so that the run sees a line of a chosen rate.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeClock, nodeFetch } from '../../../src/cli/node-io.js';
import { nodeWebSocketFactory } from '../../../src/cli/node-websocket.js';
import { runNdt7Measurement, type Ndt7Deps, type Ndt7Options } from '../../../src/core/ndt7/run.js';
import { devCertificate } from '../../../src/server/dev-ca.js';
import { startLocalLocate, type LocalMachine } from '../../../src/server/ndt7/local-locate.js';
import { startNdt7Server, type Ndt7Server, type Ndt7ServerOptions } from '../../../src/server/ndt7/ndt7-server.js';
import { TokenStore } from '../../../src/server/ndt7/tokens.js';
import { startPacingProxy, type PacingProxy, type PacingProxyOptions } from '../../support/pacing-proxy.js';

export type Shaping = Omit<PacingProxyOptions, 'targetHost' | 'targetPort' | 'listenHost' | 'listenPort'>;

export interface LabMachine {
  name: string;
  server?: Partial<Omit<Ndt7ServerOptions, 'tokens' | 'certPem' | 'keyPem' | 'host' | 'ports'>>;
  shaping?: Shaping;
}

export async function startNdt7Lab(machines: LabMachine[], tokenTtlMs = 60_000) {
  const dir = mkdtempSync(join(tmpdir(), 'ttd-ndt7-'));
  const dev = await devCertificate(dir, []);
  const tokens = new TokenStore();
  const servers: Ndt7Server[] = [];
  const proxies: PacingProxy[] = [];
  const listed: LocalMachine[] = [];
  for (const m of machines) {
    const server = await startNdt7Server({ host: '127.0.0.1', ports: [0], certPem: dev.certPem, keyPem: dev.keyPem, tokens, ...m.server });
    servers.push(server);
    let port = server.ports[0]!;
    if (m.shaping) {
      // One proxy port for both schemes: it tells TLS from plaintext by the first byte.
      const proxy = await startPacingProxy({ targetHost: '127.0.0.1', targetPort: port, ...m.shaping });
      proxies.push(proxy);
      port = proxy.port;
    }
    listed.push({ machine: m.name, host: '127.0.0.1', wsPort: port, wssPort: port });
  }
  const locate = await startLocalLocate({ host: '127.0.0.1', tokens, machines: () => listed, tokenTtlMs });
  return {
    caPath: dev.caPath,
    tokens,
    servers,
    proxies,
    locate,
    async run(opts: Partial<Ndt7Options> = {}, deps: Partial<Ndt7Deps> = {}) {
      const io = nodeFetch({});
      try {
        return await runNdt7Measurement(
          { fetch: io.fetch, webSocket: nodeWebSocketFactory({ caFile: dev.caPath }), clock: nodeClock, random: Math.random, ...deps },
          { locateUrl: locate.url, diagnose: 'never', budgetBytes: 80e6, maxDurationMs: 40_000, clientVersion: 'test', ...opts },
        );
      } finally {
        await io.close();
      }
    },
    async close() {
      await locate.close();
      for (const p of proxies) await p.close();
      for (const s of servers) await s.close(0);
    },
  };
}
