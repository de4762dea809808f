// HTTP-01 (RFC 8555 sec. 8.3): the ACME server fetches
// http://DOMAIN/.well-known/acme-challenge/TOKEN and expects the key authorization as the body.
// Every port of the endpoint answers plain HTTP (src/server/dual-listener.ts), port 80 included,
// so the challenge is answered by the same listeners that serve measurements: no second server
// and no moment where port 80 is handed to another program.
import type { RouteHandler } from '../http-util.js';

const PREFIX = '/.well-known/acme-challenge/';
// RFC 8555 sec. 8.3: the token is base64url; anything else is not one of ours.
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

export interface ChallengeResponses {
  route: RouteHandler;
  set(token: string, keyAuthorization: string): void;
  delete(token: string): void;
}

export function challengeResponses(): ChallengeResponses {
  const answers = new Map<string, string>();
  const route: RouteHandler = (req, res, ctx) => {
    if (!ctx.url.pathname.startsWith(PREFIX)) return false;
    const token = ctx.url.pathname.slice(PREFIX.length);
    const body = TOKEN.test(token) ? answers.get(token) : undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('no such ACME challenge token\n');
    } else {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    }
    return true;
  };
  return {
    route,
    set: (token, keyAuthorization) => void answers.set(token, keyAuthorization),
    delete: (token) => void answers.delete(token),
  };
}
