// The hostile behaviours the client suite runs the CLI against, one handler each.
import { createHash } from 'node:crypto';
import { WebSocketServer } from 'ws';
import type { Handler, UpgradeHandler } from './hostile-endpoint.js';
import { ESCAPES, infoBody, payloadBytes, sendZeros } from './hostile-endpoint.js';

const path = (url = '/') => new URL(url, 'http://x').pathname;

/** /info accepted and never answered. */
export const silentInfo: Handler = () => undefined;

/** /info answers 200 and then one byte every 200 ms, forever. */
export const drippingInfo: Handler = (req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  const timer = setInterval(() => res.write(' '), 200);
  res.on('close', () => clearInterval(timer));
};

/** /info answers 200 and then sends as fast as the client reads, forever. */
export const endlessInfo: Handler = (req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
};

/**
 * A real-looking endpoint whose digest HEADs never answer. The TLS leg is paced at 20 Mbit/s
 * and the plain one is not, so their ramps reach different sizes and the plain leg soon needs
 * a digest its TLS leg never fetched: the HEAD comes within the first second.
 */
export const stalledDigestHead: Handler = (req, res, ctx) => {
  if (path(req.url) === '/info') return void res.end(infoBody(ctx.tlsPort, ctx.plainPort));
  if (req.method === 'HEAD') return;
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': payloadBytes(req) });
  sendZeros(res, payloadBytes(req), ctx.scheme === 'https' ? 20 : undefined);
};

/** /info is fine; every payload sends half its bytes and then nothing. */
export const stalledTransfer: Handler = (req, res, ctx) => {
  if (path(req.url) === '/info') return void res.end(infoBody(ctx.tlsPort, ctx.plainPort));
  const bytes = payloadBytes(req);
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes });
  res.write(Buffer.alloc(Math.floor(bytes / 2)));
};

/**
 * A fast endpoint whose upload receipts are escape sequences (what an ISP that rewrites
 * plaintext could send); with `via`, its plaintext answers also carry a long Via header with C1
 * controls in it (header values cannot carry C0 controls, Node refuses them, but latin1's C1
 * range is legal there).
 */
export function escapingEndpoint(opts: { via?: boolean } = {}): Handler {
  return (req, res, ctx) => {
    const p = path(req.url);
    if (p === '/info') return void res.end(infoBody(ctx.tlsPort, ctx.plainPort));
    if (p === '/upload') {
      req.resume();
      req.on('end', () => res.end(`${ESCAPES} receipt ${ESCAPES}`.repeat(20)));
      return;
    }
    const bytes = payloadBytes(req);
    // The zeros it sends, vouched for as our endpoint vouches for its bodies (RFC 9530), so a
    // plaintext transfer of a size no TLS transfer fetched can still be verified.
    const digest = createHash('sha256').update(Buffer.alloc(bytes)).digest('base64');
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'content-length': bytes, 'repr-digest': `sha-256=:${digest}:` };
    if (opts.via && ctx.scheme === 'http') headers.via = `1.1 isp-proxy \u009b2J\u0085${'x'.repeat(5000)}`;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    sendZeros(res, payloadBytes(req));
  };
}

/** M-Lab's locate API that never answers. */
export const silentLocate: Handler = () => undefined;

/**
 * A locate API that answers one server on this endpoint's ports, named with escape sequences,
 * whose ndt7 WebSockets open (with the ndt7 subprotocol) and then never send a message.
 */
export const stalledNdt7Locate: Handler = (req, res, ctx) => {
  if (!path(req.url).startsWith('/v2/nearest/ndt/ndt7')) return void res.writeHead(404).end();
  const machine = `mlab1-evil${ESCAPES}`;
  const url = (scheme: string, port: number, p: string) => `${scheme}://127.0.0.1:${port}${p}?access_token=x`;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      results: [
        {
          machine,
          location: { city: `Nowhere${ESCAPES}`, country: 'ZZ' },
          urls: {
            'ws:///ndt/v7/download': url('ws', ctx.plainPort, '/ndt/v7/download'),
            'wss:///ndt/v7/download': url('wss', ctx.tlsPort, '/ndt/v7/download'),
          },
        },
      ],
    }),
  );
};

/** Accepts the ndt7 upgrade and then sends nothing, ever. */
export function stalledNdt7Upgrade(): UpgradeHandler {
  const server = new WebSocketServer({ noServer: true, handleProtocols: () => 'net.measurementlab.ndt.v7' });
  return (req, socket, head) => server.handleUpgrade(req, socket, head, () => undefined);
}
