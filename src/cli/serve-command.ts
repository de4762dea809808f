import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { acmeManager, type AcmeManager } from '../server/acme/acme-manager.js';
import { commandDnsHook } from '../server/acme/dns-hook.js';
import { devCertificate } from '../server/dev-ca.js';
import { startEndpointServer } from '../server/endpoint-server.js';
import type { RouteHandler } from '../server/http-util.js';
import type { ServeArgs } from './args.js';

declare const __VERSION__: string;

export function defaultDataDir(): string {
  return process.env.TTD_DATA_DIR ?? join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'tls-throttle');
}

export interface Served {
  ports: number[];
  caPath?: string;
  close(): Promise<void>;
}

export async function serveCommand(args: ServeArgs, log: (line: string) => void = console.log): Promise<Served> {
  const dataDir = args.dataDir ?? defaultDataDir();
  let certPem: string;
  let keyPem: string;
  let caPath: string | undefined;
  if (args.cert && args.key) {
    certPem = await readFile(args.cert, 'utf8');
    keyPem = await readFile(args.key, 'utf8');
  } else {
    // With ACME, the development certificate is served only until the CA's first one arrives.
    const dev = await devCertificate(dataDir, [args.host, ...(args.acmeDomain ? [args.acmeDomain] : []), ...(args.sniZone ? [`*.${args.sniZone}`] : [])]);
    ({ certPem, keyPem, caPath } = dev);
  }
  const routes: RouteHandler[] = [];
  let acme: AcmeManager | undefined;
  let setCertificate: (certPem: string, keyPem: string) => void = () => undefined;
  if (args.acmeDomain) {
    acme = acmeManager({
      domain: args.acmeDomain,
      sniZone: args.sniZone,
      dnsHook: args.acmeDnsHook ? commandDnsHook(args.acmeDnsHook) : undefined,
      email: args.acmeEmail,
      directoryUrl: args.acmeDirectory,
      dataDir,
      retryMinMs: args.acmeRetrySeconds === undefined ? undefined : args.acmeRetrySeconds * 1000,
      log,
      onCertificate: (cert, key) => setCertificate(cert, key),
    });
    routes.push(acme.route);
  }
  let closeCollector = async () => undefined as void;
  if (args.collector) {
    const { startCollector } = await import('../server/collector/index.js');
    const collector = await startCollector({ dataDir, log });
    routes.push(collector.route);
    closeCollector = () => collector.close();
  }
  const server = await startEndpointServer({
    host: args.host,
    ports: args.ports,
    certPem,
    keyPem,
    version: typeof __VERSION__ === 'string' ? __VERSION__ : 'dev',
    limits: args.maxMb ? { maxBytes: Math.round(args.maxMb * 1024 * 1024) } : undefined,
    routes,
    sniZone: args.sniZone,
  });
  setCertificate = (cert, key) => server.setCertificate(cert, key);
  if (acme) {
    try {
      if ((await acme.start()).stored) caPath = undefined;
    } catch (err) {
      await server.close();
      await closeCollector();
      throw err;
    }
  }
  const hostForUrl = args.host.includes(':') ? `[${args.host}]` : args.host === '0.0.0.0' ? '127.0.0.1' : args.host;
  log(`TLS Throttle Detector endpoint on ${args.host}, ports ${server.ports.join(', ')} (TLS and plain HTTP on each)`);
  log(`TLS capacity of this endpoint: ${Math.round(server.tlsCapacityMbps)} Mbit/s`);
  if (caPath) log(`Development CA: ${caPath}${acme ? ' (until the ACME certificate arrives)' : ''}`);
  if (args.sniZone) log(`Wildcard zone for runs by server name: *.${args.sniZone} (advertised in /info; its DNS must point every name under it here)`);
  if (args.collector) log(`Collector: /v1/reports, /v1/aggregates, /v1/export on the same ports`);
  const tlsPort = server.ports.find((p) => p === 443 || p === 8443) ?? server.ports[0];
  if (acme) log(`Try: tls-throttle run https://${args.acmeDomain}${tlsPort === 443 ? '' : `:${tlsPort}`}`);
  else log(`Try: tls-throttle run https://${hostForUrl}:${tlsPort}${caPath ? ` --ca ${caPath}` : ''}`);
  return {
    ports: server.ports,
    caPath,
    close: async () => {
      acme?.stop();
      await server.close();
      await closeCollector();
    },
  };
}
