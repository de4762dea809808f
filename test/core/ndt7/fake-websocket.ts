// A WebSocket the test drives by hand: it opens, delivers messages and closes when told, on a
// clock the test moves, and records what the client sent and how it closed.
import type { WebSocketCloseEvent, WebSocketLike, WebSocketMessageEvent } from '../../../src/core/ndt7/websocket.js';

export class ManualClock {
  t = 0;
  now = () => this.t;
}

export class FakeWebSocket implements WebSocketLike {
  readyState = 0;
  bufferedAmount = 0;
  protocol = '';
  binaryType = 'blob';
  sent: number[] = [];
  closedWith: { code?: number; reason?: string } | undefined;
  terminated = false;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: WebSocketMessageEvent) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onclose: ((ev: WebSocketCloseEvent) => void) | null = null;
  terminate?: () => void;

  constructor(
    readonly url: string,
    readonly requestedProtocol: string,
    withTerminate = false,
  ) {
    if (withTerminate) this.terminate = () => void (this.terminated = true);
  }

  /** Nothing drains unless the test says so: sent bytes stay buffered. */
  send(data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? data.length : data.byteLength;
    this.sent.push(bytes);
    this.bufferedAmount += bytes;
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
  }

  open(protocol = 'net.measurementlab.ndt.v7'): void {
    this.protocol = protocol;
    this.readyState = 1;
    this.onopen?.({});
  }

  binary(bytes: number): void {
    this.onmessage?.({ data: new ArrayBuffer(bytes) });
  }

  text(json: unknown): void {
    this.onmessage?.({ data: JSON.stringify(json) });
  }

  serverClose(code: number, reason = '', errorMessage?: string): void {
    if (errorMessage) this.onerror?.({ message: errorMessage });
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

/** Lets the subtest's 50 ms watchdog run once. */
export const tick = () => new Promise((r) => setTimeout(r, 70));
