// A run by server name where the client cannot choose the SNI itself but the endpoint serves
// a wildcard zone (zone-names.ts): the browser extension. The endpoint's /info names the zone;
// the listed name goes out as a subdomain of it, the control as another, and each TLS leg's
// requests go to its own subdomain (so its own connection, whose ClientHello carries that
// name), on the same server and port. The engine, driver and decision are the CLI's
// (sni-runner.ts); the certificate is checked the ordinary way, since the wildcard certificate
// really names both subdomains.
import { runErrorOf } from '../engine/engine.js';
import { failedResult } from '../engine/result.js';
import { resolveTarget } from '../endpoint.js';
import type { FetchLike } from '../io.js';
import type { RunDeps, RunOptions } from '../runner.js';
import { safeText } from '../safe-text.js';
import type { Result } from '../types.js';
import { runSniMeasurement } from './sni-runner.js';
import { zoneAllowedFor, zoneNamesFor } from './zone-names.js';

export interface ZoneSniRunOptions extends RunOptions {
  /** The name under test as people know it (sni/names.ts); sent as a subdomain label. */
  name: string;
}

/** The same request, to `serverName` instead of the URL's host: same scheme, port, path. */
export function subdomainFetch(fetch: FetchLike, serverName: string): FetchLike {
  return (url, init) => {
    const u = new URL(url);
    return fetch(`${u.protocol}//${serverName}${u.port ? `:${u.port}` : ''}${u.pathname}${u.search}`, init);
  };
}

export async function runZoneSniMeasurement(deps: RunDeps, opts: ZoneSniRunOptions): Promise<Result> {
  const startedAt = deps.clock.now();
  deps.onProgress?.({ phase: 'info', round: 0, budgetShare: 0 });
  const failed = (code: 'bad-endpoint', detail: string) => failedResult(opts.url, { code, detail }, deps.clock.now() - startedAt);
  const target = await resolveTarget(deps.fetch, opts.url, { ...opts, signal: deps.signal }).catch((err: unknown) => err as Error);
  if (target instanceof Error) return failedResult(opts.url, runErrorOf(target), deps.clock.now() - startedAt);
  if (target.mode !== 'endpoint') return failed('bad-endpoint', `${opts.url} is not a tls-throttle endpoint: a run by server name needs one (its /info)`);
  const zone = target.info.sniZone;
  if (typeof zone !== 'string' || !zone) {
    return failed('bad-endpoint', `${opts.url} serves no wildcard zone (its /info has no sniZone): its operator can add one with serve --sni-zone`);
  }
  if (!zoneAllowedFor(zone, target.host)) {
    return failed('bad-endpoint', `${opts.url} names the zone ${safeText(zone, 80)}, which is not under its own domain (or is too wide): no test by name against it`);
  }
  const names = zoneNamesFor(opts.name, zone, deps.random);
  if (!names) return failed('bad-endpoint', `${safeText(opts.name, 80)} under the zone ${safeText(zone, 80)} is not a server name a browser can send`);
  return runSniMeasurement(
    { ...deps, fetchForName: (serverName) => subdomainFetch(deps.fetch, serverName) },
    { ...opts, name: names.name, controlName: names.controlName, target },
  );
}
