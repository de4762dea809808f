// An endpoint whose two ports are paced by the userland shaper (test/support/pacing-proxy.ts).
// The endpoint listens on 127.0.0.2 and each proxy on 127.0.0.1 with the same port number, so
// the ports the endpoint lists in /info lead a client to the proxies: the extension, unlike
// the CLI, takes no port overrides.
import { startTestEndpoint } from '../../support/endpoint.js';
import { startPacingProxy, type PacingProxy } from '../../support/pacing-proxy.js';

export async function startPacedLine(
  rates: { plainMbps: number; tlsMbps: number; plainUploadMbps?: number; tlsUploadMbps?: number },
  endpointOptions: Parameters<typeof startTestEndpoint>[0] = {}) {
  const endpoint = await startTestEndpoint({ ...endpointOptions, host: '127.0.0.2' });
  const proxies: PacingProxy[] = [];
  try {
    for (const port of endpoint.ports) {
      proxies.push(
        await startPacingProxy({ targetHost: '127.0.0.2', targetPort: port, listenHost: '127.0.0.1', listenPort: port, ...rates }),
      );
    }
  } catch (err) {
    for (const p of proxies) await p.close();
    await endpoint.close(0);
    throw err;
  }
  return {
    endpoint,
    url: `https://127.0.0.1:${endpoint.tlsPort}/`,
    /** The shaper in front of the port the plaintext screening leg uses. */
    plainProxy: proxies[endpoint.ports.indexOf(endpoint.plainPort)]!,
    tlsProxy: proxies[endpoint.ports.indexOf(endpoint.tlsPort)]!,
    async close() {
      for (const p of proxies) await p.close();
      await endpoint.close(0);
    },
  };
}
