// Endpoints: the defaults shipped in the build (config/endpoints.json, read by build.mjs) and
// the custom ones the user adds on the options page.

/**
 * Which measurement a run makes: "http" (the default) measures one of our endpoints with the
 * HTTP runner; "mirror" a public file served over both schemes (src/core/mirror/), its `url`
 * the file's; "mlab" measures M-Lab's ndt7 servers, and its `url` is M-Lab's locate API;
 * "auto" stands for the best usable server among the others, chosen when the run starts.
 */
export type EndpointKind = 'http' | 'mirror' | 'mlab' | 'auto';

export interface EndpointRef {
  id: string;
  name: string;
  url: string;
  kind?: EndpointKind;
  /** For a listed mirror: the operator's page that offers the file (config/endpoints.json). */
  source?: string;
}

/** The selection a fresh install starts with: no settings visited, the best usable default. */
export const AUTO_ENDPOINT_ID = 'auto';

export function autoEndpoint(name: string): EndpointRef {
  return { id: AUTO_ENDPOINT_ID, name, url: 'auto:', kind: 'auto' };
}

export function isMirrorEndpoint(e: EndpointRef | undefined): boolean {
  return e?.kind === 'mirror';
}

/** Candidates for the automatic choice: everything but M-Lab, whose consent is asked apart. */
export function autoCandidates(endpoints: readonly EndpointRef[]): EndpointRef[] {
  return endpoints.filter((e) => e.kind !== 'mlab' && e.kind !== 'auto');
}

export function isMlabEndpoint(e: EndpointRef | undefined): boolean {
  return e?.kind === 'mlab';
}

export function allEndpoints(defaults: readonly EndpointRef[], custom: readonly EndpointRef[]): EndpointRef[] {
  const seen = new Set<string>();
  const out: EndpointRef[] = [];
  for (const e of [...defaults, ...custom]) {
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    out.push(e);
  }
  return out;
}

/**
 * The endpoint a run uses: the selected one if it still exists; else, with no selection (a
 * fresh install) or a selection that is gone, the automatic choice when `auto` is given (the
 * background's), or the first.
 */
export function chooseEndpoint(
  endpoints: readonly EndpointRef[],
  selectedId: string | undefined,
  auto?: EndpointRef,
): EndpointRef | undefined {
  const selected = endpoints.find((e) => e.id === selectedId);
  if (selected) return selected;
  if (auto && autoCandidates(endpoints).length) return auto;
  return endpoints[0];
}

/**
 * What the user typed into the "Endpoint URL" field: a URL with no path is an endpoint of ours
 * (its root); one with a path names a file on a public mirror, measured in byte ranges.
 */
export function customTargetUrl(input: string): { kind: 'http' | 'mirror'; url: string } {
  const root = endpointRootUrl(input);
  const url = new URL(input.trim());
  if (url.pathname === '/' && !url.search) return { kind: 'http', url: root };
  return { kind: 'mirror', url: `${url.protocol}//${url.host}${url.pathname}${url.search}` };
}

/**
 * Normalises what the user typed into the endpoint's root URL (an endpoint of ours is named by
 * its root: the core asks /info there). Throws with the reason when it cannot be one.
 */
export function endpointRootUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new Error(`"${input.trim()}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`${url.protocol} URLs cannot be measured: use https:// or http://`);
  }
  if (url.username || url.password) throw new Error('an endpoint URL must not carry a user name or password');
  return `${url.protocol}//${url.host}/`;
}

/**
 * Host permission patterns for an endpoint: both schemes, any port (a match pattern without a
 * port matches every port; Chrome "Match patterns"), since the legs use both.
 */
export function originPatterns(rootUrl: string): string[] {
  const host = new URL(rootUrl).hostname;
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return [`http://${h}/*`, `https://${h}/*`];
}

export function customEndpointId(rootUrl: string): string {
  return `custom:${rootUrl}`;
}
