// A simulated M-Lab for the ndt7 provider's unit tests, on the virtual clock of sim-network.ts:
// a locate service (a fetch answering the locate API v2, src/core/ndt7/locate.ts) and ndt7
// servers (a WebSocketFactory). Each leg of a machine (wss or ws, down or up) is a line of its
// own rate, so a shaper that targets one of them is a setting; the rules of the method can then
// be tested one by one in seconds, deterministically. The real servers on loopback are the job
// of test/server/ndt7.
//
// What the servers do, after m-lab/ndt-server (ndt7/download/sender/sender.go, ndt7/measurer/
// measurer.go) and the ndt7 spec (spec/ndt7-protocol.md):
// - a download sends binary messages back to back, starting at 8 KiB and doubling while a
//   message is at most 1/16 of what was sent, until 1 MiB has gone out;
// - every 250 ms the server sends a text measurement (AppInfo, TCPInfo; ConnectionInfo with
//   the test's UUID in the first), for an upload the bytes it has received;
// - after 10 s the server closes (1000); when the client closes first, what the server had
//   already written (its send buffer, and a round trip of bytes on the line) still arrives,
//   then the server's Close.
// A message is delivered when its last byte has crossed the line; text messages are small and
// are delivered at their tick. Every test is its own TCP connection, so a shaper that slows a
// flow after N bytes counts the bytes of that test only.
import type { FetchLike, ResponseLike } from '../../src/core/io.js';
import { xoshiro128 } from '../../src/core/payload.js';
import { NDT7_DOWNLOAD_PATH, NDT7_UPLOAD_PATH } from '../../src/core/ndt7/protocol.js';
import type { WebSocketCloseEvent, WebSocketFactory, WebSocketLike, WebSocketMessageEvent } from '../../src/core/ndt7/websocket.js';
import { SimClock } from './sim-network.js';

export type SimNdt7LegKey = 'wss-down' | 'ws-down' | 'wss-up' | 'ws-up';

export interface SimNdt7Leg {
  /** Goodput of the leg's line in Mbit/s. */
  mbps: number;
  /** Per-test multiplicative noise, as a fraction (0.1 = +-10% uniform), as in sim-network.ts. */
  noise?: number;
  /** Delayed throttling of a flow: once a test's connection has carried this many bytes, slowMbps. */
  slowAfterBytes?: number;
  slowMbps?: number;
  /**
   * The server refuses this leg's tests: 'http-503' answers the upgrade with 503 (the socket
   * never opens); 'close-1013' upgrades and closes at once with 1013 "no capacity", as a busy
   * ndt7 server does (src/server/ndt7/ndt7-server.ts).
   */
  refuse?: 'http-503' | 'close-1013';
  /** The server cuts every test of this leg off (close code 1006) once it has carried this many bytes. */
  dropAfterBytes?: number;
}

export interface SimNdt7Machine {
  machine: string;
  city?: string;
  country?: string;
  /** wss-down and ws-down are required; the upload URLs are listed only when both up legs are given. */
  legs: Partial<Record<SimNdt7LegKey, SimNdt7Leg>>;
  /** Default 20 ms. */
  rttMs?: number;
  /** What the server has written ahead of the line when the client's Close reaches it. Default 128 KiB. */
  sendBufferBytes?: number;
  /** false: a server that sends no measurements during uploads (the client must time them itself). */
  uploadMeasurements?: boolean;
  /** From this virtual time on the machine is gone: tests in progress are cut off (1006), new ones fail. */
  downAtMs?: number;
}

export interface SimNdt7Options {
  machines: SimNdt7Machine[];
  seed?: number;
  clock?: SimClock;
  /** Access tokens are good this long after the locate request that issued them (M-Lab: a minute). */
  tokenTtlMs?: number;
  /** The locate service out of capacity: HTTP 503 with an error object, or 200 with no results. */
  locateNoCapacity?: '503' | 'empty';
  /**
   * The client as a browser's WebSocket: no message event once it is closing (WHATWG
   * WebSockets), and its Close held back heldMs before it leaves, as a browser busy reading a
   * fast line holds it (Firefox at about a gigabit a second). Default: as Node's `ws`.
   */
  browserClose?: { heldMs: number };
}

