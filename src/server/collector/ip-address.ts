// IP addresses as numbers, for range look-ups, and the ranges that belong to no ISP.
// IPv4 is a 32-bit number; IPv6 a 128-bit one held as two 64-bit halves, the form the range
// tables use. An IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack socket reports
// for an IPv4 client) is treated as the IPv4 address it carries (RFC 4291 section 2.5.5.2).
import { isIPv4, isIPv6 } from 'node:net';

export type IpNumber = { version: 4; value: number } | { version: 6; hi: bigint; lo: bigint };

const MASK64 = (1n << 64n) - 1n;

function ipv4Number(text: string): number {
  const parts = text.split('.');
  return ((Number(parts[0]) << 24) >>> 0) + (Number(parts[1]) << 16) + (Number(parts[2]) << 8) + Number(parts[3]);
}

/** 128-bit value of an IPv6 address already checked by isIPv6 (may end in a dotted IPv4). */
function ipv6BigInt(text: string): bigint {
  let addr = text;
  const zone = addr.indexOf('%');
  if (zone >= 0) addr = addr.slice(0, zone);
  // A trailing dotted quad stands for the last two 16-bit groups.
  const lastColon = addr.lastIndexOf(':');
  const tail = addr.slice(lastColon + 1);
  if (tail.includes('.')) {
    const n = ipv4Number(tail);
    addr = `${addr.slice(0, lastColon + 1)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = addr.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = rest === undefined ? [] : rest ? rest.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = rest === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(parseInt(g, 16));
  return value;
}

export function ipv6Halves(value: bigint): { hi: bigint; lo: bigint } {
  return { hi: value >> 64n, lo: value & MASK64 };
}

/** The address as a number, or null when it is not an IP address. */
export function parseIp(text: string): IpNumber | null {
  if (isIPv4(text)) return { version: 4, value: ipv4Number(text) };
  if (!isIPv6(text)) return null;
  const value = ipv6BigInt(text);
  // ::ffff:0:0/96, IPv4-mapped.
  if (value >> 32n === 0xffffn) return { version: 4, value: Number(value & 0xffffffffn) };
  return { version: 6, ...ipv6Halves(value) };
}

function v4Cidr(base: string, bits: number): [number, number] {
  const start = ipv4Number(base);
  const size = 2 ** (32 - bits);
  return [start, start + size - 1];
}

// Special-purpose ranges (IANA IPv4 and IPv6 Special-Purpose Address Registries, RFC 6890):
// private, shared (carrier-grade NAT), loopback, link-local, documentation, multicast,
// reserved. An address here says nothing about the client's ISP.
const V4_SPECIAL: Array<[number, number]> = [
  v4Cidr('0.0.0.0', 8),
  v4Cidr('10.0.0.0', 8),
  v4Cidr('100.64.0.0', 10),
  v4Cidr('127.0.0.0', 8),
  v4Cidr('169.254.0.0', 16),
  v4Cidr('172.16.0.0', 12),
  v4Cidr('192.0.0.0', 24),
  v4Cidr('192.0.2.0', 24),
  v4Cidr('192.168.0.0', 16),
  v4Cidr('198.18.0.0', 15),
  v4Cidr('198.51.100.0', 24),
  v4Cidr('203.0.113.0', 24),
  v4Cidr('224.0.0.0', 3),
];

const V6_SPECIAL: Array<{ prefix: bigint; bits: number }> = [
  { prefix: 0n, bits: 96 }, // unspecified, loopback and the deprecated IPv4-compatible block
  { prefix: ipv6BigInt('64:ff9b::'), bits: 96 }, // NAT64: the ISP is the translator's, not known here
  { prefix: ipv6BigInt('100::'), bits: 64 }, // discard
  { prefix: ipv6BigInt('2001:db8::'), bits: 32 }, // documentation
  { prefix: ipv6BigInt('fc00::'), bits: 7 }, // unique local
  { prefix: ipv6BigInt('fe80::'), bits: 10 }, // link-local
  { prefix: ipv6BigInt('ff00::'), bits: 8 }, // multicast
];

/** True for loopback, private, link-local and other addresses that belong to no ISP. */
export function isSpecialPurpose(ip: IpNumber): boolean {
  if (ip.version === 4) return V4_SPECIAL.some(([lo, hi]) => ip.value >= lo && ip.value <= hi);
  const value = (ip.hi << 64n) | ip.lo;
  return V6_SPECIAL.some(({ prefix, bits }) => value >> BigInt(128 - bits) === prefix >> BigInt(128 - bits));
}

/**
 * Who counts as one client: an IPv4 address, or an IPv6 /64. One subscriber line gets a whole
 * /64 (RFC 6177, RIPE-690) and can take a new address in it at will, so a per-address limit
 * on IPv6 would be no limit. Anything that is not an IP address is its own key.
 */
export function clientKey(address: string): string {
  const ip = parseIp(address);
  if (!ip) return address;
  return ip.version === 4 ? `4:${ip.value}` : `6:${ip.hi.toString(16)}`;
}
