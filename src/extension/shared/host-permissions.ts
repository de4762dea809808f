// Giving back the host permission of an endpoint the user removed, or failed to add, without
// taking it from another endpoint on the same host. A match pattern names a host on every
// port (endpoints.ts, originPatterns), so two endpoints on one host, ports 443 and 8443 say,
// share one permission: revoking it for the one would leave the other's runs failing on
// fetches the browser now refuses.
import type { PermissionsPort } from '../platform/ports.js';
import { originPatterns, type EndpointRef } from './endpoints.js';

/** The patterns of `url` that none of `stillListed` needs. */
export function patternsToRelease(url: string, stillListed: readonly EndpointRef[]): string[] {
  const needed = new Set<string>();
  for (const e of stillListed) {
    try {
      for (const p of originPatterns(e.url)) needed.add(p);
    } catch {
      // An entry whose URL does not parse needs no host.
    }
  }
  return originPatterns(url).filter((p) => !needed.has(p));
}

/**
 * Removes what `url` alone needed. `heldBefore` lists patterns the extension held before the
 * user asked to add `url` (granted for another reason): those stay too. Returns what was
 * removed; a default endpoint's host is a required permission the browser will not remove,
 * which is no error.
 */
export async function releaseHostPermission(
  permissions: PermissionsPort,
  url: string,
  stillListed: readonly EndpointRef[],
  heldBefore: readonly string[] = [],
): Promise<string[]> {
  const release = patternsToRelease(url, stillListed).filter((p) => !heldBefore.includes(p));
  if (!release.length) return [];
  const removed = await permissions.remove(release).catch(() => false);
  return removed ? release : [];
}

/**
 * Which of `patterns` the extension holds now, asked one at a time (contains() answers for
 * the whole list at once). Called before permissions.request, in the same turn of the click.
 */
export async function heldPatterns(permissions: PermissionsPort, patterns: readonly string[]): Promise<string[]> {
  const held = await Promise.all(patterns.map((p) => permissions.contains([p]).catch(() => false)));
  return patterns.filter((_, i) => held[i]);
}
