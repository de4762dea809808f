// Reads an endpoint's wildcard zone from its /info for the popup's test by name, before any
// run: one request, held to a deadline, through the measurement's fetch (no redirects).
import { deadlineFetch, startRunDeadline } from '../../core/deadline-fetch.js';
import { resolveTarget } from '../../core/endpoint.js';
import type { Clock, FetchLike } from '../../core/io.js';
import { isServerName } from '../../core/sni/control-name.js';
import { zoneAllowedFor } from '../../core/sni/zone-names.js';
import { safeText } from '../../core/safe-text.js';
import type { SniZoneAnswer } from '../shared/messages.js';

const INFO_TIMEOUT_MS = 10_000;

export function sniZoneReader(fetch: FetchLike, clock: Clock): (url: string) => Promise<SniZoneAnswer> {
  return async (url) => {
    const deadline = startRunDeadline(clock, INFO_TIMEOUT_MS);
    try {
      const target = await resolveTarget(deadlineFetch(fetch, deadline), url, {});
      if (target.mode !== 'endpoint') return { error: 'not an endpoint of ours' };
      const zone = target.info.sniZone;
      if (typeof zone !== 'string' || !zone) return { error: 'no zone' };
      // The zone goes into a permission pattern and on the page: a DNS name or nothing, and
      // never a wide one (zone-names.ts).
      if (!isServerName(zone)) return { error: 'the zone is not a DNS name' };
      if (!zoneAllowedFor(zone, target.host)) return { error: `the zone ${zone} is not under the endpoint's own domain` };
      return { zone: zone.toLowerCase() };
    } catch (err) {
      return { error: safeText(err instanceof Error ? err.message : String(err), 300) };
    } finally {
      deadline.dispose();
    }
  };
}