/** One test as the servers saw it. */
export interface SimNdt7Test {
  machine: string;
  leg: SimNdt7LegKey;
  startedAtMs: number;
  outcome: 'open' | 'completed' | 'refused' | 'token-refused' | 'unreachable' | 'dropped';
  /** Payload bytes delivered to the client (down) or handed by it to send() (up). */
  bytes: number;
  /** Those, and the measurements' text the client received. */
  wireBytes: number;
  /** Upload bytes the server had received when the connection closed. */
  receivedBytes: number;
}

export interface SimNdt7 {
  clock: SimClock;
  fetch: FetchLike;
  webSocket: WebSocketFactory;
  /** Virtual times of the locate requests. */
  locateRequests: number[];
  tests: SimNdt7Test[];
  /** Ends every token issued so far now (M-Lab's tokens expiring mid-run). */
  expireTokens(): void;
  /** Cuts the machine's tests in progress off (1006) at once; with `down`, later ones fail too. */
  cutTests(machine: string, down?: boolean): void;
}

export const SIM_LOCATE_URL = 'https://locate.sim.test/v2/nearest/ndt/ndt7';

/** The host a machine's URLs name. */
export function simNdt7Host(machine: string): string {
  return `ndt-${machine}.mlab.sim.test`;
}

const SUBPROTOCOL = 'net.measurementlab.ndt.v7';
const INITIAL_MESSAGE_BYTES = 1 << 13;
const MAX_SCALED_MESSAGE_BYTES = 1 << 20;
const SCALING_FRACTION = 16;
const MEASUREMENT_INTERVAL_MS = 250;
const SERVER_RUNTIME_MS = 10_000;

export function simNdt7(opts: SimNdt7Options): SimNdt7 {
  const clock = opts.clock ?? new SimClock();
  const rnd = xoshiro128(opts.seed ?? 1);
  const uniform = () => rnd() / 2 ** 32;
  const tokenTtlMs = opts.tokenTtlMs ?? 60_000;
  const tokens = new Map<string, number>();
  const locateRequests: number[] = [];
  const tests: SimNdt7Test[] = [];
  const byHost = new Map<string, SimNdt7Machine>();
  for (const m of opts.machines) {
    if (!m.legs['wss-down'] || !m.legs['ws-down']) throw new Error(`sim-ndt7: ${m.machine} needs wss-down and ws-down legs`);
    byHost.set(simNdt7Host(m.machine), m);
  }
  let uuids = 0;

  const response = (url: string, status: number, body: unknown): ResponseLike => ({
    status,
    url,
    redirected: false,
    type: 'basic',
    headers: { get: (k: string) => (k.toLowerCase() === 'content-type' ? 'application/json' : null) },
    body: null,
    text: async () => JSON.stringify(body),
  });

  const fetch: FetchLike = async (url) => {
    await clock.sleep(opts.machines[0]?.rttMs ?? 20);
    locateRequests.push(clock.now());
    if (opts.locateNoCapacity === '503') {
      return response(url, 503, { error: { type: '?', title: 'no available servers', status: 503 } });
    }
    if (opts.locateNoCapacity === 'empty') return response(url, 200, { results: [] });
    const token = `tok${locateRequests.length}`;
    tokens.set(token, clock.now() + tokenTtlMs);
    const results = opts.machines.map((m) => {
      const host = simNdt7Host(m.machine);
      const urls: Record<string, string> = {
        [`wss://${NDT7_DOWNLOAD_PATH}`]: `wss://${host}${NDT7_DOWNLOAD_PATH}?access_token=${token}`,
        [`ws://${NDT7_DOWNLOAD_PATH}`]: `ws://${host}${NDT7_DOWNLOAD_PATH}?access_token=${token}`,
      };
      if (m.legs['wss-up'] && m.legs['ws-up']) {
        urls[`wss://${NDT7_UPLOAD_PATH}`] = `wss://${host}${NDT7_UPLOAD_PATH}?access_token=${token}`;
        urls[`ws://${NDT7_UPLOAD_PATH}`] = `ws://${host}${NDT7_UPLOAD_PATH}?access_token=${token}`;
      }
      return { machine: m.machine, location: { city: m.city ?? 'Simville', country: m.country ?? 'ZZ' }, urls };
    });
    return response(url, 200, { results });
  };

  const sockets = new Set<SimSocket>();
  const webSocket: WebSocketFactory = (url, protocol) => {
    const socket = new SimSocket(url, protocol, {
      clock,
      uniform,
      byHost,
      tokenValid: (token) => (tokens.get(token ?? '') ?? -Infinity) > clock.now(),
      record: (t) => tests.push(t),
      uuid: (machine) => `${machine}_sim_${++uuids}`,
      gone: () => sockets.delete(socket),
      browserClose: opts.browserClose,
    });
    sockets.add(socket);
    return socket;
  };

  return {
    clock,
    fetch,
    webSocket,
    locateRequests,
    tests,
    expireTokens: () => {
      for (const k of tokens.keys()) tokens.set(k, clock.now());
    },
    cutTests: (machine, down = false) => {
      const m = opts.machines.find((x) => x.machine === machine);
      if (!m) throw new Error(`sim-ndt7: no machine ${machine}`);
      if (down) m.downAtMs = clock.now();
      // On the next turn, not inside the caller: a break is not a reply to what the client did.
      const victims = [...sockets].filter((s) => s.machine === machine);
      clock.setTimer(() => victims.forEach((s) => s.cut()), 0);
    },
  };
}

