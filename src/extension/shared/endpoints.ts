// Endpoints: the defaults shipped in the build (config/endpoints.json, read by build.mjs) and
// the custom ones the user adds on the options page.

/**
 * Which measurement a run makes: "http" (the default) measures one of our endpoints with the
 * HTTP runner; "mlab" measures M-Lab's ndt7 servers, and its `url` is M-Lab's locate API.
 */
export type EndpointKind = 'http' | 'mlab';

export interface EndpointRef {
  id: string;
  name: string;
  url: string;
  kind?: EndpointKind;
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

/** The endpoint a run uses: the selected one if it still exists, else the first. */
export function chooseEndpoint(endpoints: readonly EndpointRef[], selectedId: string | undefined): EndpointRef | undefined {
  return endpoints.find((e) => e.id === selectedId) ?? endpoints[0];
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
