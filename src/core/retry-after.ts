// Retry-After (RFC 9110 sec. 10.2.3): either delay-seconds or an HTTP-date. Servers that are
// not ours ask for it with 429 (RFC 6585 sec. 4) or 503; a polite client waits that long.

/** Milliseconds to wait, or undefined when the value is missing or unreadable. */
export function retryAfterMs(value: string | null | undefined, nowEpochMs: number): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowEpochMs);
}
