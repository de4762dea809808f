// A simulated line for the runner's unit tests: a virtual clock, and a fetch that answers like
// our endpoint, streaming each leg at the rate the test sets. Deterministic and fast, so the
// rules of the method can be tested one by one; the real network is the lab's job.
import type { Clock, FetchLike, Hasher, ResponseLike } from '../../src/core/io.js';
import { xoshiro128 } from '../../src/core/payload.js';
import { INITIAL_WINDOW_BYTES } from '../../src/core/slow-start.js';

interface Timer {
  atMs: number;
  seq: number;
  fn: () => void;
}

/**
 * The sims' virtual clock. Time moves only when a sim says so: simNetwork's fetch advances it
 * by each transfer's duration, synchronously; a sim of a push protocol (sim-ndt7.ts) schedules
 * its deliveries as timers instead. Code under test that waits on setTimeout (the ndt7 subtest's
 * watchdog and upload pump) gets these timers too while `run` drives it, so that a minute of
 * measurement takes as long as the computation, and the same seed gives the same run.
 */
export class SimClock implements Clock {
  private nowMs = 0;
  private seq = 0;
  private readonly timers = new Map<number, Timer>();

  now = (): number => this.nowMs;

  advance(ms: number): void {
    this.nowMs += ms;
  }

  setTimer(fn: () => void, delayMs = 0): number {
    const id = ++this.seq;
    this.timers.set(id, { atMs: this.nowMs + Math.max(0, delayMs), seq: id, fn });
    return id;
  }

  clearTimer(id: unknown): void {
    if (typeof id === 'number') this.timers.delete(id);
  }

  /** Resolves after `ms` of virtual time (inside `run`). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(resolve, ms));
  }

  /**
   * Runs `work` with the global setTimeout/clearTimeout on this clock: the earliest timer fires
   * next, at its virtual time, after every promise the previous one settled has run (one
   * setImmediate turn drains the microtasks, as Node does between real timers). `limitMs` of
   * virtual time guards against a run that never ends.
   */
  async run<T>(work: () => Promise<T>, limitMs = 3_600_000): Promise<T> {
    const saved = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
    const virtualSetTimeout = (fn: (...args: unknown[]) => void, delayMs?: number, ...args: unknown[]) =>
      this.setTimer(() => fn(...args), delayMs);
    globalThis.setTimeout = virtualSetTimeout as unknown as typeof setTimeout;
    globalThis.clearTimeout = ((id: unknown) => this.clearTimer(id)) as typeof clearTimeout;
    let settled = false;
    try {
      const done = work();
      done.then(
        () => (settled = true),
        () => (settled = true),
      );
      for (;;) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (settled) return await done;
        let next: Timer | undefined;
        for (const t of this.timers.values()) if (!next || t.atMs < next.atMs || (t.atMs === next.atMs && t.seq < next.seq)) next = t;
        if (!next) throw new Error(`SimClock: nothing scheduled at ${this.nowMs} ms and the work has not settled`);
        if (next.atMs > limitMs) throw new Error(`SimClock: the work ran past ${limitMs} ms of virtual time`);
        this.timers.delete(next.seq);
        this.nowMs = Math.max(this.nowMs, next.atMs);
        next.fn();
      }
    } finally {
      globalThis.setTimeout = saved.setTimeout;
      globalThis.clearTimeout = saved.clearTimeout;
    }
  }
}

export interface SimLeg {
  /** Goodput in Mbit/s for a leg key such as "https-443" or "http-80" (download). */
  mbps: number;
  /** Upload goodput; defaults to mbps. */
  upMbps?: number;
  /** Noise of uploads, as `noise`; defaults to noise. */
  upNoise?: number;
  /** Per-transfer multiplicative noise, as a fraction (0.1 = +-10% uniform); below 1, or a rate could reach zero. */
  noise?: number;
  /** Serve this many bytes at burstMbps before settling to mbps (a token bucket). */
  burstBytes?: number;
  burstMbps?: number;
  /**
   * A tbf's rate: with burstBytes, the leg runs at whatever the line gives it now (rateAt,
   * slow start) while tokens last, and tokens refill at this rate (bench/sim-stopping.ts
   * --bucket). Without it the bucket refills at the leg's rate and bursts at burstMbps.
   */
  bucketMbps?: number;
  /**
   * Delayed throttling of one long flow: once the leg's connection has carried this many bytes
   * (one per leg, until a transfer asks close=1), it drops to slowMbps.
   */
  slowAfterBytes?: number;
  slowMbps?: number;
  /**
   * The leg's first connection runs at this rate, its later ones at mbps: a connection held
   * back by its own loss history, with no shaper (decision.ts rule 1f).
   */
  firstConnectionMbps?: number;
  /** Goodput while cross traffic fills the line (SimOptions.busy); defaults to mbps. */
  busyMbps?: number;
}

