// Node's side effects for the core: undici's request API with our CA (or none), Node's hash.
// undici.request rather than fetch: the same connection pool without WHATWG streams, whose
// per-chunk cost caps loopback goodput at about half of curl's (bench/goodput.ts).
import { createHash } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { Agent, buildConnector, Client, request, type Dispatcher } from 'undici';
import type { Clock, FetchLike, Hasher, ReaderLike, ResponseLike } from '../core/io.js';
import { politeUserAgent } from '../core/user-agent.js';

/** Set by build.mjs from package.json. */
declare const __VERSION__: string;
declare const __HOMEPAGE__: string;

/** Sent with every request: servers that are not ours can see what is asking (core/user-agent.ts). */
export const CLI_USER_AGENT = politeUserAgent(
  typeof __VERSION__ === 'string' ? __VERSION__ : 'dev',
  typeof __HOMEPAGE__ === 'string' && __HOMEPAGE__ ? __HOMEPAGE__ : undefined,
);

export interface TlsTrust {
  caFile?: string;
  insecure?: boolean;
  /** `--resolve NAME:ADDRESS`: connections to NAME go to ADDRESS (SNI and the certificate check keep NAME). */
  resolve?: { name: string; address: string };
  /**
   * A run by server name (cli/sni-io.ts): every TLS connection sends this server name and is
   * checked against the endpoint's pinned certificate instead of against the name.
   */
  sni?: { serverName: string; checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** net.connect's `lookup` option: NAME answers ADDRESS, every other name goes to the system resolver. */
function lookupWith(pin: { name: string; address: string }) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    if (hostname.toLowerCase() !== pin.name) return void dnsLookup(hostname, options, callback as never);
    const family = isIP(pin.address);
    if (options.all) callback(null, [{ address: pin.address, family }]);
    else callback(null, pin.address, family);
  };
}

/**
 * undici waits 300 s for headers and 300 s between body chunks by default (its Agent's
 * headersTimeout and bodyTimeout): far past any run's limit. A run's pools wait no longer
 * than the run may last; the run's deadline (core/deadline-fetch.ts) aborts sooner still.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 10_000;

function readerOf(body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown }): ReaderLike {
  const it = body[Symbol.asyncIterator]();
  return {
    async read() {
      const { done, value } = await it.next();
      return done ? { done: true } : { done: false, value: value as Uint8Array };
    },
    async cancel() {
      // undici reports a body destroyed before its end as an 'error' event (UND_ERR_ABORTED):
      // cancelling is what we meant, so it is no error, and unheard it would end the process.
      (body as unknown as { on(e: 'error', l: () => void): void }).on('error', () => undefined);
      body.destroy();
    },
  };
}

export interface NodeIo {
  fetch: FetchLike;
  /** fetch ends a flow's connection when asked (RequestOptions.closeConnection). */
  endsConnections: true;
  close: () => Promise<void>;
  /**
   * The address the newest connection to an origin ("https://host:port", default ports left
   * out) reached: how a mirror check tells whether both schemes reach the same server.
   */
  remoteAddressOf: (origin: string) => string | undefined;
}

function originKey(protocol: string, hostname: string, port: string | number | undefined): string {
  const p = String(port ?? '');
  const dflt = protocol === 'https:' ? '443' : '80';
  return `${protocol}//${hostname}${p && p !== dflt ? `:${p}` : ''}`;
}

