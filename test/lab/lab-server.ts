// The lab's server host, run inside lab-srv: our endpoint, the userland shapers in front of it,
// and a bulk sender for the cross-traffic host. One process, so the lab ends it with one kill.
//   node --import tsx test/lab/lab-server.ts '<LabServerConfig as JSON>'
// It prints one JSON line, {"ready":true,"caPath":...}, once every listener is up.
import { appendFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { devCertificate } from '../../src/server/dev-ca.js';
import { startEndpointServer } from '../../src/server/endpoint-server.js';
import type { RouteHandler } from '../../src/server/http-util.js';
import { startPacingProxy, type PacingProxyOptions } from '../support/pacing-proxy.js';

/** What stands on a public port in front of the endpoint. */
export type Front =
  | { kind: 'pacing'; options: Omit<PacingProxyOptions, 'targetHost' | 'targetPort' | 'listenHost' | 'listenPort'> }
  /** A transparent HTTP proxy: 'alter' changes body bytes, 'via' adds Via and X-Cache and caches. */
  | { kind: 'http-proxy'; mode: 'alter' | 'via' };

export interface LabServerConfig {
  /** The address clients reach (and the name in the certificate). */
  publicHost: string;
  ports: number[];
  dataDir: string;
  /** Fronts by public port; with any front, the endpoint listens on 127.0.0.1 behind them. */
  fronts: Record<string, Front>;
  /** A port where connections get bulk bytes as fast as the line takes them (cross traffic). */
  blasterPort: number;
  /**
   * Append one JSON line per request here: when it arrived and when its response was handed to
   * the kernel (ms since the epoch), and the client's port (which connection it came on), so the
   * line's idle time before each transfer can be read (bench/line-idle.ts).
   */
  timelinePath?: string;
}

/** A route that handles nothing and records each request's arrival and end (LabServerConfig.timelinePath). */
function timelineRoute(path: string): RouteHandler {
  return (req, res, ctx) => {
    const at = Date.now();
    res.once('finish', () => {
      const line = { at, end: Date.now(), conn: req.socket.remotePort ?? 0, method: req.method, scheme: ctx.scheme, port: ctx.port, path: ctx.url.pathname, kind: ctx.url.searchParams.get('kind'), bytes: Number(ctx.url.searchParams.get('bytes') ?? 0) };
      appendFileSync(path, `${JSON.stringify(line)}\n`);
    });
    return false;
  };
}

/**
 * A transparent proxy of the kind ISPs ran for caching (and some for injecting): TLS passes
 * through untouched, plain HTTP is answered by the proxy, which fetches from the origin.
 */
async function startHttpProxy(listenHost: string, port: number, mode: 'alter' | 'via'): Promise<() => Promise<void>> {
  const cache = new Map<string, { status: number; headers: Record<string, string>; body: Buffer }>();
  const http = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const key = req.url ?? '/';
    const cached = mode === 'via' && req.method === 'GET' ? cache.get(key) : undefined;
    if (cached) {
      res.writeHead(cached.status, { ...cached.headers, via: '1.1 lab-cache', 'x-cache': 'HIT from lab-cache' });
      return void res.end(cached.body);
    }
    const up = httpRequest({ host: '127.0.0.1', port, method: req.method, path: key, headers: req.headers }, (o) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(o.headers)) if (typeof v === 'string') headers[k] = v;
      if (mode === 'via') {
        res.writeHead(o.statusCode ?? 502, { ...headers, via: '1.1 lab-cache', 'x-cache': 'MISS from lab-cache' });
        const parts: Buffer[] = [];
        let size = 0;
        o.on('data', (c: Buffer) => {
          if (size < 1_000_000) parts.push(c);
          size += c.length;
        });
        o.on('end', () => {
          if (size < 1_000_000) cache.set(key, { status: o.statusCode ?? 200, headers, body: Buffer.concat(parts) });
        });
        o.pipe(res);
        return;
      }
      // 'alter': same length, one byte in every 4096 changed, as injectors rewrite bodies.
      res.writeHead(o.statusCode ?? 502, headers);
      let offset = 0;
      o.on('data', (c: Buffer) => {
        const out = Buffer.from(c);
        for (let i = (4096 - (offset % 4096)) % 4096; i < out.length; i += 4096) out[i] = out[i]! ^ 0xff;
        offset += c.length;
        if (!res.write(out)) {
          o.pause();
          res.once('drain', () => o.resume());
        }
      });
      o.on('end', () => res.end());
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  const server = createServer((client: Socket) => {
    client.on('error', () => client.destroy());
    client.once('data', (first: Buffer) => {
      if (first[0] === 0x16) {
        const upstream = connect({ host: '127.0.0.1', port });
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
        upstream.write(first);
        client.pipe(upstream).pipe(client);
        return;
      }
      client.pause();
      client.unshift(first);
      http.emit('connection', client);
      client.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, listenHost, () => resolve());
  });
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

function startBlaster(host: string, port: number): Promise<void> {
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  const server = createServer((s) => {
    s.on('error', () => s.destroy());
    const more = () => {
      while (!s.destroyed) if (!s.write(chunk)) return void s.once('drain', more);
    };
    more();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

async function main(config: LabServerConfig): Promise<void> {
  const dev = await devCertificate(config.dataDir, [config.publicHost]);
  const fronted = Object.keys(config.fronts).length > 0;
  await startEndpointServer({
    host: fronted ? '127.0.0.1' : config.publicHost,
    ports: config.ports,
    certPem: dev.certPem,
    keyPem: dev.keyPem,
    version: 'lab',
    ...(config.timelinePath ? { routes: [timelineRoute(config.timelinePath)] } : {}),
    // The bench runs many measurements back to back from one address.
    limits: { requestsPerMinute: 100_000 },
  });
  for (const port of config.ports) {
    const front = config.fronts[String(port)];
    if (fronted && !front) {
      await startPacingProxy({ listenHost: config.publicHost, listenPort: port, targetHost: '127.0.0.1', targetPort: port });
    } else if (front?.kind === 'pacing') {
      await startPacingProxy({ ...front.options, listenHost: config.publicHost, listenPort: port, targetHost: '127.0.0.1', targetPort: port });
    } else if (front?.kind === 'http-proxy') {
      await startHttpProxy(config.publicHost, port, front.mode);
    }
  }
  await startBlaster(config.publicHost, config.blasterPort);
  process.stdout.write(`${JSON.stringify({ ready: true, caPath: dev.caPath })}\n`);
  process.on('SIGTERM', () => process.exit(0));
}

main(JSON.parse(process.argv[2] ?? '{}') as LabServerConfig).catch((err: unknown) => {
  process.stderr.write(`lab server failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
