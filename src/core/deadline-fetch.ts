// One deadline for a whole run, and the fetch and WebSocket wrappers that hold every request
// of the run to it. A hostile endpoint or path can answer nothing, drip a byte a second, send
// without end, or stall one HEAD; the measurement's own watchdogs (transfer.ts, subtest.ts)
// cover only the transfers, so the /info read, digest HEADs, upload receipts, M-Lab's locate
// answer and the report need the run's limit too. Bodies read whole are capped, since
// nothing a client reads whole (/info, a receipt, a locate answer, a collector's error) is
// more than a few kB: an endless /info took the CLI to 2.4 GB in 8 s before this cap.
import { kB, MeasureError } from './errors.js';
import { withBody, type Clock, type FetchLike, type ReaderLike, type ResponseLike } from './io.js';
import type { WebSocketFactory, WebSocketLike } from './ndt7/websocket.js';

/** The largest body read whole: /info is under 1 kB, a locate answer a few kB. */
export const MAX_WHOLE_BODY_BYTES = 64 * 1024;

export interface RunDeadline {
  /** The run's time limit, from its start. */
  readonly limitMs: number;
  /** Aborts at the deadline, with a MeasureError('timeout') that says so as its reason. */
  readonly signal: AbortSignal;
  elapsedMs(): number;
  remainingMs(): number;
  expired(): boolean;
  /** Stops the timer (the run ended first). */
  dispose(): void;
}

export function startRunDeadline(clock: Clock, limitMs: number): RunDeadline {
  const startedAt = clock.now();
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new MeasureError('timeout', `the run's time limit of ${Math.round(limitMs)} ms ran out`)),
    Math.max(0, limitMs),
  );
  const elapsedMs = () => clock.now() - startedAt;
  return {
    limitMs,
    signal: controller.signal,
    elapsedMs,
    remainingMs: () => Math.max(0, limitMs - elapsedMs()),
    expired: () => controller.signal.aborted,
    dispose: () => clearTimeout(timer),
  };
}

/**
 * A signal that aborts when any of `signals` does, with that one's reason; `unlink` detaches
 * it again (listeners on a run-long signal would otherwise pile up, one per request).
 */
export function anySignal(signals: ReadonlyArray<AbortSignal | undefined>): { signal: AbortSignal; unlink: () => void } {
  const controller = new AbortController();
  const linked: Array<[AbortSignal, () => void]> = [];
  const unlink = () => {
    for (const [s, listener] of linked) s.removeEventListener('abort', listener);
    linked.length = 0;
  };
  for (const s of signals) {
    if (!s) continue;
    if (s.aborted) {
      controller.abort(s.reason);
      unlink();
      break;
    }
    const listener = () => {
      controller.abort(s.reason);
      unlink();
    };
    s.addEventListener('abort', listener, { once: true });
    linked.push([s, listener]);
  }
  return { signal: controller.signal, unlink };
}

/** A dripping answer is a few bytes: say how many, not "0 kB". */
function amount(bytes: number): string {
  return bytes < 10_000 ? `${bytes} bytes` : kB(bytes);
}

function deadlineError(deadline: RunDeadline, what: string, receivedBytes: number): MeasureError {
  return new MeasureError(
    'timeout',
    `${what}: no complete answer within the run's time limit of ${Math.round(deadline.limitMs)} ms (${amount(receivedBytes)} received after ${Math.round(deadline.elapsedMs())} ms)`,
  );
}

/** Rejects when `signal` aborts: raced against every step a hostile peer could stall. */
function rejectOnAbort(signal: AbortSignal, why: () => unknown): Promise<never> {
  const p = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(why());
    else signal.addEventListener('abort', () => reject(why()), { once: true });
  });
  p.catch(() => undefined);
  return p;
}

async function readCapped(reader: ReaderLike, what: string, maxBytes: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!value) continue;
    total += value.length;
    if (total > maxBytes) {
      void reader.cancel().catch(() => undefined);
      throw new MeasureError('bad-endpoint', `${what}: the answer ran past ${maxBytes} bytes, the most this client reads of an answer it reads whole`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder('utf-8').decode(all);
}

export interface DeadlineFetchOptions {
  /** Cap on a body read whole through text(); default MAX_WHOLE_BODY_BYTES. */
  maxWholeBodyBytes?: number;
  /**
   * The run's own cancel (Ctrl-C, the popup's Cancel), tied to every request too: the core
   * does not hand its signal to every request it makes (the /info read has none).
   */
  cancel?: AbortSignal;
}

/**
 * `fetch` held to the run's deadline: the request, its headers and every read of its body
 * fail with the deadline's numbers once it passes, even if the platform's fetch ignored the
 * abort; text() reads at most maxWholeBodyBytes. Streaming reads (transfers) are not capped:
 * their size is the run's own request and transfer.ts stops at the expected length.
 */
export function deadlineFetch(fetch: FetchLike, deadline: RunDeadline, opts: DeadlineFetchOptions = {}): FetchLike {
  const maxBytes = opts.maxWholeBodyBytes ?? MAX_WHOLE_BODY_BYTES;
  return async (url, init) => {
    const what = `${init.method ?? 'GET'} ${url}`;
    let received = 0;
    const link = anySignal([init.signal, opts.cancel, deadline.signal]);
    const why = () => (deadline.signal.aborted ? deadlineError(deadline, what, received) : link.signal.reason);
    if (link.signal.aborted) throw why();
    const aborted = rejectOnAbort(link.signal, why);
    let res: ResponseLike;
    try {
      res = await Promise.race([fetch(url, { ...init, signal: link.signal }), aborted]);
    } catch (err) {
      link.unlink();
      throw err;
    }
    const inner = res.body;
    if (!inner) link.unlink();
    let reader: ReaderLike | undefined;
    const getReader = (): ReaderLike => {
      if (reader) return reader;
      const r = inner!.getReader();
      reader = {
        async read() {
          try {
            const out = await Promise.race([r.read(), aborted]);
            if (out.value) received += out.value.length;
            if (out.done) link.unlink();
            return out;
          } catch (err) {
            link.unlink();
            throw err;
          }
        },
        cancel(reason) {
          link.unlink();
          return r.cancel(reason);
        },
      };
      return reader;
    };
    return withBody(res, inner && { getReader }, () => (inner ? readCapped(getReader(), what, maxBytes) : Promise.race([res.text(), aborted])));
  };
}

/**
 * A WebSocket factory held to the run's deadline: every socket still open when it passes is
 * dropped (terminate where the platform has it: a close handshake with a stalled peer could
 * last as long as it likes). The runner's own signal ends its test with the reason; this
 * makes sure no socket outlives the run whatever a caller does.
 */
export function deadlineWebSocket(factory: WebSocketFactory, deadline: RunDeadline): WebSocketFactory {
  const open = new Set<WebSocketLike>();
  const drop = (ws: WebSocketLike) => {
    try {
      if (ws.terminate) ws.terminate();
      else ws.close();
    } catch {
      // Already closed or never opened: gone either way.
    }
  };
  deadline.signal.addEventListener(
    'abort',
    () => {
      for (const ws of open) if (ws.readyState < 2) drop(ws);
      open.clear();
    },
    { once: true },
  );
  return (url, protocol) => {
    const ws = factory(url, protocol);
    if (deadline.expired()) {
      // Let the caller see its signal first (its error says why), then drop the socket.
      setTimeout(() => drop(ws), 0);
      return ws;
    }
    // Sockets that ended are forgotten at the next one, so the set stays small.
    for (const s of open) if (s.readyState >= 3) open.delete(s);
    open.add(ws);
    return ws;
  };
}
