// A local ndt7 server (m-lab/ndt-server spec/ndt7-protocol.md) for tests and development:
// ws:// and wss:// on every listed port (dual-listener.ts tells them apart by the first byte),
// /ndt/v7/download and /ndt/v7/upload, access tokens, and the failures a client meets on the
// public platform: no capacity (HTTP 503 at the upgrade, or a close right after it), an
// expired or invalid token (HTTP 401), and a test cut off in the middle.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  NDT7_DEFAULT_RUNTIME_MS,
  NDT7_DOWNLOAD_PATH,
  NDT7_INITIAL_MESSAGE_BYTES,
  NDT7_MAX_MESSAGE_BYTES,
  NDT7_MAX_RUNTIME_MS,
  NDT7_MIN_MEASUREMENT_INTERVAL_MS,
  NDT7_SUBPROTOCOL,
  NDT7_UPLOAD_PATH,
  scaledMessageBytes,
  type Ndt7Measurement,
} from '../../core/ndt7/protocol.js';
import { listenDual } from '../dual-listener.js';
import { TokenStore } from './tokens.js';

/** Failure modes, changeable while the server runs. */
export interface Ndt7Faults {
  /** Refuse every test: with HTTP 503 at the upgrade, or by closing right after it. */
  refuse?: 'http-503' | 'close-after-open';
  /** Refuse only this scheme (a path that blocks one of them, seen from the client). */
  refuseScheme?: 'http' | 'https';
  /** Cut each test off (TCP reset, no Close frame) after this many payload bytes. */
  dropAfterBytes?: number;
}

export interface Ndt7ServerOptions {
  host: string;
  ports: number[];
  certPem: string;
  keyPem: string;
  tokens: TokenStore;
  /** Tests at once; more are refused with 503 as a full M-Lab server does. */
  maxConcurrent?: number;
  /** Length of a test when the client does not close first (spec: 10 s). */
  runtimeMs?: number;
  /** Largest download message; ndt-server scales to 1 MiB. */
  maxMessageBytes?: number;
  faults?: Ndt7Faults;
}

export interface Ndt7ServerStats {
  started: Record<'ws-down' | 'ws-up' | 'wss-down' | 'wss-up', number>;
  refused: { capacity: number; token: number; fault: number; bad: number };
  /**
   * Payload bytes written on download tests, those after a client's Close included: TCP
   * delivers them all before the server's own Close, so a client's byte count must cover them.
   */
  downloadBytes: number;
}

export interface Ndt7Server {
  ports: number[];
  faults: Ndt7Faults;
  stats: Ndt7ServerStats;
  close(graceMs?: number): Promise<void>;
}

/** An HTTP answer on a socket that asked to upgrade, then closed. */
function refuse(socket: Duplex, status: number, reason: string): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export async function startNdt7Server(opts: Ndt7ServerOptions): Promise<Ndt7Server> {
  const faults: Ndt7Faults = opts.faults ?? {};
  const runtimeMs = Math.min(opts.runtimeMs ?? NDT7_DEFAULT_RUNTIME_MS, NDT7_MAX_RUNTIME_MS);
  const maxMessageBytes = opts.maxMessageBytes ?? 1 << 20;
  const maxConcurrent = opts.maxConcurrent ?? 8;
  // One random buffer, sliced: the payload must be incompressible, not fresh per message.
  const payload = randomBytes(maxMessageBytes);
  const stats: Ndt7ServerStats = {
    started: { 'ws-down': 0, 'ws-up': 0, 'wss-down': 0, 'wss-up': 0 },
    refused: { capacity: 0, token: 0, fault: 0, bad: 0 },
    downloadBytes: 0,
  };
  let running = 0;
  // The spec's server sends no compressed frames; compression would also turn the random
  // payload into CPU work for both ends.
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: NDT7_MAX_MESSAGE_BYTES,
    handleProtocols: (protocols) => (protocols.has(NDT7_SUBPROTOCOL) ? NDT7_SUBPROTOCOL : false),
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, scheme: 'http' | 'https') => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://ndt7');
    const direction = url.pathname === NDT7_DOWNLOAD_PATH ? 'down' : url.pathname === NDT7_UPLOAD_PATH ? 'up' : undefined;
    if (!direction) return refuse(socket, 404, 'Not Found');
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.includes(NDT7_SUBPROTOCOL)) {
      stats.refused.bad++;
      return refuse(socket, 400, 'Bad Request');
    }
    const token = opts.tokens.check(url.searchParams.get('access_token'));
    if (token !== 'ok') {
      stats.refused.token++;
      return refuse(socket, 401, 'Unauthorized');
    }
    const refusedByFault = faults.refuse && (!faults.refuseScheme || faults.refuseScheme === scheme);
    if (refusedByFault && faults.refuse === 'http-503') {
      stats.refused.fault++;
      return refuse(socket, 503, 'Service Unavailable');
    }
    if (running >= maxConcurrent) {
      stats.refused.capacity++;
      return refuse(socket, 503, 'Service Unavailable');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (refusedByFault) {
        stats.refused.fault++;
        // 1013, Try Again Later (RFC 6455 sec. 7.4.1 registry): closed before any data.
        return ws.close(1013, 'no capacity');
      }
      stats.started[`${scheme === 'https' ? 'wss' : 'ws'}-${direction}`]++;
      running++;
      ws.once('close', () => running--);
      const client = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
      const server = `${req.socket.localAddress}:${req.socket.localPort}`;
      const test = { ws, socket, runtimeMs, faults, connection: { Client: client, Server: server, UUID: randomUUID() } };
      if (direction === 'down') download(test, payload, (n) => (stats.downloadBytes += n));
      else upload(test);
    });
  };

  const onRequest = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(`ndt7 test server: open a WebSocket to ${NDT7_DOWNLOAD_PATH} or ${NDT7_UPLOAD_PATH}\n`);
  };

  const listener = await listenDual({
    host: opts.host,
    ports: opts.ports,
    certPem: opts.certPem,
    keyPem: opts.keyPem,
    onRequest,
    onUpgrade,
  });
  return {
    ports: listener.ports,
    faults,
    stats,
    async close(graceMs = 1_000) {
      for (const c of wss.clients) c.terminate();
      await listener.close(graceMs);
    },
  };
}