interface SocketEnv {
  clock: SimClock;
  uniform: () => number;
  byHost: Map<string, SimNdt7Machine>;
  tokenValid: (token: string | null) => boolean;
  record: (t: SimNdt7Test) => void;
  uuid: (machine: string) => string;
  gone: () => void;
  browserClose?: { heldMs: number };
}

/** Bytes crossing one test's line, first in first out, at the leg's rate for this test. */
class Line {
  /** Bytes scheduled on the line so far. */
  private carried = 0;
  private freeAtMs = 0;
  /** [start, end, bytes before, bytes after]: the line's schedule, for bytes-at-a-time. */
  private readonly spans: [number, number, number, number][] = [];

  constructor(
    private readonly leg: SimNdt7Leg,
    private readonly factor: number,
  ) {}

  private msFor(bytes: number, mbps: number): number {
    return (bytes * 8) / (mbps * this.factor * 1000);
  }

  /** Schedules n bytes from nowMs (or when the line is free); returns when the last one has crossed. */
  carry(nowMs: number, n: number): number {
    let t = Math.max(nowMs, this.freeAtMs);
    let left = n;
    const slowAfter = this.leg.slowAfterBytes ?? Infinity;
    if (this.carried < slowAfter) {
      const fast = Math.min(left, slowAfter - this.carried);
      t = this.span(t, fast, this.leg.mbps);
      left -= fast;
    }
    if (left > 0) t = this.span(t, left, this.leg.slowMbps ?? this.leg.mbps);
    this.freeAtMs = t;
    return t;
  }

  private span(startMs: number, bytes: number, mbps: number): number {
    const end = startMs + this.msFor(bytes, mbps);
    this.spans.push([startMs, end, this.carried, this.carried + bytes]);
    this.carried += bytes;
    return end;
  }

  /** Bytes that have crossed by atMs. */
  crossedBy(atMs: number): number {
    for (let i = this.spans.length - 1; i >= 0; i--) {
      const [start, end, before, after] = this.spans[i]!;
      if (atMs >= end) return after;
      if (atMs > start) return before + ((after - before) * (atMs - start)) / (end - start);
    }
    return 0;
  }

