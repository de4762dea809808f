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

