// Attack requests sent from a process of their own, so that the attacker's work (reading forty
// exports, say) does not share the event loop of the server under test and pose as its delay.
// argv[2]: {"port": N, "requests": [{"path", "method"?, "localAddress"?}]}, sent all at once.
// Prints one JSON line: per request, { status, bytes, headers } (status -1: no answer).
import { request } from 'node:http';

interface Spec {
  port: number;
  requests: Array<{ path: string; method?: string; localAddress?: string }>;
}

const spec = JSON.parse(process.argv[2]!) as Spec;
const answers = await Promise.all(
  spec.requests.map(
    (r) =>
      new Promise<{ status: number; bytes: number; headers: Record<string, unknown> }>((resolve) => {
        const req = request({ host: '127.0.0.1', port: spec.port, path: r.path, method: r.method ?? 'GET', localAddress: r.localAddress, agent: false }, (res) => {
          let bytes = 0;
          res.on('data', (c: Buffer) => (bytes += c.length));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, headers: res.headers }));
          res.on('error', () => resolve({ status: -1, bytes, headers: {} }));
        });
        req.on('error', () => resolve({ status: -1, bytes: 0, headers: {} }));
        req.end();
      }),
  ),
);
process.stdout.write(`${JSON.stringify(answers)}\n`);
