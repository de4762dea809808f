// An endpoint behind a userland shaper: one pacing proxy in front of each of its two ports, so
// a run sees a line of a chosen rate, and TLS (or plaintext) can be slowed on any port.
import { startPacingProxy, type PacingProxyOptions } from './pacing-proxy.js';
import { startTestEndpoint } from './endpoint.js';

export type Shaping = Omit<PacingProxyOptions, 'targetHost' | 'targetPort' | 'listenHost' | 'listenPort'>;

export async function startPacedEndpoint(shaping: Shaping, endpoint?: Awaited<ReturnType<typeof startTestEndpoint>>) {
  const ep = endpoint ?? (await startTestEndpoint());
  const plain = await startPacingProxy({ targetHost: '127.0.0.1', targetPort: ep.plainPort, ...shaping });
  const tls = await startPacingProxy({ targetHost: '127.0.0.1', targetPort: ep.tlsPort, ...shaping });
  return {
    endpoint: ep,
    /** The run's arguments: the TLS proxy's URL, and the plain proxy's port. */
    url: `https://127.0.0.1:${tls.port}/`,
    httpPort: plain.port,
    httpsPort: tls.port,
    caPath: ep.caPath,
    async close() {
      await plain.close();
      await tls.close();
      if (!endpoint) await ep.close(0);
    },
  };
}
