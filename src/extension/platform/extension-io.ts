// The browser's side effects for the measurement core: fetch, a monotonic clock, SHA-256, and
// the guards that both legs travelled as the method assumes.
//
// Why a plaintext guard: Firefox's default extension CSP carries `upgrade-insecure-requests`,
// which silently fetches http:// URLs over TLS (MDN, "content_security_policy", default policy
// in Manifest V3). Our manifest declares a CSP without it, and every run checks at run time that
// a plaintext leg stayed plaintext: by the response URL before the body is read (the core's
// `inspect` hook), and by the Resource Timing entry once the body has ended, since browsers add
// that entry only then (W3C Resource Timing, "mark resource timing" at response end).
//
// Why a TCP guard: a server that advertises HTTP/3 (an `Alt-Svc: h3` header, RFC 9114 sec. 3.1.1,
// or a DNS HTTPS record, RFC 9460) gets the browser's later https:// requests over QUIC on UDP
// port 443, which no fetch option can refuse. The plain leg stays on TCP, so the run would
// compare two transports with their own congestion control and CPU cost, and a shaper of TCP
// port 443 would not touch the TLS leg at all. Chromium names the protocol a resource used in
// its Resource Timing entry (`nextHopProtocol`, an ALPN id such as "h3"), checked once the body
// has ended; Firefox leaves that field empty for an extension's cross-origin fetch but marks an
// HTTP/3 response with a header of its own, `X-Firefox-Http3` (as it marks HTTP/2 with
// `X-Firefox-Spdy`), checked as soon as the headers arrive.
import { MeasureError } from '../../core/errors.js';
import { safeText } from '../../core/safe-text.js';
import { withBody, type Clock, type FetchLike, type ReaderLike, type ResponseInspector, type ResponseLike } from '../../core/io.js';

/** The Resource Timing fields the guard reads. */
export interface TimingEntryLike {
  name: string;
  nextHopProtocol?: string;
  secureConnectionStart: number;
}

export interface TimingSource {
  getEntriesByName(name: string, type?: string): readonly object[];
  clearResourceTimings?(): void;
  setResourceTimingBufferSize?(size: number): void;
}

export const browserClock: Clock = { now: () => performance.now() };

/** What a plaintext transfer's Resource Timing entry says was wrong with it, if anything. */
export function timingProblem(url: string, entry: TimingEntryLike): string | undefined {
  if (entry.name.startsWith('https:')) {
    return `${url} was fetched as ${entry.name} (Resource Timing): the browser upgraded the plaintext leg to TLS`;
  }
  // secureConnectionStart is 0 exactly when no TLS was used (W3C Resource Timing Level 2).
  if (entry.secureConnectionStart > 0) {
    return `${url} went over a TLS connection (Resource Timing secureConnectionStart ${Math.round(entry.secureConnectionStart)} ms): the plaintext leg was not plaintext`;
  }
  return undefined;
}

/**
 * What a TLS transfer's Resource Timing entry says was wrong with it, if anything: it went over
 * QUIC. ALPN ids (IANA registry): "h3" (RFC 9114), "h3-29" and the like for drafts; Chromium
 * once reported gQUIC as "http/2+quic/46". An empty value (a browser that hides it) says nothing.
 */
export function transportProblem(url: string, entry: TimingEntryLike): string | undefined {
  const protocol = entry.nextHopProtocol ?? '';
  if (!/^h3(?:-|$)|quic/i.test(protocol)) return undefined;
  return `${url} went over ${protocol} (Resource Timing nextHopProtocol): ${NOT_TCP}`;
}

const NOT_TCP = 'HTTP/3 runs on QUIC over UDP, not TLS over TCP like the plain leg, so the two legs would compare transports, not encryption';

/** The same from the headers Firefox adds to a response it received over HTTP/3. */
export function firefoxTransportProblem(url: string, headers: { get(name: string): string | null }): string | undefined {
  const protocol = headers.get('x-firefox-http3');
  if (protocol === null) return undefined;
  return `${url} went over ${safeText(protocol, 20) || 'HTTP/3'} (Firefox's X-Firefox-Http3 response header): ${NOT_TCP}`;
}

/** The core's per-response check: the URL the browser actually fetched. */
export const responseUrlInspector: ResponseInspector = (res, expectedScheme) => {
  if (expectedScheme === 'http' && res.url.startsWith('https:')) {
    return `${res.url} answered a plaintext request: the browser upgraded the plaintext leg to TLS`;
  }
  return undefined;
};

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Looks for the entry a few times: it is queued as a task right after the body ends. */
async function entryFor(timing: TimingSource, url: string, attempts: number): Promise<TimingEntryLike | undefined> {
  for (let i = 0; i < attempts; i++) {
    const entry = timing.getEntriesByName(url, 'resource').at(-1) as TimingEntryLike | undefined;
    if (entry) return entry;
    await wait(i === 0 ? 0 : 10);
  }
  return undefined;
}

/** What the ended transfer's entry must not show: TLS on a plaintext leg, QUIC on a TLS leg. */
interface Guard {
  kind: 'not-plaintext' | 'not-tcp';
  problem: (url: string, entry: TimingEntryLike) => string | undefined;
}

const PLAINTEXT_GUARD: Guard = { kind: 'not-plaintext', problem: timingProblem };
const TCP_GUARD: Guard = { kind: 'not-tcp', problem: transportProblem };

