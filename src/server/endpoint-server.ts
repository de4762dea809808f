// `tls-throttle serve`: the test endpoint (and, with --collector, the report collector) on
// every listed port, both schemes on each.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_DEADLINES, type ConnectionDeadlines, type ConnectionLimits } from './connection-guard.js';
import { listenDual, type DualListener } from './dual-listener.js';
import { endpointRoutes } from './endpoint-routes.js';
import { sendError, type RequestContext, type RouteHandler } from './http-util.js';
import { DEFAULT_LIMITS, effectiveLimits, type EndpointLimits } from './limits.js';
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
  /** Socket deadlines and the write-stall deadline of responses; defaults DEFAULT_SERVER_DEADLINES. */
  deadlines?: Partial<ServerDeadlines>;
  /** Caps on open sockets, in all and per client (connection-guard.ts). */
  connectionLimits?: Partial<ConnectionLimits>;
  /** Advertised in /info: every subdomain of it reaches this endpoint (endpoint-routes.ts). */
  sniZone?: string;
  /** Skip the start-up TLS capacity measurement (reported as 0: unknown). */
  skipCapacityCheck?: boolean;
}

export interface ServerDeadlines extends ConnectionDeadlines {
  /**
   * A transfer that makes no progress for this long loses its socket and its slot: a download
   * whose client stops reading (no 'drain' of a 64 KiB write: 26 kbit/s at 20 s, far below any
   * line worth measuring), an upload whose client stops sending.
   */
  transferStallMs: number;
}

export const DEFAULT_SERVER_DEADLINES: ServerDeadlines = { ...DEFAULT_DEADLINES, transferStallMs: 20_000 };

export interface EndpointServer {
  ports: number[];
  tlsCapacityMbps: number;
  close(graceMs?: number): Promise<void>;
  /** Sockets open now, and how many a cap refused or a deadline closed. */
  connections(): ReturnType<DualListener['connections']>;
  /** New TLS connections get this certificate; running ones keep theirs (a renewal, src/server/acme). */
  setCertificate(certPem: string, keyPem: string): void;
}

export async function startEndpointServer(opts: EndpointServerOptions): Promise<EndpointServer> {
  const limits = effectiveLimits({ ...DEFAULT_LIMITS, ...opts.limits });
  const deadlines = { ...DEFAULT_SERVER_DEADLINES, ...opts.deadlines };
  let capacity = 0;
  let boundPorts: number[] = [];
  const routes: RouteHandler[] = [
    ...(opts.routes ?? []),
    endpointRoutes({ version: opts.version, ports: () => boundPorts, limits, tlsCapacityMbps: () => capacity, sniZone: opts.sniZone }),
  ];
  const onRequest = (req: IncomingMessage, res: ServerResponse, scheme: 'http' | 'https', port: number) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `${scheme}://endpoint`);
    } catch {
      return sendError(res, 400, 'malformed request target');
    }
    const ctx: RequestContext = { scheme, port, remoteAddress: req.socket.remoteAddress ?? '', url, transferStallMs: deadlines.transferStallMs };
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
    deadlines,
    connectionLimits: opts.connectionLimits,
    onRequest,
  });
  boundPorts = listener.ports;
  return {
    ports: listener.ports,
    tlsCapacityMbps: capacity,
    close: (g) => listener.close(g),
    connections: () => listener.connections(),
    setCertificate: (certPem, keyPem) => listener.setCertificate(certPem, keyPem),
  };
}