interface Test {
  ws: WebSocket;
  socket: Duplex;
  runtimeMs: number;
  faults: Ndt7Faults;
  connection: { Client: string; Server: string; UUID: string };
}

function measurement(t: Test, startedAt: number, bytes: number, kind: 'download' | 'upload', first: boolean): string {
  const m: Ndt7Measurement = {
    AppInfo: { ElapsedTime: Math.round((performance.now() - startedAt) * 1000), NumBytes: bytes },
    Origin: 'server',
    Test: kind,
  };
  if (first) m.ConnectionInfo = t.connection;
  return JSON.stringify(m);
}

/** Sends random binary messages, growing as the spec's appendix says, with measurements every 250 ms. */
function download(t: Test, payload: Buffer, onSent: (bytes: number) => void): void {
  const { ws, socket } = t;
  const startedAt = performance.now();
  let sent = 0;
  let size = NDT7_INITIAL_MESSAGE_BYTES;
  let lastMeasurementAt = -Infinity;
  let first = true;
  let done = false;
  let waiting = false;
  let waitTimer: NodeJS.Timeout | undefined;
  const resume = () => {
    if (!waiting) return;
    waiting = false;
    clearTimeout(waitTimer);
    socket.removeListener('drain', resume);
    pump();
  };
  ws.on('close', () => {
    done = true;
    clearTimeout(waitTimer);
  });
  ws.on('error', () => (done = true));
  ws.on('message', (_data, isBinary) => {
    // Half duplex: a client that sends binary data during a download breaks the protocol.
    if (isBinary) ws.close(1002, 'binary message during a download');
  });
  const pump = () => {
    while (!done && ws.readyState === ws.OPEN) {
      const now = performance.now();
      if (now - startedAt >= t.runtimeMs) {
        done = true;
        return ws.close(1000, 'test complete');
      }
      if (t.faults.dropAfterBytes !== undefined && sent >= t.faults.dropAfterBytes) {
        done = true;
        return void socket.destroy();
      }
      if (now - lastMeasurementAt >= NDT7_MIN_MEASUREMENT_INTERVAL_MS) {
        lastMeasurementAt = now;
        ws.send(measurement(t, startedAt, sent, 'download', first));
        first = false;
      }
      // Keep about two messages queued: enough to fill the pipe, little enough that a closing
      // client does not wait behind megabytes. A drain may never come if the peer stops
      // reading, so a timer wakes the loop too: the runtime check must still fire.
      if (ws.bufferedAmount > 2 * size) {
        waiting = true;
        socket.once('drain', resume);
        waitTimer = setTimeout(resume, 50);
        return;
      }
      ws.send(payload.subarray(0, size));
      sent += size;
      onSent(size);
      size = scaledMessageBytes(size, sent, payload.length);
    }
  };
  pump();
}

/** Counts what the client sends and reports it every 250 ms; closes after the runtime. */
function upload(t: Test): void {
  const { ws, socket } = t;
  const startedAt = performance.now();
  let received = 0;
  let first = true;
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary) => {
    if (!isBinary) return; // the client's own measurements: nothing to do with them here
    received += Array.isArray(data) ? data.reduce((s, b) => s + b.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;
    if (t.faults.dropAfterBytes !== undefined && received >= t.faults.dropAfterBytes) socket.destroy();
  });
  const timer = setInterval(() => {
    if (ws.readyState !== ws.OPEN) return;
    if (performance.now() - startedAt >= t.runtimeMs) {
      clearInterval(timer);
      return ws.close(1000, 'test complete');
    }
    ws.send(measurement(t, startedAt, received, 'upload', first));
    first = false;
  }, NDT7_MIN_MEASUREMENT_INTERVAL_MS);
  ws.on('close', () => clearInterval(timer));
}