  get idleAtMs(): number {
    return this.freeAtMs;
  }
}

class SimSocket implements WebSocketLike {
  readyState = 0;
  protocol = '';
  binaryType = 'blob';
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: WebSocketMessageEvent) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onclose: ((ev: WebSocketCloseEvent) => void) | null = null;

  private readonly timers = new Set<number>();
  private readonly test: SimNdt7Test;
  private readonly m: SimNdt7Machine | undefined;
  private readonly leg: SimNdt7Leg | undefined;
  private readonly direction: 'down' | 'up';
  private readonly rttMs: number;
  private line: Line | undefined;
  private openedAtMs = -1;
  private uuid: string | undefined;
  /** The server stops sending (download) or the client's Close is on its way: no more data. */
  private ending = false;
  // Download: the sender's state.
  private messageBytes = INITIAL_MESSAGE_BYTES;
  private writtenBytes = 0;
  private deliveredBytes = 0;
  private lastDeliveryAtMs = 0;
  /** After the client's Close: the server sends messages that start before this byte. */
  private writtenBeforeCloseBytes = Infinity;
  private clientClosedAtMs = -Infinity;
  private connectionInfoSent = false;
  // Upload: what the client handed to send().
  private sentBytes = 0;

  constructor(
    readonly url: string,
    requestedProtocol: string,
    private readonly env: SocketEnv,
  ) {
    const u = new URL(url);
    this.m = env.byHost.get(u.hostname);
    this.direction = u.pathname === NDT7_UPLOAD_PATH ? 'up' : 'down';
    const key = `${u.protocol === 'wss:' ? 'wss' : 'ws'}-${this.direction}` as SimNdt7LegKey;
    this.leg = this.m?.legs[key];
    this.rttMs = this.m?.rttMs ?? 20;
    const now = env.clock.now();
    this.test = { machine: this.m?.machine ?? u.hostname, leg: key, startedAtMs: now, outcome: 'open', bytes: 0, wireBytes: 0, receivedBytes: 0 };
    env.record(this.test);
    // TCP, then TLS 1.3 for wss, then the HTTP upgrade: a round trip each.
    const handshakes = u.protocol === 'wss:' ? 3 : 2;
    this.after(handshakes * this.rttMs, () => this.connect(u, requestedProtocol));
  }

  get bufferedAmount(): number {
    if (this.direction !== 'up' || !this.line) return 0;
    return Math.max(0, this.sentBytes - this.line.crossedBy(this.env.clock.now()));
  }

  private after(ms: number, fn: () => void): void {
    const id = this.env.clock.setTimer(() => {
      this.timers.delete(id);
      fn();
    }, ms);
    this.timers.add(id);
  }

  private stopTimers(): void {
    for (const id of this.timers) this.env.clock.clearTimer(id);
    this.timers.clear();
  }

  private connect(u: URL, requestedProtocol: string): void {
    const { m, leg } = this;
    const now = this.env.clock.now();
    if (this.readyState !== 0) return;
    if (!m || (m.downAtMs !== undefined && now >= m.downAtMs)) {
      this.test.outcome = 'unreachable';
      return this.fail(`connect ECONNREFUSED ${u.hostname}:${u.port || (u.protocol === 'wss:' ? 443 : 80)}`);
    }
    if (!leg || (u.pathname !== NDT7_DOWNLOAD_PATH && u.pathname !== NDT7_UPLOAD_PATH)) {
      this.test.outcome = 'refused';
      return this.fail('Unexpected server response: 404');
    }
    if (!this.env.tokenValid(u.searchParams.get('access_token'))) {
      this.test.outcome = 'token-refused';
      return this.fail('Unexpected server response: 401');
    }
    if (leg.refuse === 'http-503') {
      this.test.outcome = 'refused';
      return this.fail('Unexpected server response: 503');
    }
    this.readyState = 1;
    this.protocol = requestedProtocol === SUBPROTOCOL ? SUBPROTOCOL : '';
    this.openedAtMs = now;
    const factor = 1 + (leg.noise ? (this.env.uniform() * 2 - 1) * leg.noise : 0);
    this.line = new Line(leg, factor);
    this.onopen?.({});
    if (this.readyState !== 1) return;
    if (leg.refuse === 'close-1013') {
      this.test.outcome = 'refused';
      return this.after(this.rttMs / 2, () => this.closed(1013, 'no capacity'));
    }
    this.uuid = this.env.uuid(m.machine);
    if (m.downAtMs !== undefined) this.after(m.downAtMs - now, () => this.cut());
    this.after(SERVER_RUNTIME_MS, () => this.serverEnds());
    this.after(MEASUREMENT_INTERVAL_MS, () => this.measure());
    if (this.direction === 'down') this.sendNext();
  }

  /** The upgrade failed: an error event, then a close that never opened (as browsers and `ws` report it). */
  private fail(message: string): void {
    this.onerror?.({ message });
    this.closed(1006, '');
  }

  get machine(): string {
    return this.test.machine;
  }

  /** The connection breaks: 1006, no closing handshake. */
  cut(): void {
    if (this.readyState === 3) return;
    this.test.outcome = 'dropped';
    this.closed(1006, '');
  }

  private closed(code: number, reason: string): void {
    if (this.readyState === 3) return;
    this.stopTimers();
    this.env.gone();
    this.readyState = 3;
    if (this.test.outcome === 'open') this.test.outcome = 'completed';
    if (this.direction === 'up') this.test.receivedBytes = this.receivedBytes();
    this.onclose?.({ code, reason });
  }

  private deliver(data: ArrayBuffer | string, payloadBytes: number): void {
    if (this.readyState === 3) return;
    this.test.bytes += payloadBytes;
    this.test.wireBytes += typeof data === 'string' ? data.length : data.byteLength;
    // The bytes crossed the line whatever the client shows of them.
    if (this.readyState === 2 && this.env.browserClose) return;
    this.onmessage?.({ data });
  }

  /** The download sender: the next message, back to back on the line, scaled as sender.go does. */
  private sendNext(): void {
    const line = this.line!;
    if (this.ending && this.writtenBytes >= this.writtenBeforeCloseBytes) return this.serverCloses();
    const size = this.messageBytes;
    const start = this.writtenBytes;
    this.writtenBytes += size;
    if (this.writtenBytes < MAX_SCALED_MESSAGE_BYTES && size <= this.writtenBytes / SCALING_FRACTION) this.messageBytes = size * 2;
    const dropAt = this.leg!.dropAfterBytes;
    if (dropAt !== undefined && start + size > dropAt) {
      // The connection breaks while this message is on the line.
      return this.after(line.carry(this.env.clock.now(), dropAt - start) - this.env.clock.now(), () => this.cut());
    }
    const arrivesAt = line.carry(this.env.clock.now(), size);
    this.after(arrivesAt - this.env.clock.now(), () => {
      this.deliveredBytes += size;
      this.lastDeliveryAtMs = this.env.clock.now();
      this.deliver(new ArrayBuffer(size), size);
      if (this.readyState === 1 || this.readyState === 2) this.sendNext();
    });
  }

  /** The server's Close, after the data it had sent (m-lab/ndt-server ndt7/closer). */
  private serverCloses(): void {
    const now = this.env.clock.now();
    // After the data it sent, and no sooner than a round trip after the client's own Close.
    const at = Math.max(now, this.lastDeliveryAtMs, this.line?.idleAtMs ?? now, this.clientClosedAtMs + this.rttMs);
    this.after(at - now, () => this.closed(1000, ''));
  }

  /** The server's own end of the test after its runtime: no more messages, then its Close. */
  private serverEnds(): void {
    if (this.ending) return;
    this.ending = true;
    this.writtenBeforeCloseBytes = this.writtenBytes;
    if (this.direction === 'up') this.after(this.rttMs / 2, () => this.closed(1000, ''));
    // A download closes once the message on the line has arrived (sendNext sees `ending`).
  }

  /** Bytes the server has received of an upload by now. */
  private receivedBytes(): number {
    return this.line ? Math.floor(this.line.crossedBy(this.env.clock.now() - this.rttMs / 2)) : 0;
  }

  /** A measurement message every 250 ms (ndt7/measurer/measurer.go); uploads count received bytes. */
  private measure(): void {
    if (this.readyState !== 1 && this.readyState !== 2) return;
    this.after(MEASUREMENT_INTERVAL_MS, () => this.measure());
    if (this.ending) return;
    if (this.direction === 'up' && this.m!.uploadMeasurements === false) return;
    const elapsedUs = Math.round((this.env.clock.now() - this.openedAtMs) * 1000);
    const bytes = this.direction === 'up' ? this.receivedBytes() : this.deliveredBytes;
    const m: Record<string, unknown> = {
      AppInfo: { ElapsedTime: elapsedUs, NumBytes: bytes },
      Origin: 'server',
      Test: this.direction === 'up' ? 'upload' : 'download',
      TCPInfo: {
        ElapsedTime: elapsedUs,
        ...(this.direction === 'up' ? { BytesReceived: bytes } : { BytesAcked: bytes }),
        MinRTT: this.rttMs * 1000,
        RTT: this.rttMs * 1000,
      },
    };
    if (this.uuid && !this.connectionInfoSent) {
      this.connectionInfoSent = true;
      m['ConnectionInfo'] = { Client: '192.0.2.1:50000', Server: '198.51.100.1:443', UUID: this.uuid };
    }
    this.deliver(JSON.stringify(m), 0);
  }

  send(data: Uint8Array | string): void {
    if (this.readyState !== 1 || this.direction !== 'up') return;
    const n = typeof data === 'string' ? data.length : data.byteLength;
    const line = this.line!;
    const dropAt = this.leg!.dropAfterBytes;
    const before = this.sentBytes;
    this.sentBytes += n;
    const arrivesAt = line.carry(this.env.clock.now(), n);
    this.test.bytes += n;
    this.test.wireBytes += n;
    if (dropAt !== undefined && before < dropAt && this.sentBytes >= dropAt) {
      this.after(arrivesAt - this.env.clock.now(), () => this.cut());
    }
  }

  close(_code?: number, _reason?: string): void {
    if (this.readyState >= 2) return;
    if (this.readyState === 0) {
      // Closed before it opened: the connection is abandoned.
      this.stopTimers();
      this.env.gone();
      this.readyState = 3;
      return;
    }
    this.readyState = 2;
    const now = this.env.clock.now();
    this.clientClosedAtMs = now;
    if (this.direction === 'up') {
      // The Close frame follows the data still buffered; the server, measuring until it has
      // it, answers then.
      const at = Math.max(now, this.line!.idleAtMs) + this.rttMs;
      this.after(at - now, () => this.closed(1000, ''));
      return;
    }
    if (this.ending) return;
    const held = this.env.browserClose?.heldMs ?? 0;
    if (held > 0) this.after(held, () => this.serverLearnsOfClose(held));
    else this.serverLearnsOfClose(0);
  }

  /** The Close, sent heldMs after close() was called, reaches the server half a round trip later. */
  private serverLearnsOfClose(heldMs: number): void {
    if (this.ending || this.readyState === 3) return;
    this.clientClosedAtMs += heldMs;
    // The server learns of the Close half a round trip later; by then it has written its send
    // buffer ahead of the line, and a round trip of bytes is on the line: those still arrive.
    this.ending = true;
    const mbps = this.leg!.mbps;
    const onTheWay = this.m!.sendBufferBytes ?? 128 * 1024;
    this.writtenBeforeCloseBytes = this.deliveredBytes + onTheWay + Math.round((mbps * 1000 * this.rttMs) / 8);
  }
}
