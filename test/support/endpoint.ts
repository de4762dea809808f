// A real endpoint on loopback for tests: the dev CA in a temp dir, ports chosen by the system.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devCertificate } from '../../src/server/dev-ca.js';
import { startEndpointServer, type EndpointServerOptions } from '../../src/server/endpoint-server.js';

/** `names`: more names on the certificate (a wildcard `*.ZONE` for `sniZone`). */
export async function startTestEndpoint(extra: Partial<EndpointServerOptions> = {}, names: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'ttd-test-'));
  const dev = await devCertificate(dir, names);
  const server = await startEndpointServer({
    host: '127.0.0.1',
    ports: [0, 0],
    certPem: dev.certPem,
    keyPem: dev.keyPem,
    version: 'test',
    skipCapacityCheck: true,
    ...extra,
  });
  return { ...server, caPath: dev.caPath, dataDir: dir, plainPort: server.ports[0]!, tlsPort: server.ports[1]! };
}
