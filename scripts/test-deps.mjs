// Before `npm test`: the system packages the tests drive for real (Chromium, Firefox, PostgreSQL,
// iproute2, curl, pebble, systemd-analyze, gcc, a Chinese font, and the mirror lab's nginx, Apache httpd, lighttpd and Caddy). As root on Debian they are installed when missing; otherwise the exact
// command is printed and the tests do not start.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const NEEDED = [
  { pkg: 'chromium', present: () => existsSync('/usr/lib/chromium/chromium') },
  { pkg: 'firefox-esr', present: () => existsSync('/usr/lib/firefox-esr/firefox-esr') },
  { pkg: 'libnss3-tools', present: () => existsSync('/usr/bin/certutil') },
  { pkg: 'postgresql', present: () => spawnSync('sh', ['-c', 'ls /usr/lib/postgresql/*/bin/initdb']).status === 0 },
  { pkg: 'iproute2', present: () => existsSync('/usr/sbin/ip') || existsSync('/sbin/ip') },
  { pkg: 'curl', present: () => existsSync('/usr/bin/curl') },
  { pkg: 'systemd', present: () => existsSync('/usr/bin/systemd-analyze') },
  { pkg: 'pebble', present: () => existsSync('/usr/bin/pebble') && existsSync('/usr/bin/pebble-challtestsrv') },
  // The mirror lab (test/lab/mirror): web servers from Debian serving one file over both schemes.
  { pkg: 'nginx-light', present: () => existsSync('/usr/sbin/nginx') },
  { pkg: 'apache2', present: () => existsSync('/usr/sbin/apache2') },
  { pkg: 'lighttpd', present: () => existsSync('/usr/sbin/lighttpd') },
  { pkg: 'lighttpd-mod-openssl', present: () => existsSync('/usr/lib/lighttpd/mod_openssl.so') },
  // The one that speaks HTTP/3 (test/lab/mirror/mirror-quic.test.ts).
  { pkg: 'caddy', present: () => existsSync('/usr/bin/caddy') },
  // The packaged extension's zips, unpacked for Chromium (test/e2e/package.test.ts, test/lab/mirror).
  { pkg: 'unzip', present: () => existsSync('/usr/bin/unzip') },
  // The WAN lab's packet forwarder is C, compiled on first use (test/lab/wan-forwarder.c).
  { pkg: 'gcc', present: () => existsSync('/usr/bin/gcc') },
  { pkg: 'libc6-dev', present: () => existsSync('/usr/include/stdio.h') },
  // Chinese glyphs: the zh_CN popup's layout checks (test/e2e/popup-ui.test.ts) and screenshots
  // measure real text, not missing-glyph boxes.
  { pkg: 'fonts-wqy-microhei', present: () => existsSync('/usr/share/fonts/truetype/wqy/wqy-microhei.ttc') },
];

const missing = NEEDED.filter((n) => !n.present()).map((n) => n.pkg);
if (missing.length === 0) process.exit(0);
const command = `apt-get install -y ${missing.join(' ')}`;
if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
  console.error(`Installing the system packages the tests use: ${missing.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
} else {
  console.error(`The tests need these system packages: ${missing.join(', ')}.\nInstall them with: sudo ${command}`);
  process.exit(1);
}
