// How fast this computer receives TLS through the very fetch path the CLI measures with, with
// no network in between: a loopback endpoint of ours, one large transfer. A TLS leg near this
// rate is CPU-bound, and the runner will not call it throttled.
import { devCertificate } from '../server/dev-ca.js';
import { startEndpointServer } from '../server/endpoint-server.js';
import { timedDownload } from '../core/transfer.js';
import { nodeClock, nodeFetch, nodeHasher } from './node-io.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function measureClientTlsCapacityMbps(bytes = 64 * 1024 * 1024): Promise<number> {
  // A directory of our own for each run (mkdtemp: a new name, mode 0700), removed afterwards:
  // a fixed name under the shared tmpdir could be made first by another local user, with
  // links in it that point where the CA's key would then be written.
  const dir = await mkdtemp(join(tmpdir(), 'tls-throttle-self-test-'));
  try {
    return await measureIn(dir, bytes);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function measureIn(dir: string, bytes: number): Promise<number> {
  const dev = await devCertificate(dir, []);
  const server = await startEndpointServer({
    host: '127.0.0.1',
    ports: [0],
    certPem: dev.certPem,
    keyPem: dev.keyPem,
    version: 'self-test',
    skipCapacityCheck: true,
  });
  const io = nodeFetch({ caFile: dev.caPath });
  try {
    const url = `https://127.0.0.1:${server.ports[0]}/payload?bytes=${bytes}&seed=1`;
    const deps = { fetch: io.fetch, clock: nodeClock, hasher: nodeHasher };
    await timedDownload(deps, { url: url.replace(String(bytes), String(1 << 20)), expectBytes: 1 << 20, scheme: 'https' });
    const sample = await timedDownload(deps, { url, expectBytes: bytes, scheme: 'https' });
    return sample.mbps;
  } finally {
    await io.close();
    await server.close(0);
  }
}
