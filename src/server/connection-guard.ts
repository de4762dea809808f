// Caps and deadlines for the sockets of the dual listener (dual-listener.ts). Its HTTP servers
// are handed sockets and never listen themselves, so Node's own headersTimeout and
// requestTimeout checks, which start with server.listen() (Node docs, http.Server
// "headersTimeout"), never run there; and once the HTTP parser consumes a socket, its 'data'
// events stop, so a socket-level idle timer is reset by every dripped byte. This guard watches
// what stays visible on the raw TCP socket whatever the scheme (bytesRead counts the bytes the
// kernel handed over, TLS records included) and the request and response events, and sweeps
// its sockets on a timer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { clientKey } from './collector/ip-address.js';

export interface ConnectionDeadlines {
  /** A connection that sends no byte at all for this long is closed. */
  idleMs: number;
  /**
   * From the first byte of a connection (the TLS handshake included) or of a later request on
   * it, to a complete request head (slowloris: one header byte a second).
   */
  headersTimeoutMs: number;
  /** From a request head to the last byte of its body (Node's requestTimeout, by hand). */
  requestTimeoutMs: number;
  /** Between requests on a kept-alive connection, until the next request's first byte. */
  keepAliveMs: number;
}

export interface ConnectionLimits {
  /** Sockets open at once in all; kept under the common open-file limit of 1024. */
  maxConnections: number;
  /** Sockets open at once from one client (an IPv4 address or an IPv6 /64). */
  maxConnectionsPerClient: number;
}

/**
 * A leg's transfers share one connection, so that shaping which begins after some megabytes
 * in one flow (Wehe saw T-Mobile's after ~7 MB) shows in later rounds. The idle clock starts
 * when the server has handed a response to the kernel, which on a throttled leg is seconds
 * before the client has it; at 10 s a slow leg's connection was closed under it and every
 * later transfer started a fresh, unthrottled flow (throttle lab, delayed scenarios).
 */
export const KEEP_ALIVE_MS = 65_000;

export const DEFAULT_DEADLINES: ConnectionDeadlines = {
  idleMs: 30_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  keepAliveMs: KEEP_ALIVE_MS,
};

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 900,
  maxConnectionsPerClient: 32,
};

type Phase = 'head' | 'busy' | 'idle' | 'upgraded';

interface Tracked {
  socket: Socket;
  client: string;
  phase: Phase;
  /** When the current phase began; for 'head', when its first byte was seen (0: none yet). */
  sinceMs: number;
  headStartMs: number;
  /** bytesRead when the socket went idle: more means the next request has begun. */
  bytesReadAtIdle: number;
  /** The request in progress; its `complete` turns true once its body has all arrived. */
  req: IncomingMessage | null;
}

/** Why a socket was closed, counted for tests and the README's figures. */
export interface GuardCounts {
  refused: number;
  idle: number;
  headers: number;
  request: number;
  keepAlive: number;
}

export interface ConnectionGuard {
  /** Counts a new socket in; when a cap is reached, says which instead (the caller refuses it). */
  admit(socket: Socket): { admitted: true } | { admitted: false; reason: string };
  /** The HTTP layer saw a request on the socket it was handed (for TLS, the TLSSocket). */
  requestStarted(req: IncomingMessage, res: ServerResponse): void;
  /** The socket left HTTP (a WebSocket upgrade): its own protocol keeps its deadlines. */
  upgraded(socket: Socket): void;
  open(): number;
  counts(): GuardCounts;
  stop(): void;
}

/** The raw socket's identity as both it and a TLSSocket wrapping it report it. */
function socketKey(s: { remoteAddress?: string; remotePort?: number; localPort?: number }): string {
  return `${s.remoteAddress}|${s.remotePort}|${s.localPort}`;
}

export function createConnectionGuard(
  deadlines: ConnectionDeadlines,
  limits: ConnectionLimits,
  nowMs: () => number = () => performance.now(),
): ConnectionGuard {
  // A client's share always leaves room for others, whatever the options say.
  const perClientCap = Math.max(1, Math.min(limits.maxConnectionsPerClient, limits.maxConnections - 1));
  const byKey = new Map<string, Tracked>();
  const perClient = new Map<string, number>();
  const counts: GuardCounts = { refused: 0, idle: 0, headers: 0, request: 0, keepAlive: 0 };

  const close = (t: Tracked, why: keyof GuardCounts) => {
    counts[why]++;
    t.socket.destroy();
  };

  const sweep = () => {
    const now = nowMs();
    for (const t of byKey.values()) {
      if (t.phase === 'idle' && t.socket.bytesRead > t.bytesReadAtIdle) {
        t.phase = 'head';
        t.headStartMs = now;
      }
      if (t.phase === 'head') {
        if (t.headStartMs === 0 && t.socket.bytesRead > 0) t.headStartMs = now;
        if (t.headStartMs === 0 && now - t.sinceMs > deadlines.idleMs) close(t, 'idle');
        else if (t.headStartMs > 0 && now - t.headStartMs > deadlines.headersTimeoutMs) close(t, 'headers');
      } else if (t.phase === 'busy') {
        if (t.req && !t.req.complete && now - t.sinceMs > deadlines.requestTimeoutMs) close(t, 'request');
      } else if (t.phase === 'idle' && now - t.sinceMs > deadlines.keepAliveMs) {
        close(t, 'keepAlive');
      }
    }
  };
  // A sweep every fifth of the shortest deadline closes a socket within 1.2 deadlines.
  const shortestMs = Math.min(deadlines.idleMs, deadlines.headersTimeoutMs, deadlines.requestTimeoutMs, deadlines.keepAliveMs);
  const timer = setInterval(sweep, Math.min(1000, Math.max(20, shortestMs / 5)));
  timer.unref();

  const find = (s: { remoteAddress?: string; remotePort?: number; localPort?: number }) => byKey.get(socketKey(s));

  return {
    admit(socket) {
      const client = clientKey(socket.remoteAddress ?? '');
      const mine = perClient.get(client) ?? 0;
      if (byKey.size >= limits.maxConnections) {
        counts.refused++;
        return { admitted: false, reason: `the endpoint has ${byKey.size} connections open, the most it takes at once` };
      }
      if (mine >= perClientCap) {
        counts.refused++;
        return { admitted: false, reason: `this client has ${mine} connections open, the most allowed at once` };
      }
      const key = socketKey(socket);
      const t: Tracked = { socket, client, phase: 'head', sinceMs: nowMs(), headStartMs: 0, bytesReadAtIdle: 0, req: null };
      byKey.set(key, t);
      perClient.set(client, mine + 1);
      socket.once('close', () => {
        byKey.delete(key);
        const n = (perClient.get(client) ?? 1) - 1;
        if (n > 0) perClient.set(client, n);
        else perClient.delete(client);
      });
      return { admitted: true };
    },
    requestStarted(req, res) {
      const t = find(req.socket);
      if (!t) return;
      t.phase = 'busy';
      t.sinceMs = nowMs();
      t.req = req;
      res.once('finish', () => {
        if (t.phase !== 'busy') return;
        t.req = null;
        t.phase = 'idle';
        t.sinceMs = nowMs();
        t.bytesReadAtIdle = t.socket.bytesRead;
      });
    },
    upgraded(socket) {
      const t = find(socket);
      if (t) t.phase = 'upgraded';
    },
    open: () => byKey.size,
    counts: () => ({ ...counts }),
    stop: () => clearInterval(timer),
  };
}
