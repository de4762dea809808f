// One ndt7 test (a download or an upload) over one WebSocket, cut short by the client when its
// time or byte allowance is spent (the spec lets either side close early with a Close frame).
//
// Downloads are timed from the client's own counting: each binary message's bytes at the time
// it arrived, binned as transfer.ts bins HTTP bodies, from the first message to the last one
// before the client started closing. Uploads are timed by the server when it reports its
// received bytes (AppInfo or TCPInfo measurements), as the HTTP runner times uploads by the
// endpoint's receipt: the client only knows when bytes left its send buffer.
import type { Clock } from '../io.js';
import { MeasureError, kB } from '../errors.js';
import { mbpsOf } from '../transfer.js';
import { MAX_WHOLE_BODY_BYTES } from '../deadline-fetch.js';
import { safeText } from '../safe-text.js';
import {
  NDT7_INITIAL_MESSAGE_BYTES,
  NDT7_MAX_RUNTIME_MS,
  NDT7_MAX_UPLOAD_MESSAGE_BYTES,
  NDT7_MIN_MEASUREMENT_INTERVAL_MS,
  NDT7_SUBPROTOCOL,
  parseMeasurement,
  scaledMessageBytes,
  type Ndt7Measurement,
} from './protocol.js';
import { errorDetail, messageBytes, type WebSocketFactory, type WebSocketLike } from './websocket.js';

export interface SubtestRequest {
  url: string;
  direction: 'down' | 'up';
  /** ws (false) or wss (true): a ws leg whose socket ends up on wss: is not plaintext. */
  tls: boolean;
  /** The client closes this long after the socket opened (never beyond the spec's 15 s). */
  durationMs: number;
  /** ... or once this many payload bytes have been received (download) or sent (upload). */
  maxBytes: number;
  /** Random filler for uploads: messages are slices of it (at least 1 MiB). */
  uploadPayload?: Uint8Array;
  signal?: AbortSignal;
  onBytes?: (bytes: number, elapsedMs: number) => void;
}

export interface SubtestLimits {
  connectTimeoutMs: number;
  /** No message for this long once open: the test stalled. */
  stallMs: number;
  /** Narrowest bin of the bytes-over-time series. */
  minBinMs: number;
  /**
   * How long to wait for the server's Close after ours. The spec asks the client to let the
   * server close first, but the server's answer queues behind every byte already buffered on
   * the path, which on a throttled line can take seconds of data we no longer count; where the
   * platform can (Node), the connection is dropped after this grace instead.
   */
  closeGraceMs: number;
}

export const DEFAULT_SUBTEST_LIMITS: SubtestLimits = { connectTimeoutMs: 10_000, stallMs: 10_000, minBinMs: 100, closeGraceMs: 500 };

export interface SubtestDeps {
  webSocket: WebSocketFactory;
  clock: Clock;
  limits?: Partial<SubtestLimits>;
}

export interface SubtestSample {
  /** Payload bytes counted in the timed window. */
  bytes: number;
  durationMs: number;
  mbps: number;
  /** From socket creation to open (TCP, TLS and WebSocket handshakes). */
  connectMs: number;
  /** Wall time not spent in the test: connecting, and the closing handshake. */
  overheadMs: number;
  bins: number[];
  binMs: number;
  /** Every byte moved, text messages included. */
  wireBytes: number;
  /**
   * Payload bytes that arrived after the client's Close (downloads): those the socket showed,
   * or, where it shows none, the estimate from the close's wait (closeWaitMs).
   */
  afterCloseBytes: number;
  /** From the client's Close to the socket's close event; 0 when the server ended the test. */
  closeWaitMs: number;
  /** Of afterCloseBytes, those estimated rather than seen (counted in wireBytes too). */
  unseenAfterCloseBytes: number;
  /** Where the goodput came from; 'untimed' (mbps 0) when an upload ended too soon to tell. */
  timedBy: 'client' | 'server' | 'untimed';
  serverMeasurements: number;
  uuid?: string;
}

/** Why a test failed: before it started (a refusal: try elsewhere) or during it. */
export class Ndt7Error extends MeasureError {
  constructor(
    kind: MeasureError['kind'],
    message: string,
    readonly phase: 'connect' | 'test',
  ) {
    super(kind, message);
    this.name = 'Ndt7Error';
  }

  /** Bytes the failed test moved all the same: they count against the run's budget. */
  wireBytes = 0;
}

