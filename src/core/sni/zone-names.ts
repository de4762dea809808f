// The names of a run by server name in a browser. A browser sends the URL's host as the SNI,
// so it cannot send twitter.com to our endpoint; what it can send is a subdomain of a zone the
// endpoint serves under a wildcard certificate (`serve --sni-zone`, advertised in /info):
// the listed name written as one label, its dots as hyphens, against a random label of the same
// length under the same zone. Shapers that look for a substring of the name anywhere in the
// SNI ("googlevideo") see the first and not the second; shapers that match the exact name or
// its suffix (".googlevideo.com") see neither, and this run cannot say anything about them.
import { isServerName, randomLabel } from './control-name.js';
import type { SniNames } from './sni-driver.js';

const MAX_LABEL = 63; // RFC 1035 sec. 2.3.4

/** `redirector.googlevideo.com` -> `redirector-googlevideo-com`; undefined when it cannot be one label. */
export function zoneLabelFor(name: string): string | undefined {
  const label = name.toLowerCase().replace(/\./g, '-');
  return label.length <= MAX_LABEL && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(label) ? label : undefined;
}

/** The named subdomain and a control subdomain of the same length under `zone`. */
export function zoneNamesFor(name: string, zone: string, random: () => number): SniNames | undefined {
  const label = zoneLabelFor(name);
  if (!label) return undefined;
  const names = { name: `${label}.${zone}`, controlName: `${randomLabel(label.length, random)}.${zone}` };
  return isServerName(names.name) && isServerName(names.controlName) ? names : undefined;
}

/**
 * Whether an endpoint at `endpointHost` may name `zone` for its test by name. The zone becomes
 * a host permission the user is asked for (`https://*.ZONE/*`), so an endpoint must not be
 * able to ask for a wide one: the zone has at least three labels (never `*.com` nor
 * `*.co.uk`), and an endpoint reached by a DNS name keeps it under its own parent domain
 * (`sni.example.org` for `endpoint.example.org`), or under its own name when that has two
 * labels only (`sni.example.org` for `example.org`). An endpoint reached by an address has no
 * domain to compare with; three labels are all that is asked then.
 */
export function zoneAllowedFor(zone: string, endpointHost: string): boolean {
  const z = zone.toLowerCase();
  if (!isServerName(z) || z.split('.').length < 3) return false;
  const host = endpointHost.toLowerCase().replace(/^\[|\]$/g, '');
  if (/^[\d.]+$/.test(host) || host.includes(':')) return true;
  if (!host.includes('.')) return false;
  const parent = host.split('.').slice(1).join('.');
  const base = parent.includes('.') ? parent : host;
  return z.endsWith(`.${base}`);
}
