// The control server name of a run by name: a random label under a neutral domain, about as
// long as the name under test, so that a ClientHello of the same size carries a name nobody
// throttles. example.com is reserved for documentation (RFC 2606 sec. 3): no shaper has a
// reason to list it, and a random label under it names no real service.

export const CONTROL_DOMAIN = 'example.com';
const MIN_LABEL = 3;
const MAX_LABEL = 63; // RFC 1035 sec. 2.3.4
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** A control name of about the length of `name`; `random` returns numbers in [0, 1). */
export function controlNameFor(name: string, random: () => number): string {
  return `${randomLabel(name.length - CONTROL_DOMAIN.length - 1, random)}.${CONTROL_DOMAIN}`;
}

/** Random letters, `length` of them held to a DNS label's 3..63. */
export function randomLabel(length: number, random: () => number): string {
  const labelLength = Math.min(MAX_LABEL, Math.max(MIN_LABEL, length));
  let label = '';
  for (let i = 0; i < labelLength; i++) label += LETTERS[Math.floor(random() * LETTERS.length) % LETTERS.length];
  return label;
}

/**
 * A server name the ClientHello may carry (RFC 6066 sec. 3: a DNS hostname, no trailing dot,
 * no IP address literal): letters, digits and hyphens in labels of 1-63, at most 253 in all.
 */
export function isServerName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  if (/^[\d.]+$/.test(name)) return false;
  return name.split('.').every((l) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(l));
}