export interface SimOptions {
  legs: Record<string, SimLeg>;
  ports?: number[];
  ttfbMs?: number;
  seed?: number;
  /** Plaintext tampering, to test the integrity checks. */
  plaintext?: 'redirect' | 'alter' | 'via' | 'captive-portal';
  /** Advertised in /info as the endpoint's wildcard zone (serve --sni-zone). */
  sniZone?: string;
  /** A leg key whose transfers stop sending after this many bytes. */
  stallLeg?: string;
  stallAfterBytes?: number;
  /** Low-entropy ('text') payloads of plaintext legs get this rate instead (entropy shaper). */
  textMbps?: number;
  /** Cross traffic on the line: true while it runs, by the sim's clock in ms. */
  busy?: (nowMs: number) => boolean;
  /** A clock to share with another sim (sim-ndt7.ts); a fresh one by default. */
  clock?: SimClock;
  /**
   * The line as a function of time, for the stopping-rule simulation (bench/sim-stopping.ts):
   * the goodput in Mbit/s a leg's flow gets now (cross traffic, drift, a shaper's cap, loss),
   * read at every chunk in place of the leg's mbps (noise and bursts still apply). `payload`
   * is 'text' for a download of the low-entropy body (a classifier of encrypted-looking
   * flows lets it pass).
   */
  rateAt?: (legKey: string, nowMs: number, payload?: 'text') => number;
  /**
   * The path's round trip: each transfer starts in slow start (10 segments, doubling every
   * round trip, as after an idle; RFC 2861), so a short transfer on a long path is
   * window-limited. Off when absent.
   */
  rttMs?: number;
}

const CHUNK = 64 * 1024;
const ZEROS = new Uint8Array(CHUNK);

/** A checksum hasher: fast enough for tens of MB per test, and sensitive to any changed byte. */
export function sumHasher(): Hasher {
  let sum = 0;
  let n = 0;
  return {
    update(chunk) {
      for (let i = 0; i < chunk.length; i++) sum = (sum + chunk[i]! * ((n + i) % 251 + 1)) % 2147483647;
      n += chunk.length;
    },
    digestBase64: () => `${n.toString(36)}x${sum.toString(36)}`,
  };
}

function expectedDigest(bytes: number): string {
  return `${bytes.toString(36)}x0`;
}

export interface Sim {
  fetch: FetchLike;
  clock: SimClock;
  /** Virtual seconds elapsed. */
  elapsedMs(): number;
  requests: string[];
}

