// What the endpoint saw of each TLS request in the test by name's e2e tests (sni-zone.test.ts
// in Chromium, sni-zone-firefox.test.ts in Firefox): the ClientHello's server name beside the
// request's Host, path and method, recorded by a route that serves nothing itself.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RouteHandler } from '../../../src/server/http-util.js';

export interface TlsRequest {
  servername: string;
  host: string;
  path: string;
  method: string;
}

export interface TlsRequestLog {
  /** Pass to startTestEndpoint's routes; it records and lets the endpoint answer. */
  record: RouteHandler;
  /** Forgets what came before (adding the endpoint checks it by its address, for one). */
  clear(): void;
  /**
   * The transfers: GET /payload. A plain transfer's digest is vouched for by a HEAD over TLS to
   * the endpoint's own address (src/core/endpoint.ts digestUrl), under no name of the zone.
   */
  transfers(): TlsRequest[];
}

export function tlsRequestLog(): TlsRequestLog {
  const seen: TlsRequest[] = [];
  return {
    record: async (req: IncomingMessage, _res, ctx) => {
      if (ctx.scheme === 'https') {
        seen.push({ servername: String((req.socket as TLSSocket).servername), host: req.headers.host ?? '', path: ctx.url.pathname, method: req.method ?? '' });
      }
      return false;
    },
    clear: () => {
      seen.length = 0;
    },
    transfers: () => seen.filter((s) => s.path === '/payload' && s.method === 'GET'),
  };
}
