// The browser's WebSocket as the ndt7 core gets it.
import { describe, expect, it } from 'vitest';
import { browserWebSocketFactory, type WebSocketConstructor } from '../../src/extension/platform/browser-websocket.js';

class FakeSocket {
  static made: FakeSocket[] = [];
  binaryType = 'blob';
  readyState = 0;
  bufferedAmount = 0;
  protocol = '';
  onopen = null;
  onmessage = null;
  onerror = null;
  onclose = null;
  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    FakeSocket.made.push(this);
  }
  send(): void {}
  close(): void {}
}

describe('browserWebSocketFactory', () => {
  it('opens the URL with the ndt7 subprotocol and takes binary messages as ArrayBuffers', () => {
    const ws = browserWebSocketFactory(FakeSocket as unknown as WebSocketConstructor)(
      'ws://ndt.example/ndt/v7/download?access_token=x',
      'net.measurementlab.ndt.v7',
    );
    const made = FakeSocket.made.at(-1)!;
    expect(made.protocols).toBe('net.measurementlab.ndt.v7');
    expect(ws.binaryType).toBe('arraybuffer');
  });

  it("keeps the socket's own url, where an upgrade to wss: would show", () => {
    class Upgrading extends FakeSocket {
      constructor(url: string, p?: string) {
        super(url.replace(/^ws:/, 'wss:'), p);
      }
    }
    const ws = browserWebSocketFactory(Upgrading as unknown as WebSocketConstructor)('ws://ndt.example/ndt/v7/download', 'net.measurementlab.ndt.v7');
    expect(ws.url).toBe('wss://ndt.example/ndt/v7/download');
  });
});
