// `tls-throttle serve`: the test endpoint (and, with --collector, the report collector) on
// every listed port, both schemes on each.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenDual } from './dual-listener.js';
import { endpointRoutes } from './endpoint-routes.js';
import { sendError, type RequestContext, type RouteHandler } from './http-util.js';
import { DEFAULT_LIMITS, type EndpointLimits } from './limits.js';
import { measureTlsCapacityMbps } from './tls-capacity.js';

export interface EndpointServerOptions {
  host: string;
  ports: number[];
  certPem: string;
  keyPem: string;
  version: string;
  limits?: Partial<EndpointLimits>;
  /** Extra routes tried before the endpoint's own (the collector's /v1/...). */
  routes?: RouteHandler[];
  /** Sockets that send nothing for this long are closed (default 30 s). */
  idleMs?: number;
  /** Skip the start-up TLS capacity measurement (reported as 0: unknown). */
  skipCapacityCheck?: boolean;
}

export interface EndpointServer {
  ports: number[];
  tlsCapacityMbps: number;
  close(graceMs?: number): Promise<void>;
  /** New TLS connections get this certificate; running ones keep theirs (a renewal, src/server/acme). */
  setCertificate(certPem: string, keyPem: string): void;
}

export async function startEndpointServer(opts: EndpointServerOptions): Promise<EndpointServer> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  let capacity = 0;
  let boundPorts: number[] = [];
  const routes: RouteHandler[] = [
    ...(opts.routes ?? []),
    endpointRoutes({ version: opts.version, ports: () => boundPorts, limits, tlsCapacityMbps: () => capacity }),
  ];
  const onRequest = (req: IncomingMessage, res: ServerResponse, scheme: 'http' | 'https', port: number) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `${scheme}://endpoint`);
    } catch {
      return sendError(res, 400, 'malformed request target');
    }
    const ctx: RequestContext = { scheme, port, remoteAddress: req.socket.remoteAddress ?? '', url };
    void (async () => {
      for (const route of routes) if (await route(req, res, ctx)) return;
      sendError(res, 404, `no such path: ${url.pathname}`);
    })().catch((err: unknown) => sendError(res, 500, err instanceof Error ? err.message : 'internal error'));
  };
  if (!opts.skipCapacityCheck) {
    capacity = await measureTlsCapacityMbps({ cert: opts.certPem, key: opts.keyPem });
  }
  const listener = await listenDual({
    host: opts.host,
    ports: opts.ports,
    certPem: opts.certPem,
    keyPem: opts.keyPem,
    idleMs: opts.idleMs,
    onRequest,
  });
  boundPorts = listener.ports;
  return {
    ports: listener.ports,
    tlsCapacityMbps: capacity,
    close: (g) => listener.close(g),
    setCertificate: (certPem, keyPem) => listener.setCertificate(certPem, keyPem),
  };
}