/** Client-side timing of an upload is used only for tests at least this long. */
const MIN_CLIENT_TIMED_UPLOAD_MS = 1_000;

interface Arrival {
  atMs: number;
  bytes: number;
}

/**
 * Bytes over time from message arrivals. A WebSocket message is seen only once it has arrived
 * whole, and ndt7 messages grow to hundreds of kB, so counting each at its arrival would make
 * 100 ms bins on a slow line alternate between empty and full: each message's bytes are spread
 * evenly over the time since the previous one, which is when they crossed the line.
 */
export function binArrivals(arrivals: Arrival[], binMs: number): { bins: number[]; binMs: number } {
  if (arrivals.length === 0) return { bins: [], binMs };
  const first = arrivals[0]!.atMs;
  const bins: number[] = [arrivals[0]!.bytes];
  const add = (bin: number, bytes: number) => {
    while (bins.length <= bin) bins.push(0);
    bins[bin]! += bytes;
  };
  for (let i = 1; i < arrivals.length; i++) {
    const from = arrivals[i - 1]!.atMs - first;
    const to = arrivals[i]!.atMs - first;
    const bytes = arrivals[i]!.bytes;
    if (to <= from) {
      add(Math.floor(to / binMs), bytes);
      continue;
    }
    // Walk the bins the interval covers, giving each its share of the message.
    let t = from;
    while (t < to) {
      const bin = Math.floor(t / binMs);
      const end = Math.min(to, (bin + 1) * binMs);
      add(bin, (bytes * (end - t)) / (to - from));
      t = end;
    }
  }
  return { bins, binMs };
}

/** The server's received-bytes counts over its own clock: AppInfo, else TCP_INFO. */
function serverPoints(ms: Ndt7Measurement[]): { us: number; bytes: number }[] {
  return ms
    .map((m) =>
      m.AppInfo
        ? { us: m.AppInfo.ElapsedTime, bytes: m.AppInfo.NumBytes }
        : m.TCPInfo?.ElapsedTime !== undefined && m.TCPInfo.BytesReceived !== undefined
          ? { us: m.TCPInfo.ElapsedTime, bytes: m.TCPInfo.BytesReceived }
          : undefined,
    )
    .filter((p): p is { us: number; bytes: number } => p !== undefined);
}

/**
 * Goodput from the server's own counts, first measurement to last. When the client stopped
 * sending early (its byte allowance was spent), the interval in which the count reached its
 * final value was partly idle, so it is left out; with fewer than two full-rate measurements
 * the upload cannot be timed (the server measures every 250 ms).
 */
export function serverGoodput(ms: Ndt7Measurement[], stoppedEarly: boolean): { bytes: number; durationMs: number } | undefined {
  let points = serverPoints(ms);
  if (stoppedEarly) {
    const top = points.reduce((m, p) => Math.max(m, p.bytes), 0);
    points = points.slice(0, points.findIndex((p) => p.bytes >= top));
  }
  if (points.length < 2) return undefined;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const durationMs = (last.us - first.us) / 1000;
  const bytes = last.bytes - first.bytes;
  if (durationMs <= 0 || bytes <= 0) return undefined;
  return { bytes, durationMs };
}

/** A Close this slow has let the server send on for far longer than a round trip (driver.ts notes it). */
export const SLOW_CLOSE_MS = 1_000;

/**
 * The download bytes that crossed the line after the client's Close but that the socket never
 * showed: a browser's WebSocket fires no message once it is closing (WHATWG WebSockets: only
 * while OPEN), yet the server sends on until it reads the Close, and what it sent arrives all
 * the same. They are estimated as the test's rate, from the socket's opening to its last
 * message, over the close's wait, less what was seen. Measured against what a local ndt7
 * server wrote (test/e2e/mlab.test.ts, test/e2e/mlab-plaintext-guard.test.ts):
 *  - Firefox behind tbf at 300 Mbit/s: about 1.1x what the server sent after the Close;
 *  - Firefox at about a gigabit a second held its Close until the server ended the test
 *    itself, 10 s and a gigabyte later: only this estimate sees that;
 *  - Chromium behind a 10 Mbit/s pacer: 4-5 MB queued behind each Close, the run's count
 *    1.04-1.07x what the server wrote;
 *  - behind a userland pacer at 200 Mbit/s Firefox's short tests read faster than the line,
 *    and the count ran to 2-3.4x: it errs high, as a data budget should.
 * What it cannot see: bytes a browser had already read but not yet handed to the page when it
 * closed, when the page reads slower than the line (Chromium on raw loopback: 0.22-0.35x).
 * A Node client (`ws`) shows every byte until the close (afterCloseBytes): no estimate there.
 */
