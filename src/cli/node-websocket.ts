// Node's WebSocket for the ndt7 core: the `ws` package (Node 20 has no global WebSocket),
// with our CA or none, and no permessage-deflate (ws offers it by default; ndt7 payloads are
// random, so it would cost CPU and measure nothing).
import { readFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import { NDT7_MAX_MESSAGE_BYTES } from '../core/ndt7/protocol.js';
import type { WebSocketFactory, WebSocketLike } from '../core/ndt7/websocket.js';
import type { TlsTrust } from './node-io.js';

export function nodeWebSocketFactory(trust: TlsTrust = {}): WebSocketFactory {
  const ca = trust.caFile ? readFileSync(trust.caFile, 'utf8') : undefined;
  return (url, protocol) => {
    const ws = new WebSocket(url, protocol, {
      perMessageDeflate: false,
      ca,
      rejectUnauthorized: !trust.insecure,
      handshakeTimeout: 10_000,
      // ws accepts 100 MiB messages by default; ndt7's largest is 16 MiB (protocol.ts).
      maxPayload: NDT7_MAX_MESSAGE_BYTES + 1024,
      headers: { 'user-agent': 'tls-throttle-detector' },
    });
    // ws's own events carry the HTTP status of a refused upgrade ("Unexpected server response:
    // 503") in the error's message, which is what errorDetail() reads.
    return ws as unknown as WebSocketLike;
  };
}
