// Every listed port answers TLS and plain HTTP on the same socket: the first byte of a
// connection tells which (0x16 is a TLS handshake record, RFC 8446 sec. 5.1), so any scheme
// can be tried on any port, as Glasnost swapped ports to tell port from protocol.
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';

export interface DualListenerOptions {
  host: string;
  ports: number[];
  certPem: string;
  keyPem: string;
  /** Sockets that send nothing for this long are closed (slowloris). */
  idleMs?: number;
  onRequest: (req: IncomingMessage, res: ServerResponse, scheme: 'http' | 'https', localPort: number) => void;
  /** WebSocket upgrades (the ndt7 server's ws:// and wss://); without it they are refused. */
  onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer, scheme: 'http' | 'https', localPort: number) => void;
}

const TLS_HANDSHAKE = 0x16;

export interface DualListener {
  /** The ports really bound (a requested 0 becomes the port the system chose). */
  ports: number[];
  /** Stops accepting, lets running requests end within graceMs, then closes what is left. */
  close(graceMs?: number): Promise<void>;
  /**
   * Serves a new certificate to TLS connections that start from now on; connections already
   * established keep the context they were handshaken with (tls.Server#setSecureContext), so
   * a renewal never cuts a running transfer.
   */
  setCertificate(certPem: string, keyPem: string): void;
}

/**
 * A leg's transfers share one connection, so that shaping which begins after some megabytes
 * in one flow (Wehe saw T-Mobile's after ~7 MB) shows in later rounds. The idle clock starts
 * when the server has handed a response to the kernel, which on a throttled leg is seconds
 * before the client has it; at 10 s a slow leg's connection was closed under it and every
 * later transfer started a fresh, unthrottled flow (throttle lab, delayed scenarios).
 */
const KEEP_ALIVE_MS = 65_000;

export async function listenDual(opts: DualListenerOptions): Promise<DualListener> {
  const idleMs = opts.idleMs ?? 30_000;
  const localPort = (req: IncomingMessage) => req.socket.localPort ?? 0;
  const http = createHttpServer({ keepAliveTimeout: KEEP_ALIVE_MS, requestTimeout: 120_000 }, (req, res) =>
    opts.onRequest(req, res, 'http', localPort(req)),
  );
  const https = createHttpsServer(
    { cert: opts.certPem, key: opts.keyPem, keepAliveTimeout: KEEP_ALIVE_MS, requestTimeout: 120_000 },
    (req, res) => opts.onRequest(req, res, 'https', (req.socket as TLSSocket).localPort ?? 0),
  );
  https.on('tlsClientError', () => undefined);
  if (opts.onUpgrade) {
    const onUpgrade = opts.onUpgrade;
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => onUpgrade(req, socket, head, 'http', localPort(req)));
    https.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => onUpgrade(req, socket, head, 'https', localPort(req)));
  }
  const sockets = new Set<Socket>();

  const onConnection = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(idleMs, () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      socket.setTimeout(0);
      (first[0] === TLS_HANDSHAKE ? https : http).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  };

  const servers: Server[] = [];
  const ports: number[] = [];
  try {
    for (const port of opts.ports) {
      const s = createNetServer({ pauseOnConnect: false }, onConnection);
      s.listen(port, opts.host);
      await Promise.race([once(s, 'listening'), once(s, 'error').then(([e]) => Promise.reject(e))]);
      servers.push(s);
      ports.push((s.address() as { port: number }).port);
    }
  } catch (err) {
    for (const s of servers) s.close();
    throw err;
  }

  return {
    ports,
    setCertificate(certPem, keyPem) {
      // setSecureContext replaces the whole context: any other secure-context option given to
      // createHttpsServer above (ciphers, minVersion...) must be repeated here.
      https.setSecureContext({ cert: certPem, key: keyPem });
    },
    async close(graceMs = 5_000) {
      for (const s of servers) s.close();
      http.closeIdleConnections();
      https.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (sockets.size > 0 && Date.now() < deadline) {
        http.closeIdleConnections();
        https.closeIdleConnections();
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const s of sockets) s.destroy();
    },
  };
}
