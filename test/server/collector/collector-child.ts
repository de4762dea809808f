// A collector in a process of its own, for the kill -9 test: the shipped IP database, the
// real stores, no rate limit (all load comes from one address). Prints {"port": N} when ready.
// argv: dataDir [databaseUrl]
import { startCollector } from '../../../src/server/collector/index.js';
import { devCertificate } from '../../../src/server/dev-ca.js';
import { startEndpointServer } from '../../../src/server/endpoint-server.js';

const [dataDir, databaseUrl] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: collector-child.ts DATA_DIR [DATABASE_URL]');
const collector = await startCollector({
  dataDir,
  databaseUrl: databaseUrl ?? '',
  rateLimit: false,
  networkCeiling: false,
  log: (l) => process.stderr.write(`${l}\n`),
});
const dev = await devCertificate(dataDir, []);
const server = await startEndpointServer({
  host: '127.0.0.1',
  ports: [0],
  certPem: dev.certPem,
  keyPem: dev.keyPem,
  version: 'test',
  skipCapacityCheck: true,
  routes: [collector.route],
});
process.stdout.write(`${JSON.stringify({ port: server.ports[0] })}\n`);
