// A connection past a cap (connection-guard.ts) is told so when that is cheap: a plain HTTP
// client gets a 503 with a JSON error, as every other limit answers. A TLS client would need
// a handshake first, the very work the cap saves, so its socket is closed unanswered. The
// server never reads the request: the answer goes out after the first bytes arrive, the
// socket is half-closed, and nothing it sends afterwards is looked at.

/** How long a refused socket may take to send its first byte before it is dropped. */
export const REFUSAL_WAIT_MS = 1000;
/** Refused sockets waiting at once; past this a flood is dropped without waiting. */
export const MAX_REFUSALS_WAITING = 64;

/** The 503; an answer to HEAD has no body (RFC 9110 section 9.3.2), or the client reads it as the next answer. */
function answer(reason: string, head: boolean): string {
  const body = JSON.stringify({ error: `${reason}; try again shortly` });
  return (
    'HTTP/1.1 503 Service Unavailable\r\n' +
    'content-type: application/json; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    'retry-after: 5\r\n' +
    'access-control-allow-origin: *\r\n' +
    'cache-control: no-store\r\n' +
    'connection: close\r\n\r\n' +
    (head ? '' : body)
  );
}

const TLS_HANDSHAKE = 0x16;
let waiting = 0;

export function refuseConnection(socket: import('node:net').Socket, reason: string): void {
  if (waiting >= MAX_REFUSALS_WAITING) {
    socket.destroy();
    return;
  }
  waiting++;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    waiting--;
    clearTimeout(timer);
  };
  const timer = setTimeout(() => {
    finish();
    socket.destroy();
  }, REFUSAL_WAIT_MS);
  socket.once('close', finish);
  socket.once('data', (first: Buffer) => {
    finish();
    if (first[0] === TLS_HANDSHAKE) {
      socket.destroy();
      return;
    }
    socket.pause();
    // end() flushes the answer, then half-closes; the timer bounds a peer that never closes.
    socket.end(answer(reason, first.subarray(0, 5).toString('latin1') === 'HEAD '));
    setTimeout(() => socket.destroy(), REFUSAL_WAIT_MS).unref();
  });
}
