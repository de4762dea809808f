// A local stand-in for M-Lab's locate API v2 (m-lab/locate USAGE.md, api/v2/api.go): GET
// /v2/nearest/ndt/ndt7 answers {results: [{machine, location, urls}]} whose ws:// and wss://
// URLs point at local ndt7 servers and carry fresh access tokens. It can also answer as the
// real service does when M-Lab is full: HTTP 503 with an RFC 7807 error, or 200 with no
// results.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { URL_KEYS } from '../../core/ndt7/locate.js';
import { NDT7_DOWNLOAD_PATH, NDT7_UPLOAD_PATH } from '../../core/ndt7/protocol.js';
import type { TokenStore } from './tokens.js';

export const LOCATE_PATH = '/v2/nearest/ndt/ndt7';

export interface LocalMachine {
  machine: string;
  /** Host name or address the URLs use (127.0.0.1 in tests). */
  host: string;
  wsPort: number;
  wssPort: number;
  city?: string;
  country?: string;
}

export interface LocateFaults {
  /** Answer as M-Lab out of capacity: 503 with an error object, or 200 with no results. */
  noCapacity?: '503' | 'empty';
}

export interface LocalLocateOptions {
  host: string;
  port?: number;
  machines: () => LocalMachine[];
  tokens: TokenStore;
  tokenTtlMs?: number;
  faults?: LocateFaults;
}

export interface LocalLocate {
  /** The URL to pass as --locate-url. */
  url: string;
  faults: LocateFaults;
  /** Requests answered so far, with their query strings (client_name, client_version). */
  requests: URLSearchParams[];
  close(): Promise<void>;
}

function hostPort(host: string, port: number, dflt: number): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return port === dflt ? h : `${h}:${port}`;
}

export async function startLocalLocate(opts: LocalLocateOptions): Promise<LocalLocate> {
  const faults = opts.faults ?? {};
  const requests: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://locate');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'access-control-allow-origin': '*' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== LOCATE_PATH) return json(404, { error: { type: '?', title: 'unknown path', status: 404 } });
    requests.push(url.searchParams);
    const nextRequest = { nbf: new Date(Date.now() + 60_000).toISOString(), exp: new Date(Date.now() + 120_000).toISOString(), url: `http://${req.headers.host}${LOCATE_PATH}` };
    if (faults.noCapacity === '503') {
      return json(503, { error: { type: '?', title: 'no available servers', status: 503 }, next_request: nextRequest });
    }
    if (faults.noCapacity === 'empty') return json(200, {});
    const ttl = opts.tokenTtlMs ?? 60_000;
    const results = opts.machines().map((m) => {
      const token = opts.tokens.issue(ttl);
      const ws = (path: string) => `ws://${hostPort(m.host, m.wsPort, 80)}${path}?access_token=${token}`;
      const wss = (path: string) => `wss://${hostPort(m.host, m.wssPort, 443)}${path}?access_token=${token}`;
      return {
        machine: m.machine,
        location: { city: m.city ?? 'Loopback', country: m.country ?? 'ZZ' },
        urls: {
          [URL_KEYS.wsDownload]: ws(NDT7_DOWNLOAD_PATH),
          [URL_KEYS.wsUpload]: ws(NDT7_UPLOAD_PATH),
          [URL_KEYS.wssDownload]: wss(NDT7_DOWNLOAD_PATH),
          [URL_KEYS.wssUpload]: wss(NDT7_UPLOAD_PATH),
        },
      };
    });
    json(200, { results });
  });
  server.listen(opts.port ?? 0, opts.host);
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://${hostPort(opts.host, port, 80)}${LOCATE_PATH}`,
    faults,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