/** Throws when the ended transfer turns out to have travelled otherwise than asked. */
async function checkEnded(url: string, timing: TimingSource, guard: Guard): Promise<void> {
  const entry = await entryFor(timing, url, 5);
  const problem = entry && guard.problem(url, entry);
  // Each URL carries a nonce, so entries are never looked up again: keep the buffer (250
  // entries by default) from filling up and dropping later ones.
  timing.clearResourceTimings?.();
  if (problem) throw new MeasureError(guard.kind, problem);
}

function guardedReader(inner: ReaderLike, url: string, timing: TimingSource, guard: Guard): ReaderLike {
  return {
    async read() {
      const r = await inner.read();
      if (r.done) await checkEnded(url, timing, guard);
      return r;
    },
    cancel: (reason) => inner.cancel(reason),
  };
}

function guarded(res: ResponseLike, url: string, timing: TimingSource, guard: Guard): ResponseLike {
  const body = res.body;
  return withBody(res, body && { getReader: () => guardedReader(body.getReader(), url, timing, guard) }, async () => {
    const text = await res.text();
    await checkEnded(url, timing, guard);
    return text;
  });
}

/**
 * A response whose body is refused unread: the error comes from reading it, as the Resource
 * Timing checks' do, so every caller handles it where it handles a body's failure (a fetch
 * that throws reads as an unreachable server).
 */
function refusedBody(res: ResponseLike, error: MeasureError): ResponseLike {
  void res.body?.getReader().cancel(error).catch(() => undefined);
  const fail = async (): Promise<never> => {
    throw error;
  };
  return withBody(res, { getReader: () => ({ read: fail, cancel: async () => undefined }) }, fail);
}

/**
 * The credentials mode that keeps a flow (io.ts RequestOptions.flow) on connections of its
 * own. A page or worker cannot pick a connection, but browsers keep credentialed and
 * uncredentialed requests to one origin in separate socket pools: Chromium's socket pool
 * groups are keyed by privacy mode, which `credentials: 'omit'` turns on (net/socket/
 * client_socket_pool.h, GroupId), and Firefox's connection hash key carries an anonymous flag
 * (netwerk/protocol/http/nsHttpConnectionInfo.cpp). So the first flow seen on an origin (the
 * screening download) gets 'omit' and every later one 'include': on the plain origin the
 * low-entropy download and the plain upload then share a pool, whose first request is the
 * low-entropy one (src/core/plan.ts, legs in that order). The upload does not share the random
 * download's: in the WAN lab's extension runs that download then ran at 22 Mbit/s beside
 * HTTPS's 37 (screening 0.56-0.68x, unshaped), and at 38-45 with the upload moved off it
 * (bench/RESULTS.md, "Every run's references"). Only our endpoint's own
 * plan has two flows on one origin, and the endpoint sets no cookie (src/server); a file or a
 * mirror is always fetched without credentials. test/e2e/flows.test.ts counts the sockets each
 * leg used at the endpoint, in Chromium and Firefox.
 */
export function flowCredentials(): (url: string, flow: string | undefined) => RequestCredentials {
  const flowsByOrigin = new Map<string, string[]>();
  return (url, flow) => {
    if (flow === undefined) return 'omit';
    const origin = new URL(url).origin;
    const flows = flowsByOrigin.get(origin) ?? [];
    if (!flows.includes(flow)) flows.push(flow);
    flowsByOrigin.set(origin, flows);
    return flows.indexOf(flow) >= 1 ? 'include' : 'omit';
  };
}

/**
 * fetch as the core wants it: never from cache, never following redirects, no cookies but on
 * a second flow to one origin (flowCredentials); every body is checked against Resource Timing
 * when it ends: a plaintext one for TLS, a TLS one for QUIC.
 *
 * `headers` go with every request: the project's User-Agent (src/core/user-agent.ts), which
 * Firefox sends and Chrome silently replaces with its own (Chromium bug 571722).
 */
export function extensionFetch(
  fetchImpl: typeof fetch = fetch,
  timing: TimingSource = performance,
  headers: Record<string, string> = {},
): FetchLike {
  timing.setResourceTimingBufferSize?.(1000);
  const credentialsOf = flowCredentials();
  return async (url, init) => {
    const res = await fetchImpl(url, {
      method: init.method ?? 'GET',
      body: init.body as BodyInit | undefined,
      headers: { ...headers, ...init.headers },
      signal: init.signal,
      redirect: 'manual',
      cache: 'no-store',
      credentials: credentialsOf(url, init.flow),
    });
    const like = res as unknown as ResponseLike;
    if (url.startsWith('https:')) {
      const overQuic = firefoxTransportProblem(url, res.headers);
      if (overQuic) return refusedBody(like, new MeasureError('not-tcp', overQuic));
      return guarded(like, url, timing, TCP_GUARD);
    }
    if (!url.startsWith('http:')) return like;
    // With redirect: 'manual' a server's redirect never yields an https response; one that
    // does was upgraded inside the browser (upgrade-insecure-requests, HSTS), which Firefox
    // reports as an internal redirect. The browser, not the network, changed the leg.
    if (res.url.startsWith('https:')) {
      throw new MeasureError('not-plaintext', `${url} was fetched as ${res.url}: the browser upgraded the plaintext leg to TLS (upgrade-insecure-requests or HSTS)`);
    }
    return guarded(like, url, timing, PLAINTEXT_GUARD);
  };
}
