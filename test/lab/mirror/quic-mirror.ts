// A mirror that speaks HTTP/3 (Caddy) behind a cap on TCP only, and Chromium inside mir-cli with
// QUIC on or off: shared by test/lab/mirror/mirror-quic.test.ts and bench/mirror-quic.ts.
import { createHash, createPublicKey } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CHROMIUM_PATH, ExtensionBrowser } from '../../e2e/support/extension-browser.js';
import { addShapedClass } from '../lab-net.js';
import { MADDR, MLINE_DOWN_DEV, MNS } from './mirror-net.js';
import type { MirrorScenario } from './mirror-scenarios.js';

/** u32 matches a port in any IP protocol: the protocol byte (offset 9) keeps the cap to TCP. */
export const TCP_PORT_CAP: MirrorScenario = {
  id: 'mir-port-tcp',
  title: 'mirror, htb class on TCP source port 443 at a fifth of the line (10 of 50 Mbit/s); UDP untouched',
  lineMbps: 50,
  truth: { verdicts: ['tls-throttled'], check: 'usable', ratio: 5 },
  shape: () => addShapedClass({ ns: MNS.srv, dev: MLINE_DOWN_DEV, mbps: 10, match: 'ip protocol 6 0xff match ip sport 443 0xffff' }),
};

/** The base64 SHA-256 of a certificate's public key, as --ignore-certificate-errors-spki-list takes it. */
function spkiHash(certPem: string): string {
  return createHash('sha256').update(createPublicKey(certPem).export({ type: 'spki', format: 'der' })).digest('base64');
}

/**
 * Chromium inside mir-cli with the extension. Chromium uses QUIC only with certificates from a
 * publicly trusted root, not a locally installed one (chromium.org, "Playing with QUIC"; seen
 * here: Alt-Svc from Caddy changed nothing), which a lab cannot have, so with `quic` it is
 * forced for the mirror's origin (--origin-to-force-quic-on, the lab key pinned by
 * --ignore-certificate-errors-spki-list): QUIC from the first request, as for a server whose
 * DNS HTTPS record (RFC 9460) names h3. `dir` is runMirrorScenario's, holding cert.pem.
 */
export async function chromiumInMirCli(extensionDir: string, caPath: string, dir: string, quic: boolean): Promise<ExtensionBrowser> {
  const wrapper = join(dir, 'chromium-in-mir-cli.sh');
  await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${MNS.cli} ${CHROMIUM_PATH} "$@"\n`, { mode: 0o755 });
  const spki = spkiHash(await readFile(join(dir, 'cert.pem'), 'utf8'));
  return ExtensionBrowser.launch({
    extensionDir,
    caPath,
    executablePath: wrapper,
    quic,
    args: quic ? [`--origin-to-force-quic-on=${MADDR.srv}:443`, `--ignore-certificate-errors-spki-list=${spki}`] : [],
  });
}

/** Firefox follows Alt-Svc to HTTP/3 as on the Internet once it treats the lab's CA as a public root. */
export const FIREFOX_HTTP3_PREFS = { 'network.http.http3.disable_when_third_party_roots_found': false };
