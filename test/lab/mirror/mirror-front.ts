// What stands in front of the mirror's web server inside mir-srv, on its public ports: the DPI
// shaper (the pacing proxy, which tells TLS from plaintext by a connection's first byte), a
// plain relay, or a caching HTTP proxy on the plaintext path only, as ISPs ran for caching.
//   node --import tsx test/lab/mirror/mirror-front.ts '<FrontConfig as JSON>'
// Prints {"ready":true} once every listener is up.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { startPacingProxy } from '../../support/pacing-proxy.js';

export type MirrorFront =
  | { kind: 'pacing'; listenPort: number; targetPort: number; tlsMbps?: number }
  | { kind: 'cache'; listenPort: number; targetPort: number };

export interface FrontConfig {
  host: string;
  fronts: MirrorFront[];
}

/** Caches whole answers keyed by URL and Range, and says so in Via and X-Cache (RFC 9110 7.6.3). */
function startCache(host: string, listenPort: number, targetPort: number): Promise<void> {
  const cache = new Map<string, { status: number; headers: Record<string, string>; body: Buffer }>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const key = `${req.url ?? '/'} ${req.headers.range ?? ''}`;
    const hit = req.method === 'GET' ? cache.get(key) : undefined;
    if (hit) {
      res.writeHead(hit.status, { ...hit.headers, via: '1.1 mir-cache', 'x-cache': 'HIT from mir-cache' });
      return void res.end(hit.body);
    }
    const up = request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (o) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(o.headers)) if (typeof v === 'string') headers[k] = v;
      res.writeHead(o.statusCode ?? 502, { ...headers, via: '1.1 mir-cache', 'x-cache': 'MISS from mir-cache' });
      const parts: Buffer[] = [];
      let size = 0;
      o.on('data', (c: Buffer) => {
        if (size < 8_000_000) parts.push(c);
        size += c.length;
      });
      o.on('end', () => {
        if (size < 8_000_000) cache.set(key, { status: o.statusCode ?? 200, headers, body: Buffer.concat(parts) });
      });
      o.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, host, () => resolve());
  });
}

async function main(config: FrontConfig): Promise<void> {
  for (const f of config.fronts) {
    if (f.kind === 'cache') await startCache(config.host, f.listenPort, f.targetPort);
    else {
      await startPacingProxy({
        listenHost: config.host,
        listenPort: f.listenPort,
        targetHost: '127.0.0.1',
        targetPort: f.targetPort,
        ...(f.tlsMbps ? { tlsMbps: f.tlsMbps } : {}),
      });
    }
  }
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  process.on('SIGTERM', () => process.exit(0));
}

main(JSON.parse(process.argv[2] ?? '{}') as FrontConfig).catch((err: unknown) => {
  process.stderr.write(`mirror front failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
