// See bench/extension-run.mjs.
import { parseArgs } from 'node:util';
import { runExtensionTest } from '../test/e2e/support/extension-browser.js';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { ca: { type: 'string' }, json: { type: 'boolean' } } });
const [command, url] = positionals;
if (command !== 'run' || !url || !values.ca) {
  process.stderr.write('usage: node bench/extension-run.mjs run https://ENDPOINT --ca FILE --json\n');
  process.exit(2);
}
const outcome = await runExtensionTest({ endpointUrl: url, caPath: values.ca, extensionDir: 'dist/extension', runTimeoutMs: 200_000 });
process.stdout.write(`${JSON.stringify(outcome.result)}\n`);
process.exit(0);
