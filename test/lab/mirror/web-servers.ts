// Web servers from Debian, not ours, serving one file over both schemes with Range: nginx
// (nginx-light), Apache httpd (apache2) and lighttpd (with lighttpd-mod-openssl), and Caddy
// (caddy), the one that also speaks HTTP/3 and advertises it. Each runs in the foreground inside
// mir-srv with a configuration written here, under a temporary directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MNS } from './mirror-net.js';

/** The servers every mirror scenario runs on. */
export const SERVER_KINDS = ['nginx', 'apache', 'lighttpd'] as const;
/** Caddy is run only where HTTP/3 is the point (mirror-quic.test.ts). */
export type ServerKind = (typeof SERVER_KINDS)[number] | 'caddy';

export interface WebServerOptions {
  kind: ServerKind;
  dir: string;
  /** Where it listens (the public address, or 127.0.0.1 behind a front). */
  host: string;
  plainPort: number;
  tlsPort: number;
  certFile: string;
  keyFile: string;
  /** The plain scheme answers 301 to the same URL over https (as many mirrors do). */
  redirectHttp?: boolean;
  /** The namespace it runs in (default mir-srv; the WAN lab's wan-srv for a long path). */
  netns?: string;
  /** nginx only: log each request's connection, its number on it, and its Connection and Range headers here. */
  accessLog?: string;
}

/** One line per request in accessLog: `connection requests-on-it scheme "Connection" "Range" status bytes`. */
export const ACCESS_LOG_FORMAT = '$connection $connection_requests $scheme "$http_connection" "$http_range" $status $body_bytes_sent';

/** The files every server serves, under /pub: a small one and one larger than any run's ranges. */
export const FILES = { small: { path: '/pub/small.bin', bytes: 2 * 1024 * 1024 }, big: { path: '/pub/big.bin', bytes: 96 * 1024 * 1024 } };

export async function makeDocroot(dir: string): Promise<string> {
  const root = join(dir, 'www');
  await mkdir(join(root, 'pub'), { recursive: true });
  for (const f of Object.values(FILES)) await writeFile(join(root, f.path), randomBytes(f.bytes));
  // Servers drop privileges (nobody, www-data): every directory on the way must be readable.
  for (const d of [dir, root, join(root, 'pub')]) await chmod(d, 0o755);
  return root;
}

function nginxConf(o: WebServerOptions, root: string): string {
  const tmp = join(o.dir, 'nginx-tmp');
  return `daemon off;
user nobody nogroup;
worker_processes 1;
pid ${o.dir}/nginx.pid;
error_log ${o.dir}/nginx-error.log;
events { worker_connections 256; }
http {
  ${o.accessLog ? `log_format ttd '${ACCESS_LOG_FORMAT}';
  access_log ${o.accessLog} ttd;` : 'access_log off;'}
  client_body_temp_path ${tmp}/body; proxy_temp_path ${tmp}/proxy; fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi; scgi_temp_path ${tmp}/scgi;
  default_type application/octet-stream;
  sendfile on;
  server {
    listen ${o.host}:${o.plainPort};
    listen ${o.host}:${o.tlsPort} ssl;
    ssl_certificate ${o.certFile};
    ssl_certificate_key ${o.keyFile};
    root ${root};
    ${o.redirectHttp ? 'if ($scheme = http) { return 301 https://$host$request_uri; }' : ''}
  }
}
`;
}

