// The test endpoint's routes: /info, /payload, /upload.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { EndpointInfo } from '../core/endpoint.js';
import type { PayloadKind } from '../core/types.js';
import { COMMON_HEADERS, sendError, sendJson, type RequestContext, type RouteHandler } from './http-util.js';
import { RateLimiter, type EndpointLimits } from './limits.js';
import { payloadChunks, payloadDigest } from './payload-stream.js';

export interface EndpointState {
  version: string;
  ports: () => number[];
  limits: EndpointLimits;
  tlsCapacityMbps: () => number;
}

function parseIntParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || !/^\d{1,12}$/.test(raw)) return undefined;
  return Number(raw);
}

async function writeAll(res: ServerResponse, chunks: Iterable<Buffer>): Promise<void> {
  for (const chunk of chunks) {
    if (res.destroyed) return;
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  res.end();
}

export function endpointRoutes(state: EndpointState): RouteHandler {
  const limiter = new RateLimiter(state.limits.requestsPerMinute);
  let active = 0;

  const info = (ctx: RequestContext): EndpointInfo => ({
    service: 'tls-throttle-endpoint',
    version: state.version,
    ports: state.ports(),
    arrivedScheme: ctx.scheme,
    arrivedPort: ctx.port,
    limits: state.limits,
    tlsCapacityMbps: Math.round(state.tlsCapacityMbps()),
  });

  /** Runs a transfer within the concurrency limit. */
  const transfer = async (res: ServerResponse, work: () => Promise<void>) => {
    if (active >= state.limits.maxConcurrent) {
      sendError(res, 429, `the endpoint is already serving ${active} transfers; try again shortly`, { 'retry-after': '2' });
      return;
    }
    active++;
    try {
      await work();
    } finally {
      active--;
    }
  };

  const payload = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const bytes = parseIntParam(url, 'bytes');
    const seed = parseIntParam(url, 'seed') ?? 0;
    const kind = (url.searchParams.get('kind') ?? 'random') as PayloadKind;
    if (bytes === undefined || bytes < 1) return sendError(res, 400, 'bytes must be a positive whole number');
    if (kind !== 'random' && kind !== 'text') return sendError(res, 400, 'kind must be random or text');
    if (seed > 0xffffffff) return sendError(res, 400, 'seed must fit in 32 bits');
    if (bytes > state.limits.maxBytes) {
      return sendError(res, 413, `at most ${state.limits.maxBytes} bytes per request; asked for ${bytes}`);
    }
    const headers = {
      ...COMMON_HEADERS,
      'content-type': kind === 'text' ? 'text/plain; charset=us-ascii' : 'application/octet-stream',
      'content-length': String(bytes),
      'content-encoding': 'identity',
      'repr-digest': `sha-256=:${payloadDigest(kind, seed, bytes)}:`,
    };
    if (req.method === 'HEAD') {
      res.writeHead(200, headers);
      res.end();
      return;
    }
    return transfer(res, async () => {
      res.writeHead(200, headers);
      await writeAll(res, payloadChunks(kind, seed, bytes));
    });
  };

  const upload = (req: IncomingMessage, res: ServerResponse) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > state.limits.maxBytes) {
      res.setHeader('connection', 'close');
      return sendError(res, 413, `at most ${state.limits.maxBytes} bytes per upload; declared ${declared}`);
    }
    return transfer(res, async () => {
      let bytes = 0;
      let firstByteMs = -1;
      let firstChunkBytes = 0;
      let lastByteMs = -1;
      let tooBig = false;
      await new Promise<void>((resolve) => {
        req.on('data', (chunk: Buffer) => {
          const t = performance.now();
          if (firstByteMs < 0) {
            firstByteMs = t;
            firstChunkBytes = chunk.length;
          }
          lastByteMs = t;
          bytes += chunk.length;
          if (bytes > state.limits.maxBytes && !tooBig) {
            tooBig = true;
            req.pause();
            resolve();
          }
        });
        req.on('end', resolve);
        req.on('error', () => resolve());
        req.on('close', resolve);
      });
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
    if (!limiter.take(ctx.remoteAddress)) {
      sendError(res, 429, `more than ${state.limits.requestsPerMinute} requests a minute from one client`, { 'retry-after': '10' });
      return true;
    }
    if (path === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { ...COMMON_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
      res.end('TLS Throttle Detector test endpoint. See /info.\n');
    } else if (path === '/info' && req.method === 'GET') {
      sendJson(res, 200, info(ctx));
    } else if (path === '/payload' && (req.method === 'GET' || req.method === 'HEAD')) {
      await payload(req, res, url);
    } else if (path === '/upload' && req.method === 'POST') {
      await upload(req, res);
    } else {
      sendError(res, 405, `${req.method} is not allowed on ${path}`, { allow: path === '/upload' ? 'POST' : 'GET, HEAD' });
    }
    return true;
  };
}
