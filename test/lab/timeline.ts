// The lab server's timeline of requests (lab-server.ts timelinePath), read as the time the
// downstream line sat idle before each download: what a line that runs faster after a pause
// (lab-net.ts addLineBoost) hands the transfer that follows it (bench/line-idle.ts).
import type { TimelineEntry } from './run-scenario.js';

/**
 * Idle ms before each download, by leg ("https-443-random"): from the end of the last download
 * before it (any leg) to its request's arrival. The end is when the server handed the last
 * bytes to the kernel, so a queue on the line that still holds them counts as idle; it does so
 * alike for every leg. Uploads leave the downstream line idle and count as such.
 */
export function idleBeforeDownloads(timeline: readonly TimelineEntry[]): Map<string, number[]> {
  const byLeg = new Map<string, number[]>();
  let lastEnd: number | undefined;
  for (const e of [...timeline].sort((a, b) => a.at - b.at)) {
    if (e.method !== 'GET' || e.path !== '/payload') continue;
    const leg = `${e.scheme}-${e.port}-${e.kind ?? '?'}`;
    if (lastEnd !== undefined) byLeg.set(leg, [...(byLeg.get(leg) ?? []), Math.max(0, e.at - lastEnd)]);
    lastEnd = Math.max(lastEnd ?? 0, e.end);
  }
  return byLeg;
}

/**
 * Distinct connections each leg's downloads came on. A leg that opens a new connection for a
 * transfer spends a handshake (a round trip or two, TLS's more) with the line idle before its
 * request, and starts that transfer in slow start.
 */
export function connectionsByLeg(timeline: readonly TimelineEntry[]): Map<string, number> {
  const byLeg = new Map<string, Set<number>>();
  for (const e of timeline) {
    if (e.method !== 'GET' || e.path !== '/payload') continue;
    const leg = `${e.scheme}-${e.port}-${e.kind ?? '?'}`;
    byLeg.set(leg, (byLeg.get(leg) ?? new Set<number>()).add(e.conn));
  }
  return new Map([...byLeg].map(([leg, conns]) => [leg, conns.size]));
}
