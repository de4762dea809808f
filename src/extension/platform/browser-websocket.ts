// The browser's WebSocket for the ndt7 core (src/core/ndt7/websocket.ts). The browser's own
// socket already has the shape the core wants; this only receives binary messages as
// ArrayBuffers (the core counts bytes with byteLength, and a Blob would cost a copy) and keeps
// the socket's `url`, which the core reads to catch a browser that opened a ws:// leg as
// wss:// (Firefox does it under `upgrade-insecure-requests`, which our manifest's CSP leaves
// out; the check is there for a CSP or a browser policy that puts it back).
import type { WebSocketFactory, WebSocketLike } from '../../core/ndt7/websocket.js';

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export function browserWebSocketFactory(Ctor: WebSocketConstructor = WebSocket as unknown as WebSocketConstructor): WebSocketFactory {
  return (url, protocol) => {
    const ws = new Ctor(url, protocol);
    ws.binaryType = 'arraybuffer';
    return ws;
  };
}
