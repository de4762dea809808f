// Node's side effects for the core: undici's request API with our CA (or none), Node's hash.
// undici.request rather than fetch: the same connection pool without WHATWG streams, whose
// per-chunk cost caps loopback goodput at about half of curl's (bench/goodput.ts).
import { createHash } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import type { Clock, FetchLike, Hasher, ReaderLike, ResponseLike } from '../core/io.js';

export interface TlsTrust {
  caFile?: string;
  insecure?: boolean;
  /** `--resolve NAME:ADDRESS`: connections to NAME go to ADDRESS (SNI and the certificate check keep NAME). */
  resolve?: { name: string; address: string };
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
      body.destroy();
    },
  };
}

export function nodeFetch(trust: TlsTrust, requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): { fetch: FetchLike; close: () => Promise<void> } {
  const ca = trust.caFile ? readFileSync(trust.caFile, 'utf8') : undefined;
  const timeoutMs = Math.max(1, Math.ceil(requestTimeoutMs));
  const timeouts = { headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
  const connect = {
    ca,
    rejectUnauthorized: !trust.insecure,
    timeout: Math.min(timeoutMs, CONNECT_TIMEOUT_MS),
    ...(trust.resolve ? { lookup: lookupWith(trust.resolve) } : {}),
  };
  const agent = new Agent({
    connect,
    ...timeouts,
    // One connection per origin carries all of a leg's transfers, one after another, as a
    // browser's would: shaping that starts after some megabytes in one flow then shows. With
    // more allowed, undici opened a second connection when the next request came before it had
    // filed the last response as complete, and the leg's bytes were split across two flows.
    connections: 1,
    keepAliveTimeout: 30_000,
  });
  // undici closes a connection after a HEAD (servers that send a body anyway would corrupt
  // the next response), so the digest HEADs get connections of their own: on the legs' pool
  // each one cut a leg's flow in the lab, and its 7 MB-per-flow shaper never engaged.
  const headAgent = new Agent({ connect, ...timeouts });
  const fetch: FetchLike = async (url, init) => {
    const res = await request(url, {
      method: init.method ?? 'GET',
      body: init.body,
      headers: init.headers,
      signal: init.signal,
      dispatcher: init.method === 'HEAD' ? headAgent : agent,
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
  return { fetch, close: async () => void (await Promise.all([agent.destroy(), headAgent.destroy()])) };
}

export function nodeHasher(): Hasher {
  const h = createHash('sha256');
  return { update: (c) => void h.update(c), digestBase64: () => h.digest('base64') };
}

export const nodeClock: Clock = { now: () => performance.now() };