export function nodeFetch(trust: TlsTrust, requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): NodeIo {
  const ca = trust.caFile ? readFileSync(trust.caFile, 'utf8') : undefined;
  const timeoutMs = Math.max(1, Math.ceil(requestTimeoutMs));
  const timeouts = { headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
  const remote = new Map<string, string>();
  // undici's own connector, wrapped to note each socket's remote address once it connects.
  const connector = (): buildConnector.connector => {
    const base = buildConnector({
      ca,
      rejectUnauthorized: !trust.insecure,
      timeout: Math.min(timeoutMs, CONNECT_TIMEOUT_MS),
      ...(trust.resolve ? { lookup: lookupWith(trust.resolve) } : {}),
      // The chain is still verified (rejectUnauthorized above); only the name check is the pin's.
      ...(trust.sni ? { checkServerIdentity: trust.sni.checkServerIdentity } : {}),
    } as buildConnector.BuildOptions);
    // undici derives the server name from each request's host, ahead of the connector's own
    // option (lib/core/connect.js), so a run by name sets it on every connection here.
    const sni = trust.sni ? { servername: trust.sni.serverName } : {};
    return (opts, cb) =>
      base({ ...opts, ...sni }, (err, socket) => {
        if (socket?.remoteAddress) remote.set(originKey(opts.protocol, opts.hostname, opts.port), socket.remoteAddress);
        // The overloads of undici's callback type take (err, null) or (null, socket).
        (cb as (e: Error | null, s: typeof socket) => void)(err, socket);
      });
  };
  // One connection per origin and flow carries all of a leg's transfers, one after another:
  // shaping that starts after some megabytes in one flow then shows. With more allowed,
  // undici opened a second connection when the next request came before it had filed the last
  // response as complete, and the leg's bytes were split across two flows. Each flow (a leg,
  // io.ts RequestOptions.flow) has a pool of its own: legs that shared one connection shared
  // its classification, and a classifier of encrypted-looking flows that saw the random leg
  // first throttled the low-entropy leg after it on the same connection (0.69x in the WAN lab).
  //
  // A flow's pool is an undici Client of its own, not an Agent: an Agent drops an origin's
  // client once its count of connected sockets reaches zero and finds the entry to decrement
  // by origin alone (undici 7, lib/dispatcher/agent.js closeClientIfUnused), so the late
  // 'disconnect' of a connection the server had ended (our endpoint's close=1, a server's idle
  // timeout) closed the next client's connection too, and from then on every request of the
  // flow got a connection of its own (test/cli/node-io.test.ts).
  const keepAlive = { ...timeouts, keepAliveTimeout: 30_000 };
  const agent = new Agent({ connect: connector(), ...keepAlive, connections: 1 });
  const flowClients = new Map<string, Client>();
  const dispatcherFor = (url: string, flow: string | undefined): Dispatcher => {
    if (flow === undefined) return agent;
    const origin = new URL(url).origin;
    const key = `${origin} ${flow}`;
    let c = flowClients.get(key);
    if (!c) flowClients.set(key, (c = new Client(origin, { connect: connector(), ...keepAlive })));
    return c;
  };
  // undici closes a connection after a HEAD (servers that send a body anyway would corrupt
  // the next response), so the digest HEADs get connections of their own: on the legs' pool
  // each one cut a leg's flow in the lab, and its 7 MB-per-flow shaper never engaged.
  const headAgent = new Agent({ connect: connector(), ...timeouts });
  const fetch: FetchLike = async (url, init) => {
    const res = await request(url, {
      method: init.method ?? 'GET',
      body: init.body,
      headers: { 'user-agent': CLI_USER_AGENT, ...init.headers },
      signal: init.signal,
      dispatcher: init.method === 'HEAD' ? headAgent : dispatcherFor(url, init.flow),
      // undici sends `connection: close` and destroys the socket once the response is read
      // (lib/dispatcher/client-h1.js, kReset): the flow's next request opens a new connection.
      ...(init.closeConnection ? { reset: true } : {}),
    });
    const headers = res.headers;
    const response: ResponseLike = {
      status: res.statusCode,
      // No redirect is ever followed, so the response URL is the request's.
      url,
      redirected: false,
      type: 'basic',
      headers: {
        get: (name) => {
          const v = headers[name.toLowerCase()];
          return v === undefined ? null : Array.isArray(v) ? v.join(', ') : String(v);
        },
      },
      body: init.method === 'HEAD' ? null : { getReader: () => readerOf(res.body) },
      text: () => res.body.text(),
    };
    if (init.method === 'HEAD') await res.body.dump();
    return response;
  };
  // destroy, not close: close waits for requests in flight, and a run that ended at its
  // deadline may have left one with a peer that never answers.
  return {
    fetch,
    endsConnections: true,
    close: async () => void (await Promise.all([agent, headAgent, ...flowClients.values()].map((a) => a.destroy()))),
    remoteAddressOf: (origin) => remote.get(origin),
  };
}

export function nodeHasher(): Hasher {
  const h = createHash('sha256');
  return { update: (c) => void h.update(c), digestBase64: () => h.digest('base64') };
}

export const nodeClock: Clock = { now: () => performance.now() };
