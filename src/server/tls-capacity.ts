// How fast this endpoint can push TLS, measured at start-up over loopback in this process: a
// client that sees HTTPS near this rate is limited by the endpoint, not by its network, and
// must not conclude throttling (core/runner.ts, checkEndpointBound).
import { once } from 'node:events';
import { createServer, connect, type SecureContextOptions } from 'node:tls';
import { performance } from 'node:perf_hooks';

/**
 * The best of a few trials. Each trial is a lower bound of what the endpoint can push (both
 * ends share one thread), so the best is the tightest lower bound; a single 300 ms trial on a
 * shared, loaded machine read 198-3410 Mbit/s between start-ups and withheld true port-cap
 * findings at 1 Gbit/s as CPU-bound (test/lab/README.md, "Where the processors become the limit").
 */
export async function measureTlsCapacityMbps(creds: SecureContextOptions, durationMs = 300, trials = 3): Promise<number> {
  let best = 0;
  for (let i = 0; i < trials; i++) best = Math.max(best, await oneTrialMbps(creds, durationMs));
  return best;
}

async function oneTrialMbps(creds: SecureContextOptions, durationMs: number): Promise<number> {
  const server = createServer(creds, (socket) => {
    const chunk = Buffer.alloc(256 * 1024, 7);
    const started = performance.now();
    const pump = () => {
      while (performance.now() - started < durationMs) {
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      socket.end();
    };
    pump();
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  try {
    const client = connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
    let bytes = 0;
    let first = 0;
    let last = 0;
    client.on('data', (d: Buffer) => {
      last = performance.now();
      if (!first) first = last;
      bytes += d.length;
    });
    await once(client, 'end');
    client.destroy();
    // Both ends share this process's one thread, so this is a lower bound of what a remote
    // client could get: the safe side for a check that refuses to blame the network.
    return last > first ? (bytes * 8) / ((last - first) * 1000) : 0;
  } finally {
    server.close();
  }
}
