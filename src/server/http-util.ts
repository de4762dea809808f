import type { IncomingMessage, ServerResponse } from 'node:http';

/** Headers every answer carries: any page may measure us, and no cache may keep a body. */
export const COMMON_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'repr-digest, content-length',
  'timing-allow-origin': '*',
  'cache-control': 'no-store, no-transform',
};

export function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...extra,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, { error: message }, extra);
}

/** Context of a request: which scheme and port it arrived on, and who sent it (never stored). */
export interface RequestContext {
  scheme: 'http' | 'https';
  port: number;
  remoteAddress: string;
  url: URL;
  /** How long a transfer may make no progress before its socket is closed (endpoint-server.ts). */
  transferStallMs: number;
}

export type DrainOutcome = 'drained' | 'closed' | 'stalled';

/**
 * Waits until `res` may be written again. A client that stops reading would otherwise hold the
 * response (and whatever slot it has) for ever: past `stallMs` without a 'drain' the socket is
 * destroyed and 'stalled' returned.
 */
export function drainOrStall(res: ServerResponse, stallMs: number): Promise<DrainOutcome> {
  if (res.destroyed) return Promise.resolve('closed');
  return new Promise((resolve) => {
    const done = (outcome: DrainOutcome) => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(outcome);
    };
    const onDrain = () => done('drained');
    const onClose = () => done('closed');
    const timer = setTimeout(() => {
      done('stalled');
      res.destroy();
    }, stallMs);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/** A handler that answers some paths and returns false for the rest. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, ctx: RequestContext) => Promise<boolean> | boolean;