export function simNetwork(opts: SimOptions): Sim {
  const clock = opts.clock ?? new SimClock();
  const rnd = xoshiro128(opts.seed ?? 1);
  const uniform = () => rnd() / 2 ** 32;
  const ports = opts.ports ?? [80, 443];
  const requests: string[] = [];
  const ttfb = opts.ttfbMs ?? opts.rttMs ?? 20;
  // A factor of 1 - noise at or below zero would never finish a transfer.
  for (const [key, leg] of Object.entries(opts.legs)) {
    for (const n of [leg.noise, leg.upNoise]) if (n !== undefined && !(n >= 0 && n < 1)) throw new Error(`sim leg ${key}: noise ${n} must lie in [0, 1)`);
  }

  const headers = (h: Record<string, string>) => ({ get: (k: string) => h[k.toLowerCase()] ?? null });

  const textResponse = (url: string, status: number, body: string, h: Record<string, string> = {}): ResponseLike => ({
    status,
    url,
    redirected: false,
    type: 'basic',
    headers: headers(h),
    body: null,
    text: async () => body,
  });

  const keyOf = (u: URL) => `${u.protocol.replace(':', '')}-${u.port || (u.protocol === 'https:' ? 443 : 80)}`;
  const legFor = (u: URL): SimLeg => {
    const key = keyOf(u);
    const leg = opts.legs[key];
    if (!leg) throw new TypeError(`fetch failed: connection refused (${key})`);
    return leg;
  };

  // A token bucket per leg, refilled at the shaped rate over virtual time (a tbf qdisc): a
  // chunk goes at the burst rate while tokens last.
  const buckets = new Map<SimLeg, { tokens: number; at: number }>();
  const flowBytes = new Map<SimLeg, number>();
  const renewed = new Set<SimLeg>();
  /** Milliseconds that sending n bytes takes now. */
  const sendMs = (leg: SimLeg, n: number, rateMbps: number): number => {
    if (leg.burstBytes === undefined) return (n * 8) / (rateMbps * 1000);
    const refillMbps = leg.bucketMbps ?? rateMbps;
    const b = buckets.get(leg) ?? { tokens: leg.burstBytes, at: clock.now() };
    b.tokens = Math.min(leg.burstBytes, b.tokens + ((clock.now() - b.at) * refillMbps * 1000) / 8);
    buckets.set(leg, b);
    const lineMs = (n * 8) / ((leg.bucketMbps !== undefined ? rateMbps : (leg.burstMbps ?? rateMbps * 4)) * 1000);
    let ms = lineMs;
    // A tbf (bucketMbps) earns tokens while it sends, too: a burst drains it at the line's
    // rate less its own.
    const earnedWhileSending = leg.bucketMbps !== undefined ? (lineMs * refillMbps * 1000) / 8 : 0;
    if (b.tokens + earnedWhileSending >= n) b.tokens = Math.min(leg.burstBytes, b.tokens + earnedWhileSending - n);
    else {
      // Wait for the missing tokens, which the wait itself earns at the shaped rate.
      ms = Math.max(lineMs, ((n - b.tokens) * 8) / (refillMbps * 1000));
      b.tokens = 0;
    }
    b.at = clock.now() + ms;
    return ms;
  };

  const fetch: FetchLike = async (url, init) => {
    requests.push(`${init.method ?? 'GET'} ${url}`);
    const u = new URL(url);
    const leg = legFor(u);
    const plain = u.protocol === 'http:';
    clock.advance(ttfb);
    if (u.pathname === '/info') {
      return textResponse(
        url,
        200,
        JSON.stringify({
          service: 'tls-throttle-endpoint',
          version: 'sim',
          ports,
          arrivedScheme: plain ? 'http' : 'https',
          arrivedPort: Number(u.port),
          limits: { maxBytes: 256 * 1024 * 1024, maxConcurrent: 32, requestsPerMinute: 600 },
          tlsCapacityMbps: 0,
          ...(opts.sniZone ? { sniZone: opts.sniZone } : {}),
        }),
      );
    }
    if (plain && opts.plaintext === 'redirect') {
      return textResponse(url, 301, '', { location: url.replace('http:', 'https:') });
    }
    if (plain && opts.plaintext === 'captive-portal') {
      return textResponse(url, 511, '<html>Log in to the hotel Wi-Fi</html>');
    }
    const noise = u.pathname === '/upload' ? (leg.upNoise ?? leg.noise) : leg.noise;
    const factor = 1 + (noise ? (uniform() * 2 - 1) * noise : 0);
    const key = keyOf(u);
    if (u.pathname === '/upload') {
      const bytes = init.body?.length ?? 0;
      const upMbps = opts.rateAt ? opts.rateAt(`${key}-up`, clock.now()) : leg.upMbps ?? leg.mbps;
      const ms = opts.rttMs ? slowStartSendMs(bytes, upMbps * factor, opts.rttMs) : (bytes * 8) / (upMbps * factor * 1000);
      const first = clock.now();
      clock.advance(ms);
      return textResponse(url, 200, JSON.stringify({ bytes, firstChunkBytes: 0, firstByteMs: first, lastByteMs: clock.now() }));
    }
    const bytes = Number(u.searchParams.get('bytes'));
    const kind = u.searchParams.get('kind');
    const h: Record<string, string> = { 'repr-digest': `sha-256=:${expectedDigest(bytes)}:`, 'content-length': String(bytes) };
    if (plain && opts.plaintext === 'via') h['via'] = '1.1 squid';
    if (init.method === 'HEAD') return textResponse(url, 200, '', h);
    const lineMbps = opts.busy?.(clock.now()) && leg.busyMbps !== undefined ? leg.busyMbps : leg.mbps;
    const rateMbps = (plain && kind === 'text' && opts.textMbps ? opts.textMbps : lineMbps) * factor;
    const startedMs = clock.now();
    let sent = 0;
    const reader = {
      async read() {
        if (sent >= bytes) {
          // close=1 ends the connection (src/server/endpoint-routes.ts): the leg's next flow starts afresh.
          if (u.searchParams.get('close') === '1') {
            flowBytes.delete(leg);
            renewed.add(leg);
          }
          return { done: true };
        }
        if (opts.stallLeg === key && sent >= (opts.stallAfterBytes ?? 0)) {
          // Never resolves until aborted: a stalled transfer.
          return new Promise<never>((_, reject) => {
            init.signal?.addEventListener('abort', () => reject(init.signal?.reason ?? new Error('aborted')), { once: true });
          });
        }
        // Reads as a socket gives them: about 5 ms of data at the current rate, 1460 to 64 KiB.
        const carried = flowBytes.get(leg) ?? 0;
        const firstMbps = leg.firstConnectionMbps !== undefined && !renewed.has(leg) ? leg.firstConnectionMbps * factor : undefined;
        const baseMbps = firstMbps ?? (opts.rateAt ? opts.rateAt(key, clock.now(), kind === 'text' ? 'text' : undefined) * factor : rateMbps);
        let nowMbps = leg.slowAfterBytes !== undefined && carried >= leg.slowAfterBytes ? leg.slowMbps ?? baseMbps : baseMbps;
        if (opts.rttMs) {
          // Slow start: the window (10 segments of 1460 bytes, doubling per round trip) caps the rate.
          const windowBytes = INITIAL_WINDOW_BYTES * 2 ** ((clock.now() - startedMs) / opts.rttMs);
          nowMbps = Math.min(nowMbps, (windowBytes * 8) / (opts.rttMs * 1000));
        }
        const chunkBytes = Math.max(1460, Math.min(CHUNK, Math.round((nowMbps * 1000 * 5) / 8)));
        const n = Math.min(chunkBytes, bytes - sent);
        clock.advance(sendMs(leg, n, nowMbps));
        flowBytes.set(leg, carried + n);
        let chunk = ZEROS.subarray(0, n);
        if (plain && opts.plaintext === 'alter' && sent === 0) {
          chunk = new Uint8Array(n);
          chunk[n >> 1] = 1;
        }
        sent += n;
        return { done: false, value: chunk };
      },
      async cancel() {},
    };
    return {
      status: 200,
      url,
      redirected: false,
      type: 'basic',
      headers: headers(h),
      body: { getReader: () => reader },
      text: async () => '',
    };
  };
  return { fetch, clock, elapsedMs: clock.now, requests };
}

/**
 * How long an upload of `bytes` takes from slow start, as downloads do above (10 segments of
 * 1460 bytes, doubling each round trip, until the line's rate caps the window): the client's
 * TCP restarts its window after the wait for the other legs just as the server's does.
 */
export function slowStartSendMs(bytes: number, mbps: number, rttMs: number): number {
  const lineBytesPerRtt = (mbps * 1000 * rttMs) / 8;
  let windowBytes = INITIAL_WINDOW_BYTES;
  let sent = 0;
  let ms = 0;
  for (;;) {
    const perRtt = Math.min(windowBytes, lineBytesPerRtt);
    if (sent + perRtt >= bytes) return ms + ((bytes - sent) / perRtt) * rttMs;
    sent += perRtt;
    ms += rttMs;
    windowBytes *= 2;
  }
}
