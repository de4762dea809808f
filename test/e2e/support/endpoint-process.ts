// The test endpoint as a process of its own, so a test can run it inside a network namespace:
//   ip netns exec NS npx tsx test/e2e/support/endpoint-process.ts --host 10.79.0.2 --dir /tmp/x
// It prints one JSON line, { ports, caPath }, once it listens, and stops on SIGTERM.
import { parseArgs } from 'node:util';
import { devCertificate } from '../../../src/server/dev-ca.js';
import { startEndpointServer } from '../../../src/server/endpoint-server.js';

const { values } = parseArgs({ options: { host: { type: 'string' }, dir: { type: 'string' } } });
if (!values.host || !values.dir) {
  console.error('usage: endpoint-process.ts --host ADDRESS --dir CA_DIR');
  process.exit(2);
}
const dev = await devCertificate(values.dir, [values.host]);
const server = await startEndpointServer({
  host: values.host,
  ports: [0, 0],
  certPem: dev.certPem,
  keyPem: dev.keyPem,
  version: 'test',
  skipCapacityCheck: true,
});
process.stdout.write(`${JSON.stringify({ ports: server.ports, caPath: dev.caPath })}\n`);
process.on('SIGTERM', () => void server.close(0).then(() => process.exit(0)));
