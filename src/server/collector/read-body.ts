// Reads a request body up to a size limit, without buffering more than the limit: a client
// that sends more (or announces more in Content-Length) is refused after `maxBytes`.
import type { IncomingMessage } from 'node:http';

export type BodyResult = { ok: true; body: Buffer } | { ok: false; status: 400 | 413; message: string };

export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const announced = Number(req.headers['content-length']);
  if (Number.isFinite(announced) && announced > maxBytes) {
    return Promise.resolve({ ok: false, status: 413, message: `body of ${announced} bytes is over the limit of ${maxBytes} bytes` });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let done = false;
    const finish = (r: BodyResult) => {
      if (done) return;
      done = true;
      resolve(r);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      bytes += chunk.length;
      if (bytes > maxBytes) {
        finish({ ok: false, status: 413, message: `body is over the limit of ${maxBytes} bytes` });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => finish({ ok: true, body: Buffer.concat(chunks, bytes) }));
    req.on('error', (err) => finish({ ok: false, status: 400, message: `body could not be read: ${err.message}` }));
    req.on('aborted', () => finish({ ok: false, status: 400, message: `body ended after ${bytes} bytes` }));
  });
}
