// The WebSocket the ndt7 client is given: the subset of the WHATWG WebSocket that browsers'
// WebSocket and Node's `ws` package both have, so the core never touches either (as io.ts does
// for fetch).

export interface WebSocketMessageEvent {
  /** A string for text messages; an ArrayBuffer or a byte view for binary ones. */
  data: unknown;
}

export interface WebSocketCloseEvent {
  code: number;
  reason: string;
}

export interface WebSocketLike {
  /** The URL the socket really connects to (a browser may have upgraded ws: to wss:). */
  readonly url?: string;
  readonly readyState: number;
  /** Bytes queued by send() and not yet handed to the network. */
  readonly bufferedAmount: number;
  /** The subprotocol the server selected. */
  readonly protocol: string;
  binaryType: string;
  send(data: Uint8Array | string): void;
  close(code?: number, reason?: string): void;
  /**
   * Drops the connection without waiting for the closing handshake (Node's `ws` has it,
   * browsers do not): see SubtestLimits.closeGraceMs for when we use it.
   */
  terminate?(): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: WebSocketMessageEvent) => void) | null;
  /** Browsers say nothing about why; Node's `ws` puts the HTTP status in `message`. */
  onerror: ((ev: unknown) => void) | null;
  onclose: ((ev: WebSocketCloseEvent) => void) | null;
}

export type WebSocketFactory = (url: string, protocol: string) => WebSocketLike;

/** Bytes of one message as the application received it. */
export function messageBytes(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data && typeof data === 'object') {
    const d = data as { byteLength?: unknown; size?: unknown };
    if (typeof d.byteLength === 'number') return d.byteLength;
    if (typeof d.size === 'number') return d.size;
  }
  return 0;
}

/** What an error event says, where the platform says anything. */
export function errorDetail(ev: unknown): string | undefined {
  if (ev && typeof ev === 'object') {
    const e = ev as { message?: unknown; error?: { message?: unknown } };
    if (typeof e.message === 'string' && e.message) return e.message;
    if (e.error && typeof e.error.message === 'string') return e.error.message;
  }
  return undefined;
}
