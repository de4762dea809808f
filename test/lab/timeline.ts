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
