// Small hostile servers on loopback for the client suite: an endpoint (or a path to one) that
// answers nothing, drips, never ends, stalls a HEAD or a transfer, or puts terminal escape
// sequences where the client quotes what it was told. One TLS port and one plain port on
// 127.0.0.1, as an endpoint of ours would list them in /info, so the real CLI runs against it
// unchanged (`run https://127.0.0.1:<tlsPort> --ca <caPath>`).
import { mkdtempSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { devCertificate } from '../../src/server/dev-ca.js';

/** What a hostile terminal payload looks like: retitle, clear, move, bidi override, bell. */
export const ESCAPES = '\x1b]0;pwned\x07\x1b[2J\x1b[H\x1b[31mYOUR ISP IS THROTTLING\x1b[0m\u202e\x9b6n\r\x08';

export interface HostileContext {
  tlsPort: number;
  plainPort: number;
  scheme: 'http' | 'https';
}

export type Handler = (req: IncomingMessage, res: ServerResponse, ctx: HostileContext) => void;

/** What to do with a WebSocket upgrade request (ndt7), if anything. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, ctx: HostileContext) => void;

export interface HostileEndpoint {
  tlsPort: number;
  plainPort: number;
  caPath: string;
  /** Where its development CA lives (pass it to the next endpoint to share the CA). */
  certDir: string;
  /** Requests seen, as "METHOD scheme path". */
  seen: string[];
  /** performance.now() when the first request arrived: when the client's run began its work. */
  firstRequestAt(): number | undefined;
  close(): Promise<void>;
}

/** A valid /info for this pair of ports. */
export function infoBody(tlsPort: number, plainPort: number): string {
  return JSON.stringify({
    service: 'tls-throttle-endpoint',
    version: 'hostile',
    ports: [tlsPort, plainPort],
    arrivedScheme: 'https',
    arrivedPort: tlsPort,
    limits: { maxBytes: 64 * 1024 * 1024, maxConcurrent: 32, requestsPerMinute: 600 },
    tlsCapacityMbps: 0,
  });
}

/** Requested body size of a /payload URL. */
export function payloadBytes(req: IncomingMessage): number {
  return Number(new URL(req.url ?? '/', 'http://x').searchParams.get('bytes') ?? 0);
}

/** Writes `bytes` zero bytes, paced at `mbps` when given (fast otherwise). */
export function sendZeros(res: ServerResponse, bytes: number, mbps?: number): void {
  const chunk = Buffer.alloc(16 * 1024);
  let left = bytes;
  const step = () => {
    while (left > 0) {
      const n = Math.min(chunk.length, left);
      left -= n;
      const more = res.write(chunk.subarray(0, n));
      if (left <= 0) return void res.end();
      if (mbps) return void setTimeout(step, (n * 8) / (mbps * 1000));
      if (!more) return void res.once('drain', step);
    }
    res.end();
  };
  step();
}

/** `certDir`: a directory whose development CA to reuse, so one trusted CA serves several endpoints. */
export async function startHostileEndpoint(handler: Handler, upgrade?: UpgradeHandler, certDir?: string): Promise<HostileEndpoint> {
  const dir = certDir ?? mkdtempSync(join(tmpdir(), 'ttd-hostile-'));
  const dev = await devCertificate(dir, []);
  const sockets = new Set<Socket>();
  const seen: string[] = [];
  let firstAt: number | undefined;
  const ports = { tlsPort: 0, plainPort: 0 };
  const wrap =
    (scheme: 'http' | 'https') =>
    (req: IncomingMessage, res: ServerResponse): void => {
      firstAt ??= performance.now();
      seen.push(`${req.method} ${scheme} ${req.url}`);
      handler(req, res, { ...ports, scheme });
    };
  const tls = createHttpsServer({ cert: dev.certPem, key: dev.keyPem }, wrap('https'));
  const plain = createHttpServer(wrap('http'));
  const servers: Server[] = [tls, plain];
  for (const s of servers) {
    // A hostile server never times out its own sockets: the client's deadline must do it.
    s.requestTimeout = 0;
    s.headersTimeout = 0;
    s.keepAliveTimeout = 0;
    s.on('connection', (sock: Socket) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
    });
    const scheme = s === tls ? 'https' : 'http';
    if (upgrade) {
      s.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        firstAt ??= performance.now();
        seen.push(`UPGRADE ${scheme} ${req.url}`);
        upgrade(req, socket, head, { ...ports, scheme });
      });
    }
    s.listen(0, '127.0.0.1');
    await once(s, 'listening');
  }
  ports.tlsPort = (tls.address() as { port: number }).port;
  ports.plainPort = (plain.address() as { port: number }).port;
  return {
    ...ports,
    caPath: dev.caPath,
    certDir: dir,
    seen,
    firstRequestAt: () => firstAt,
    close: async () => {
      for (const sock of sockets) sock.destroy();
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
}
