#!/usr/bin/env node
// A DNS-01 hook for `tls-throttle serve --acme-dns-hook` (src/server/acme/dns-hook.ts) that
// publishes the TXT record through pebble-challtestsrv's management API, the way an operator's
// hook publishes it through their DNS provider's HTTP API. Called as
//   challtestsrv-dns-hook.mjs set|clear _acme-challenge.ZONE. VALUE
// with CHALLTESTSRV_URL naming the API. Every call is appended to HOOK_LOG when set.
import { appendFileSync } from 'node:fs';

const [action, host, value] = process.argv.slice(2);
const base = process.env.CHALLTESTSRV_URL;
if (!base || !host || !value || (action !== 'set' && action !== 'clear')) {
  process.stderr.write('usage: CHALLTESTSRV_URL=... challtestsrv-dns-hook.mjs set|clear NAME VALUE\n');
  process.exit(2);
}
if (process.env.HOOK_LOG) appendFileSync(process.env.HOOK_LOG, `${action} ${host} ${value}\n`);
const res = await fetch(`${base}/${action === 'set' ? 'set-txt' : 'clear-txt'}`, {
  method: 'POST',
  body: JSON.stringify(action === 'set' ? { host, value } : { host }),
  signal: AbortSignal.timeout(10_000),
});
if (!res.ok) {
  process.stderr.write(`challtestsrv answered ${res.status}: ${(await res.text()).slice(0, 200)}\n`);
  process.exit(1);
}
