// `npm start`: the main job on a fresh machine. Builds the extension and the CLI, starts a local
// endpoint and collector on the embedded default (ports 8080 and 8443, data in
// ~/.local/share/tls-throttle), and says exactly how to load the extension and trust the
// development CA. Ctrl-C stops it.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { build } from '../build.mjs';

await build({ clean: true });
const extensionDir = resolve('dist/extension');
const server = spawn(process.execPath, ['dist/cli.js', 'serve', '--ports', '8080,8443', '--collector'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let caPath = '';
server.stdout.setEncoding('utf8');
server.stdout.on('data', (text) => {
  process.stdout.write(text);
  const m = /Development CA: (\S+)/.exec(text);
  if (m) caPath = m[1];
  if (/^Try: /m.test(text)) explain();
});
server.on('exit', (code) => process.exit(code ?? 0));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill('SIGTERM'));

function explain() {
  console.log(`
The extension is built in ${extensionDir}. With no server selected, "Run test" measures the
quickest usable server of its list elsewhere, and this local endpoint (https://127.0.0.1:8443/)
only when none is usable; select it in the options to measure it anyway.

Load it in Chrome or Chromium:
  1. open chrome://extensions and switch on "Developer mode";
  2. "Load unpacked" and choose ${extensionDir};
  3. trust the development CA once (Linux, Chromium's NSS store):
       certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n tls-throttle-dev -i ${caPath || '<CA path above>'}
     (macOS/Windows: import that file as a trusted root in the system keychain/store);
  4. click the toolbar icon, then "Run test".
Or launch a throwaway Chromium with it already loaded:
  chromium --user-data-dir=$(mktemp -d) --load-extension=${extensionDir} --ignore-certificate-errors

Load it in Firefox: about:debugging#/runtime/this-firefox -> "Load Temporary Add-on..." ->
  ${extensionDir}/manifest.json (import the CA under Settings -> Certificates -> Authorities).

Reports and per-ISP aggregates: https://127.0.0.1:8443/v1/aggregates (page: https://127.0.0.1:8443/v1/)
Same measurement from the terminal:
  node dist/cli.js run https://127.0.0.1:8443 --ca ${caPath || '<CA path above>'}
On loopback TLS is limited by the processor, so expect "inconclusive" with that reason; the
throttle lab (npm run lab) shows verdicts on a shaped line.
Ctrl-C stops the endpoint.`);
}