export function unseenAfterClose(countedBytes: number, openedAtMs: number, arrivals: Arrival[], closeWaitMs: number, seenBytes: number): number {
  const last = arrivals[arrivals.length - 1];
  if (!last || last.atMs <= openedAtMs || closeWaitMs <= 0) return 0;
  const bytesPerMs = countedBytes / (last.atMs - openedAtMs);
  return Math.max(0, Math.round(bytesPerMs * closeWaitMs) - seenBytes);
}

export function runSubtest(deps: SubtestDeps, req: SubtestRequest): Promise<SubtestSample> {
  const limits = { ...DEFAULT_SUBTEST_LIMITS, ...deps.limits };
  const { clock } = deps;
  const what = `ndt7 ${req.direction === 'down' ? 'download' : 'upload'} from ${req.url.replace(/\?.*$/, '')}`;
  const runMs = Math.min(req.durationMs, NDT7_MAX_RUNTIME_MS);
  return new Promise<SubtestSample>((resolve, reject) => {
    const createdAt = clock.now();
    let openedAt = -1;
    let closingAt = -1;
    /** The client sent the Close (closingAt is also set when the server ends the test). */
    let clientClosed = false;
    /** Upload bytes that had left the send buffer when the client began closing. */
    let sentAtClosingBytes = -1;
    let lastMessageAt = createdAt;
    let settled = false;
    let timer: unknown;
    let uploadTimer: unknown;
    const arrivals: Arrival[] = [];
    const measurements: Ndt7Measurement[] = [];
    let countedBytes = 0;
    let afterCloseBytes = 0;
    let wireBytes = 0;
    let sentBytes = 0;
    let messageSize = NDT7_INITIAL_MESSAGE_BYTES;
    let lastProgressAt = -Infinity;
    let ws: WebSocketLike;

    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(uploadTimer);
      req.signal?.removeEventListener('abort', onAbort);
      if (err) {
        if (err instanceof Ndt7Error) err.wireBytes = req.direction === 'down' ? wireBytes : sentBytes;
        ws.onmessage = null;
        try {
          ws.close();
        } catch {
          // Closing a socket that never opened may throw; it is gone either way.
        }
        return reject(err);
      }
      resolve(sample());
    };

    const sample = (): SubtestSample => {
      const rawUuid = measurements.find((m) => m.ConnectionInfo?.UUID)?.ConnectionInfo?.UUID;
      // The server's words, kept in the Result and history.
      const uuid = rawUuid === undefined ? undefined : safeText(rawUuid, 100);
      const connectMs = openedAt >= 0 ? openedAt - createdAt : 0;
      const endedAt = clock.now();
      const testMs = openedAt >= 0 ? (closingAt >= 0 ? closingAt : endedAt) - openedAt : 0;
      const closeWaitMs = closingAt >= 0 && clientClosed ? Math.max(0, endedAt - closingAt) : 0;
      // Node's `ws` (the one with terminate()) fires every message until the close, so what it
      // showed is the count; a browser's WebSocket shows none once closing.
      const hidesClosing = !ws.terminate;
      const unseen = req.direction === 'down' && hidesClosing ? unseenAfterClose(countedBytes, openedAt, arrivals, closeWaitMs, afterCloseBytes) : 0;
      const base = {
        connectMs,
        afterCloseBytes: afterCloseBytes + unseen,
        closeWaitMs,
        unseenAfterCloseBytes: unseen,
        overheadMs: Math.max(0, endedAt - createdAt - testMs),
        // An upload's cost is what the client sent; a download's, what it received.
        wireBytes: req.direction === 'down' ? wireBytes + unseen : sentBytes,
        serverMeasurements: measurements.length,
      };
      if (req.direction === 'up') {
        const server = serverGoodput(measurements, sentBytes >= req.maxBytes);
        const endAt = closingAt >= 0 ? closingAt : clock.now();
        // Without the server's counts only the client's remain, and they are worth something
        // only over a long test: on a short one the send buffer swallows everything at once.
        const clientUsable = measurements.length === 0 && endAt - openedAt >= MIN_CLIENT_TIMED_UPLOAD_MS;
        const leftBuffer = sentAtClosingBytes >= 0 ? sentAtClosingBytes : Math.max(0, sentBytes - ws.bufferedAmount);
        const bytes = server?.bytes ?? (clientUsable ? leftBuffer : 0);
        const durationMs = server?.durationMs ?? (clientUsable ? Math.max(0, endAt - openedAt) : 0);
        const s: SubtestSample = {
          ...base,
          bytes,
          durationMs,
          mbps: mbpsOf(bytes, durationMs),
          bins: [],
          binMs: limits.minBinMs,
          timedBy: server ? 'server' : clientUsable ? 'client' : 'untimed',
        };
        if (uuid) s.uuid = uuid;
        return s;
      }
      // As transfer.ts: the first message arrived at t = 0 of the window, so its bytes took no
      // measured time and are left out of the goodput.
      const first = arrivals[0];
      const last = arrivals[arrivals.length - 1];
      const durationMs = first && last ? last.atMs - first.atMs : 0;
      const timedBytes = first ? countedBytes - first.bytes : 0;
      const { bins, binMs } = binArrivals(arrivals, limits.minBinMs);
      const s: SubtestSample = {
        ...base,
        bytes: countedBytes,
        durationMs,
        mbps: timedBytes > 0 ? mbpsOf(timedBytes, durationMs) : 0,
        bins,
        binMs,
        timedBy: 'client',
      };
      if (uuid) s.uuid = uuid;
      return s;
    };

    /** The client's early end: a Close frame, then wait for the server's (spec: let it close first). */
    const startClosing = () => {
      if (closingAt >= 0 || settled) return;
      closingAt = clock.now();
      clientClosed = true;
      // The window ends here: what is still buffered now crosses the line after it.
      if (req.direction === 'up') sentAtClosingBytes = Math.max(0, sentBytes - ws.bufferedAmount);
      try {
        ws.close(1000, 'client time or byte allowance spent');
      } catch {
        finish();
      }
    };

    const onAbort = () => {
      // The run's deadline aborts with a reason that carries its numbers: keep them.
      const reason: unknown = req.signal?.reason;
      // A test already closing has measured all it will: the deadline only cuts the wait for
      // the server's Close (a user's cancel still cancels).
      if (closingAt >= 0 && reason instanceof MeasureError && reason.kind === 'timeout') return finish();
      const why = reason instanceof MeasureError ? `: ${reason.message}` : '';
      finish(new Ndt7Error('aborted', `${what} was cancelled after ${Math.round(clock.now() - createdAt)} ms at ${kB(countedBytes)}${why}`, 'test'));
    };

    const tick = () => {
      const t = clock.now();
      if (openedAt < 0) {
        if (t - createdAt >= limits.connectTimeoutMs) {
          return finish(new Ndt7Error('unreachable', `${what}: the WebSocket did not open within ${limits.connectTimeoutMs} ms`, 'connect'));
        }
      } else if (closingAt < 0) {
        if (t - openedAt >= runMs) startClosing();
        else if (t - lastMessageAt >= limits.stallMs && req.direction === 'down') {
          return finish(new Ndt7Error('stalled', `${what} stalled: no message for ${limits.stallMs} ms, after ${Math.round(t - openedAt)} ms at ${kB(countedBytes)}`, 'test'));
        }
      } else if (ws.terminate && t - closingAt >= limits.closeGraceMs) {
        ws.terminate();
        return finish();
      } else if (t - closingAt >= limits.stallMs) {
        // The server never answered our Close: what was measured stands.
        return finish();
      }
      timer = setTimeout(tick, 50);
    };

    const progress = (bytes: number) => {
      const t = clock.now();
      if (t - lastProgressAt < NDT7_MIN_MEASUREMENT_INTERVAL_MS / 2.5) return;
      lastProgressAt = t;
      req.onBytes?.(bytes, t - openedAt);
    };

    const pumpUpload = () => {
      if (settled || closingAt >= 0) return;
      const payload = req.uploadPayload!;
      const max = Math.min(NDT7_MAX_UPLOAD_MESSAGE_BYTES, payload.length);
      // As M-Lab's own clients do: keep about seven messages queued, no more, so the send
      // buffer does not hide the line's speed and the event loop stays responsive.
      while (ws.bufferedAmount < 7 * messageSize && sentBytes < req.maxBytes) {
        const size = Math.min(messageSize, req.maxBytes - sentBytes);
        ws.send(payload.subarray(0, size));
        sentBytes += size;
        messageSize = scaledMessageBytes(messageSize, sentBytes, max);
      }
      progress(Math.max(0, sentBytes - ws.bufferedAmount));
      // The allowance is spent once sent, but the test ends when the server has it all (or
      // the time is up): the send buffer would otherwise close the test before the line
      // carried the bytes, and before the server could time them.
      if (sentBytes >= req.maxBytes) {
        const received = serverPoints(measurements).reduce((m, p) => Math.max(m, p.bytes), 0);
        if (received >= sentBytes) return startClosing();
      }
      uploadTimer = setTimeout(pumpUpload, sentBytes >= req.maxBytes ? 20 : 1);
    };

    try {
      ws = deps.webSocket(req.url, NDT7_SUBPROTOCOL);
    } catch (err) {
      return reject(new Ndt7Error('unreachable', `${what}: ${err instanceof Error ? err.message : String(err)}`, 'connect'));
    }
    ws.binaryType = 'arraybuffer';
    if (req.signal?.aborted) return onAbort();
    req.signal?.addEventListener('abort', onAbort, { once: true });

    ws.onopen = () => {
      openedAt = clock.now();
      lastMessageAt = openedAt;
      if (!req.tls && ws.url?.startsWith('wss:')) {
        return finish(new Ndt7Error('not-plaintext', `${what} was opened as ${ws.url.replace(/\?.*$/, '')}: the browser upgraded ws: to wss:`, 'connect'));
      }
      if (ws.protocol !== NDT7_SUBPROTOCOL) {
        return finish(
          new Ndt7Error('bad-endpoint', `${what}: the server did not select the ${NDT7_SUBPROTOCOL} subprotocol (got "${ws.protocol}")`, 'connect'),
        );
      }
      if (req.direction === 'up') pumpUpload();
    };

    ws.onmessage = (ev) => {
      const t = clock.now();
      lastMessageAt = t;
      const bytes = messageBytes(ev.data);
      wireBytes += bytes;
      if (typeof ev.data === 'string') {
        // A measurement is a few hundred bytes; a longer text is not parsed (nor kept).
        if (ev.data.length > MAX_WHOLE_BODY_BYTES) return;
        const m = parseMeasurement(ev.data);
        if (m) measurements.push(m);
        return;
      }
      if (req.direction === 'up') {
        // Half duplex: a binary message during an upload breaks the protocol.
        return finish(new Ndt7Error('bad-endpoint', `${what}: the server sent binary data during an upload`, 'test'));
      }
      // Bytes still arriving after our Close were already on the way and cross the line at
      // its rate, so they stay in the timed window rather than being paid for and ignored.
      countedBytes += bytes;
      if (closingAt >= 0) afterCloseBytes += bytes;
      arrivals.push({ atMs: t, bytes });
      progress(countedBytes);
      if (countedBytes >= req.maxBytes) startClosing();
    };

    let errorText: string | undefined;
    ws.onerror = (ev) => {
      const detail = errorDetail(ev);
      if (detail !== undefined) errorText = safeText(detail);
    };

    ws.onclose = (ev) => {
      const t = clock.now();
      if (settled) return;
      const why = [errorText, ev.code ? `close code ${ev.code}` : '', ev.reason ? safeText(ev.reason, 123) : ''].filter(Boolean).join(', ');
      if (openedAt < 0) {
        return finish(new Ndt7Error('unreachable', `${what}: the server refused the test before it started (${why || 'no reason given'})`, 'connect'));
      }
      if (closingAt >= 0) return finish();
      const gotAny = req.direction === 'down' ? arrivals.length >= 2 : sentBytes > 0;
      if (!gotAny) {
        // Closing right after the upgrade is how a busy ndt7 server says no.
        return finish(new Ndt7Error('unreachable', `${what}: the server closed the test after ${Math.round(t - openedAt)} ms without data (${why || 'no reason given'})`, 'connect'));
      }
      // A clean close by the server is its early end of the test (the spec allows it, e.g.
      // with BBR); anything else cut the test off.
      if (ev.code === 1000) {
        closingAt = t;
        return finish();
      }
      finish(new Ndt7Error('dropped', `${what} was cut off after ${Math.round(t - openedAt)} ms at ${kB(req.direction === 'down' ? countedBytes : sentBytes)} (${why})`, 'test'));
    };

    timer = setTimeout(tick, 50);
  });
}
