// The test endpoint's routes: /info, /payload, /upload.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { EndpointInfo } from '../core/endpoint.js';
import type { PayloadKind } from '../core/types.js';
import { clientKey } from './collector/ip-address.js';
import { COMMON_HEADERS, drainOrStall, sendError, sendJson, type RequestContext, type RouteHandler } from './http-util.js';
import { RateLimiter, type EndpointLimits } from './limits.js';
import { payloadChunks, payloadDigest } from './payload-stream.js';

export interface EndpointState {
  version: string;
  ports: () => number[];
  limits: EndpointLimits;
  tlsCapacityMbps: () => number;
  /** A zone whose every subdomain this endpoint serves under its certificate (serve --sni-zone). */
  sniZone?: string;
}

function parseIntParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || !/^\d{1,12}$/.test(raw)) return undefined;
  return Number(raw);
}

/** Streams the chunks; a client that stops reading loses the socket after `stallMs` (http-util.ts). */
async function writeAll(res: ServerResponse, chunks: Iterable<Buffer>, stallMs: number): Promise<void> {
  for (const chunk of chunks) {
    if (res.destroyed) return;
    if (!res.write(chunk) && (await drainOrStall(res, stallMs)) !== 'drained') return;
  }
  res.end();
}

export function endpointRoutes(state: EndpointState): RouteHandler {
  const limiter = new RateLimiter(state.limits.requestsPerMinute);
  let active = 0;
  const activeByClient = new Map<string, number>();

  const info = (ctx: RequestContext): EndpointInfo => ({
    service: 'tls-throttle-endpoint',
    version: state.version,
    ports: state.ports(),
    arrivedScheme: ctx.scheme,
    arrivedPort: ctx.port,
    limits: state.limits,
    tlsCapacityMbps: Math.round(state.tlsCapacityMbps()),
    ...(state.sniZone ? { sniZone: state.sniZone } : {}),
  });

  /** Runs a transfer (a body, or a digest to compute) within the limits in all and per client. */
  const transfer = async (res: ServerResponse, client: string, work: () => Promise<void>) => {
    if (active >= state.limits.maxConcurrent) {
      sendError(res, 429, `the endpoint is already serving ${active} transfers; try again shortly`, { 'retry-after': '2' });
      return;
    }
    const mine = activeByClient.get(client) ?? 0;
    if (mine >= state.limits.maxConcurrentPerClient) {
      sendError(res, 429, `this client already has ${mine} transfers running, the most allowed at once`, { 'retry-after': '2' });
      return;
    }
    active++;
    activeByClient.set(client, mine + 1);
    try {
      await work();
    } finally {
      active--;
      const left = (activeByClient.get(client) ?? 1) - 1;
      if (left > 0) activeByClient.set(client, left);
      else activeByClient.delete(client);
    }
  };

  /**
   * `close=1`: this transfer is the last on its connection. A client renews a leg's
   * connection before a finding on a long path stands (core/engine/http-driver.ts renewFlow),
   * and a browser cannot close a connection itself; after `connection: close` its next request
   * of that leg opens a new one.
   */
  const endsConnection = (url: URL, res: ServerResponse) => {
    if (url.searchParams.get('close') === '1') res.setHeader('connection', 'close');
  };

  const payload = (req: IncomingMessage, res: ServerResponse, ctx: RequestContext, client: string) => {
    const { url } = ctx;
    const bytes = parseIntParam(url, 'bytes');
    const seedText = url.searchParams.get('seed');
    const seed = seedText === null ? 0 : parseIntParam(url, 'seed');
    const kind = (url.searchParams.get('kind') ?? 'random') as PayloadKind;
    if (bytes === undefined || bytes < 1) return sendError(res, 400, 'bytes must be a positive whole number');
    if (kind !== 'random' && kind !== 'text') return sendError(res, 400, 'kind must be random or text');
    if (seed === undefined || seed > 0xffffffff) {
      return sendError(res, 400, `seed must be a whole number from 0 to 4294967295, not "${(seedText ?? '').slice(0, 24)}"`);
    }
    if (bytes > state.limits.maxBytes) {
      return sendError(res, 413, `at most ${state.limits.maxBytes} bytes per request; asked for ${bytes}`);
    }
    // HEAD counts as a transfer too: its digest is the same work as a body's (payload-stream.ts).
    return transfer(res, client, async () => {
      endsConnection(url, res);
      const digest = await payloadDigest(kind, seed, bytes, client);
      if (res.destroyed) return;
      res.writeHead(200, {
        ...COMMON_HEADERS,
        'content-type': kind === 'text' ? 'text/plain; charset=us-ascii' : 'application/octet-stream',
        'content-length': String(bytes),
        'content-encoding': 'identity',
        'repr-digest': `sha-256=:${digest}:`,
      });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      await writeAll(res, payloadChunks(kind, seed, bytes), ctx.transferStallMs);
    });
  };

  const upload = (req: IncomingMessage, res: ServerResponse, ctx: RequestContext, client: string) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > state.limits.maxBytes) {
      res.setHeader('connection', 'close');
      return sendError(res, 413, `at most ${state.limits.maxBytes} bytes per upload; declared ${declared}`);
    }
    return transfer(res, client, async () => {
      endsConnection(ctx.url, res);
      let bytes = 0;
      let firstByteMs = -1;
      let firstChunkBytes = 0;
      let lastByteMs = -1;
      let tooBig = false;
      let stalled = false;
      await new Promise<void>((resolve) => {
        // A client that stops sending loses its slot like one that stops reading (writeAll).
        let stall: NodeJS.Timeout;
        const armStall = () => {
          clearTimeout(stall);
          stall = setTimeout(() => {
            stalled = true;
            req.destroy();
            resolve();
          }, ctx.transferStallMs);
        };
        armStall();
        req.on('data', (chunk: Buffer) => {
          armStall();
          const t = performance.now();
          if (firstByteMs < 0) {
            firstByteMs = t;
            firstChunkBytes = chunk.length;
          }
          lastByteMs = t;
          bytes += chunk.length;
          if (bytes > state.limits.maxBytes && !tooBig) {
            tooBig = true;
            clearTimeout(stall);
            req.pause();
            resolve();
          }
        });
        const ended = () => {
          clearTimeout(stall);
          resolve();
        };
        req.on('end', ended);
        req.on('error', ended);
        req.on('close', ended);
      });
      if (stalled) return;
      if (tooBig) {
        res.setHeader('connection', 'close');
        return sendError(res, 413, `at most ${state.limits.maxBytes} bytes per upload`);
      }
      if (bytes === 0) return sendError(res, 400, 'the upload had no body');
      sendJson(res, 200, {
        bytes,
        firstChunkBytes,
        firstByteMs: Math.round(firstByteMs * 1000) / 1000,
        lastByteMs: Math.round(lastByteMs * 1000) / 1000,
      });
    });
  };

  return async (req, res, ctx) => {
    const { url } = ctx;
    const path = url.pathname;
    if (path !== '/info' && path !== '/payload' && path !== '/upload' && path !== '/') return false;
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...COMMON_HEADERS,
        'access-control-allow-methods': 'GET, HEAD, POST, OPTIONS',
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': '86400',
      });
      res.end();
      return true;
    }
    const client = clientKey(ctx.remoteAddress);
    if (!limiter.take(client)) {
      sendError(res, 429, `more than ${state.limits.requestsPerMinute} requests a minute from one client`, { 'retry-after': '10' });
      return true;
    }
    if (path === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { ...COMMON_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
      res.end('TLS Throttle Detector test endpoint. See /info.\n');
    } else if (path === '/info' && req.method === 'GET') {
      sendJson(res, 200, info(ctx));
    } else if (path === '/payload' && (req.method === 'GET' || req.method === 'HEAD')) {
      await payload(req, res, ctx, client);
    } else if (path === '/upload' && req.method === 'POST') {
      await upload(req, res, ctx, client);
    } else {
      sendError(res, 405, `${req.method} is not allowed on ${path}`, { allow: path === '/upload' ? 'POST' : 'GET, HEAD' });
    }
    return true;
  };
}
