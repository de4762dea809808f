// A test by server name in the browser (src/core/sni/zone-runner.ts): which endpoints can
// offer one, and the host permission it needs. The extension holds permissions per host
// (endpoints.ts, originPatterns); a run by name fetches from two subdomains of the endpoint's
// zone that nobody knows in advance, so the permission asked covers the zone's subdomains,
// https only (the plaintext leg goes to the endpoint's own host).
import type { EndpointRef } from './endpoints.js';

/** Our own endpoints only: M-Lab, mirrors and the automatic choice have no zone. */
export function mayHaveSniZone(e: EndpointRef | undefined): boolean {
  return !!e && (e.kind === undefined || e.kind === 'http');
}

/** The match pattern of every name under `zone` (a "*." host matches its subdomains). */
export function zonePermissionPatterns(zone: string): string[] {
  return [`https://*.${zone}/*`];
}
