// The SNI lab's server host, run inside sni-srv: our endpoint on 127.0.0.1, and the SNI shaper
// (sni-shaper.ts) in front of it on the public address, on both ports, so that plaintext, the
// control name and the name under test all cross the same userland proxy.
//   node --import tsx test/lab/sni/sni-server.ts '<SniServerConfig as JSON>'
// It prints one JSON line, {"ready":true,"caPath":...}, once every listener is up.
import { devCertificate } from '../../../src/server/dev-ca.js';
import { startEndpointServer } from '../../../src/server/endpoint-server.js';
import { startSniShaper, type SniShaperOptions } from './sni-shaper.js';

export interface SniServerConfig {
  publicHost: string;
  ports: number[];
  dataDir: string;
  shaper: Pick<SniShaperOptions, 'names' | 'action' | 'kbps' | 'match'>;
  /** Serve every name under this zone (a wildcard development certificate, /info's sniZone). */
  sniZone?: string;
}

async function main(config: SniServerConfig): Promise<void> {
  const dev = await devCertificate(config.dataDir, [config.publicHost, ...(config.sniZone ? [`*.${config.sniZone}`] : [])]);
  await startEndpointServer({
    host: '127.0.0.1',
    ports: config.ports,
    certPem: dev.certPem,
    keyPem: dev.keyPem,
    version: 'lab',
    limits: { requestsPerMinute: 100_000 },
    sniZone: config.sniZone,
  });
  for (const port of config.ports) {
    await startSniShaper({ ...config.shaper, listenHost: config.publicHost, listenPort: port, targetHost: '127.0.0.1', targetPort: port });
  }
  process.stdout.write(`${JSON.stringify({ ready: true, caPath: dev.caPath })}\n`);
  process.on('SIGTERM', () => process.exit(0));
}

main(JSON.parse(process.argv[2] ?? '{}') as SniServerConfig).catch((err: unknown) => {
  process.stderr.write(`sni lab server failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
