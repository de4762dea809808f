// Every listed port answers TLS and plain HTTP on the same socket: the first byte of a
// connection tells which (0x16 is a TLS handshake record, RFC 8446 sec. 5.1), so any scheme
// can be tried on any port, as Glasnost swapped ports to tell port from protocol.
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createConnectionGuard, DEFAULT_CONNECTION_LIMITS, DEFAULT_DEADLINES, type ConnectionDeadlines, type ConnectionLimits, type GuardCounts } from './connection-guard.js';
import { refuseConnection } from './refuse-connection.js';

export interface DualListenerOptions {
  host: string;
  ports: number[];
  certPem: string;
  keyPem: string;
  /** Socket deadlines (connection-guard.ts); each defaults to DEFAULT_DEADLINES. */
  deadlines?: Partial<ConnectionDeadlines>;
  /** Caps on open sockets, in all and per client; default DEFAULT_CONNECTION_LIMITS. */
  connectionLimits?: Partial<ConnectionLimits>;
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
  /** Sockets open now, and how many were refused or closed by a deadline (tests, figures). */
  connections(): { open: number } & GuardCounts;
  /**
   * Serves a new certificate to TLS connections that start from now on; connections already
   * established keep the context they were handshaken with (tls.Server#setSecureContext), so
   * a renewal never cuts a running transfer.
   */
  setCertificate(certPem: string, keyPem: string): void;
}

export async function listenDual(opts: DualListenerOptions): Promise<DualListener> {
  const deadlines = { ...DEFAULT_DEADLINES, ...opts.deadlines };
  const guard = createConnectionGuard(deadlines, { ...DEFAULT_CONNECTION_LIMITS, ...opts.connectionLimits });
  const localPort = (req: IncomingMessage) => req.socket.localPort ?? 0;
  const onRequest = (req: IncomingMessage, res: ServerResponse, scheme: 'http' | 'https') => {
    guard.requestStarted(req, res);
    opts.onRequest(req, res, scheme, localPort(req));
  };
  const http = createHttpServer({ keepAliveTimeout: deadlines.keepAliveMs }, (req, res) => onRequest(req, res, 'http'));
  const https = createHttpsServer({ cert: opts.certPem, key: opts.keyPem, keepAliveTimeout: deadlines.keepAliveMs }, (req, res) =>
    onRequest(req, res, 'https'),
  );
  https.on('tlsClientError', () => undefined);
  if (opts.onUpgrade) {
    const onUpgrade = opts.onUpgrade;
    const upgrade = (scheme: 'http' | 'https') => (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      guard.upgraded(req.socket);
      onUpgrade(req, socket, head, scheme, localPort(req));
    };
    http.on('upgrade', upgrade('http'));
    https.on('upgrade', upgrade('https'));
  }
  const sockets = new Set<Socket>();

  const onConnection = (socket: Socket) => {
    socket.on('error', () => socket.destroy());
    const admission = guard.admit(socket);
    if (!admission.admitted) {
      refuseConnection(socket, admission.reason);
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
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
      guard.stop();
    },
    connections: () => ({ open: guard.open(), ...guard.counts() }),
  };
}