function apacheConf(o: WebServerOptions, root: string): string {
  const mod = (name: string, file: string) => `LoadModule ${name} /usr/lib/apache2/modules/${file}`;
  return `${mod('mpm_event_module', 'mod_mpm_event.so')}
${mod('authz_core_module', 'mod_authz_core.so')}
${mod('mime_module', 'mod_mime.so')}
${mod('alias_module', 'mod_alias.so')}
${mod('socache_shmcb_module', 'mod_socache_shmcb.so')}
${mod('ssl_module', 'mod_ssl.so')}
ServerRoot ${o.dir}
ServerName ${o.host}
PidFile ${o.dir}/httpd.pid
DefaultRuntimeDir ${o.dir}
Mutex file:${o.dir} default
ErrorLog ${o.dir}/apache-error.log
User www-data
Group www-data
TypesConfig /etc/mime.types
Listen ${o.host}:${o.plainPort}
Listen ${o.host}:${o.tlsPort}
DocumentRoot ${root}
<Directory ${root}>
  Require all granted
</Directory>
<VirtualHost ${o.host}:${o.plainPort}>
  ${o.redirectHttp ? `Redirect permanent / https://${o.host}/` : ''}
</VirtualHost>
<VirtualHost ${o.host}:${o.tlsPort}>
  SSLEngine on
  SSLCertificateFile ${o.certFile}
  SSLCertificateKeyFile ${o.keyFile}
</VirtualHost>
`;
}

function lighttpdConf(o: WebServerOptions, root: string): string {
  return `server.modules = ( "mod_openssl", "mod_redirect" )
server.document-root = "${root}"
server.bind = "${o.host}"
server.port = ${o.plainPort}
server.username = "www-data"
server.groupname = "www-data"
mimetype.assign = ( ".bin" => "application/octet-stream" )
$SERVER["socket"] == "${o.host}:${o.tlsPort}" {
  ssl.engine = "enable"
  ssl.pemfile = "${o.certFile}"
  ssl.privkey = "${o.keyFile}"
}
${o.redirectHttp ? `$HTTP["scheme"] == "http" { url.redirect = ( "" => "https://\${url.authority}\${url.path}\${qsa}" ) }` : ''}
`;
}

/**
 * Caddy 2.6 serves HTTP/1.1, HTTP/2 and HTTP/3 (QUIC on UDP tlsPort) and sends
 * `Alt-Svc: h3=":<tlsPort>"` on its TLS answers, as Caddy does by default. A client that
 * connects to an address sends no server name, so `default_sni` picks the certificate then.
 */
function caddyConf(o: WebServerOptions, root: string): string {
  return `{
  admin off
  auto_https off
  default_sni ${o.host}
  servers {
    protocols h1 h2 h3
  }
}
https://${o.host}:${o.tlsPort} {
  bind ${o.host}
  tls ${o.certFile} ${o.keyFile}
  root * ${root}
  file_server
  log {
    output file ${o.dir}/caddy-access.log
    format json
  }
}
http://${o.host}:${o.plainPort} {
  bind ${o.host}
  ${o.redirectHttp ? `redir https://${o.host}{uri} permanent` : `root * ${root}
  file_server`}
}
`;
}

/** The HTTP versions of the TLS requests Caddy logged ("HTTP/2.0", "HTTP/3.0"), in order. */
export async function caddyProtocols(dir: string): Promise<string[]> {
  const text = await readFile(join(dir, 'caddy-access.log'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { request?: { proto?: string } }).request?.proto ?? '?');
}

/** Starts the server inside its namespace (mir-srv unless told) and resolves once both ports accept connections. */
export async function startWebServer(o: WebServerOptions): Promise<ChildProcess> {
  const root = await makeDocroot(o.dir);
  let args: string[];
  let env: NodeJS.ProcessEnv = process.env;
  if (o.kind === 'nginx') {
    for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(o.dir, 'nginx-tmp', d), { recursive: true });
    await writeFile(join(o.dir, 'nginx.conf'), nginxConf(o, root));
    args = ['/usr/sbin/nginx', '-c', join(o.dir, 'nginx.conf')];
  } else if (o.kind === 'apache') {
    await writeFile(join(o.dir, 'apache.conf'), apacheConf(o, root));
    args = ['/usr/sbin/apache2', '-f', join(o.dir, 'apache.conf'), '-DFOREGROUND'];
    env = { ...process.env, APACHE_RUN_DIR: o.dir, APACHE_LOCK_DIR: o.dir, APACHE_LOG_DIR: o.dir };
  } else if (o.kind === 'caddy') {
    await writeFile(join(o.dir, 'Caddyfile'), caddyConf(o, root));
    args = ['/usr/bin/caddy', 'run', '--config', join(o.dir, 'Caddyfile'), '--adapter', 'caddyfile'];
    // Caddy keeps its state under $HOME and $XDG_*: here, under the run's directory.
    env = { ...process.env, HOME: o.dir, XDG_CONFIG_HOME: join(o.dir, 'xdg-config'), XDG_DATA_HOME: join(o.dir, 'xdg-data') };
  } else {
    await writeFile(join(o.dir, 'lighttpd.conf'), lighttpdConf(o, root));
    args = ['/usr/sbin/lighttpd', '-D', '-f', join(o.dir, 'lighttpd.conf')];
  }
  const ns = o.netns ?? MNS.srv;
  const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${o.kind} exited with ${child.exitCode}: ${stderr.trim()}`);
    const up = await listening(ns, o.host, [o.plainPort, o.tlsPort]);
    if (up) return child;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${o.kind} did not listen on ${o.host}:${o.plainPort},${o.tlsPort} within 15 s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function listening(ns: string, host: string, ports: number[]): Promise<boolean> {
  const { sh } = await import('../lab-net.js');
  const out = await sh('ip', ['netns', 'exec', ns, 'ss', '-ltnH']).catch(() => '');
  return ports.every((p) => out.includes(`${host}:${p} `));
}
