// IP -> ASN, network name and country, offline, at ingest only. The data are the
// ip-location-db npm packages: @ip-location-db/asn (RouteViews, the five RIRs and DB-IP
// ASN Lite, CC BY 4.0) and @ip-location-db/geo-whois-asn-country (RIR whois country, CC0).
// Each ships sorted, non-overlapping, inclusive ranges as CSV ("start,end,value"); the "-num"
// files give the bounds as decimal integers. We keep each table as parallel typed arrays and
// find an address by binary search: about 60 MB of CSV load into about 12 MB of arrays in
// under two seconds, and a look-up is some twenty comparisons (0.4 us for IPv4, 2.4 us for IPv6).
// The packages' README (2026-06) says npm releases will stop and newer data will be published
// on the project's release page in the same format: TTD_IPDB_DIR points the loader at a
// directory holding the four "-num" files, so fresher data needs no code change.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ipv6Halves, isSpecialPurpose, parseIp } from './ip-address.js';

export interface NetworkInfo {
  /** null: unknown (a private or loopback address, or one the tables do not cover). */
  asn: number | null;
  network: string | null;
  /** ISO 3166-1 alpha-2, or null when unknown. */
  country: string | null;
}

export type IpLookup = (address: string) => NetworkInfo;

export const UNKNOWN_NETWORK: NetworkInfo = Object.freeze({ asn: null, network: null, country: null });

interface Table4 {
  starts: Uint32Array;
  ends: Uint32Array;
  values: Uint32Array;
}

interface Table6 {
  startHi: BigUint64Array;
  startLo: BigUint64Array;
  endHi: BigUint64Array;
  endLo: BigUint64Array;
  values: Uint32Array;
}

/** Splits one CSV line (RFC 4180 quoting: names such as "Cloudflare, Inc." are quoted). */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

function* lines(text: string): Generator<string> {
  let at = 0;
  while (at < text.length) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const line = text.slice(at, end).replace(/\r$/, '');
    at = end + 1;
    if (line) yield line;
  }
}

/** Interns values: the tables hold small indexes, the strings live once. */
class Interner<T> {
  readonly items: T[] = [];
  private readonly index = new Map<string, number>();
  id(key: string, make: () => T): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.items.push(make()) - 1;
      this.index.set(key, i);
    }
    return i;
  }
}

type Row<N> = [start: N, end: N, value: number];

/**
 * Flattens ranges into sorted, non-overlapping ones. The packaged tables are meant to be
 * disjoint, but some nest a smaller block inside a larger one (a /29 announced by another
 * network inside a /22; 568 such rows in the IPv4 country table of 2026-06): the smaller,
 * more specific block wins over its span, as in longest-prefix routing, and the larger one
 * holds on either side of it.
 */
export function flattenRanges<N extends number | bigint>(rows: Row<N>[], one: N): Row<N>[] {
  const inc = (x: N) => ((x as number) + (one as number)) as N;
  const dec = (x: N) => ((x as number) - (one as number)) as N;
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] > b[1] ? -1 : a[1] < b[1] ? 1 : 0));
  const out: Row<N>[] = [];
  const open: Row<N>[] = [];
  let cursor: N | undefined;
  const emit = (from: N, to: N, value: number) => {
    if (from <= to) out.push([from, to, value]);
  };
  const closeUntil = (limit: N | undefined) => {
    while (open.length && (limit === undefined || open[open.length - 1]![1] < limit)) {
      const top = open.pop()!;
      if (cursor !== undefined && cursor <= top[1]) emit(cursor, top[1], top[2]);
      if (cursor === undefined || cursor <= top[1]) cursor = inc(top[1]);
    }
  };
  for (const row of rows) {
    if (row[0] > row[1]) continue;
    closeUntil(row[0]);
    const top = open[open.length - 1];
    if (top && cursor !== undefined && cursor < row[0]) emit(cursor, dec(row[0]), top[2]);
    cursor = row[0];
    open.push(row);
  }
  closeUntil(undefined);
  return out;
}

function parseTable<N extends number | bigint>(
  csv: string,
  bound: (text: string) => N,
  value: (fields: string[]) => number,
  source: string,
): Row<N>[] {
  const rows: Row<N>[] = [];
  let lineNo = 0;
  for (const line of lines(csv)) {
    lineNo++;
    const f = splitCsvLine(line);
    try {
      rows.push([bound(f[0]!), bound(f[1]!), value(f)]);
    } catch (err) {
      throw new Error(`${source} line ${lineNo}: ${(err as Error).message}`, { cause: err });
    }
  }
  return rows;
}

function table4(csv: string, value: (fields: string[]) => number, source: string): Table4 {
  const bound = (text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`"${text}" is not an IPv4 number`);
    return n;
  };
  const rows = flattenRanges(parseTable(csv, bound, value, source), 1);
  return {
    starts: Uint32Array.from(rows, (r) => r[0]),
    ends: Uint32Array.from(rows, (r) => r[1]),
    values: Uint32Array.from(rows, (r) => r[2]),
  };
}

function table6(csv: string, value: (fields: string[]) => number, source: string): Table6 {
  const bound = (text: string) => {
    if (!/^\d{1,39}$/.test(text)) throw new Error(`"${text}" is not an IPv6 number`);
    return BigInt(text);
  };
  const rows = flattenRanges(parseTable(csv, bound, value, source), 1n);
  const t: Table6 = {
    startHi: new BigUint64Array(rows.length),
    startLo: new BigUint64Array(rows.length),
    endHi: new BigUint64Array(rows.length),
    endLo: new BigUint64Array(rows.length),
    values: new Uint32Array(rows.length),
  };
  rows.forEach(([start, end, v], i) => {
    const s = ipv6Halves(start);
    const e = ipv6Halves(end);
    t.startHi[i] = s.hi;
    t.startLo[i] = s.lo;
    t.endHi[i] = e.hi;
    t.endLo[i] = e.lo;
    t.values[i] = v;
  });
  return t;
}

/** Index of the range holding `ip`, or -1. */
function find4(t: Table4, ip: number): number {
  let lo = 0;
  let hi = t.starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (t.starts[mid]! <= ip) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi >= 0 && ip <= t.ends[hi]! ? hi : -1;
}

function find6(t: Table6, ipHi: bigint, ipLo: bigint): number {
  const le = (aHi: bigint, aLo: bigint, bHi: bigint, bLo: bigint) => aHi < bHi || (aHi === bHi && aLo <= bLo);
  let lo = 0;
  let hi = t.startHi.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (le(t.startHi[mid]!, t.startLo[mid]!, ipHi, ipLo)) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi >= 0 && le(ipHi, ipLo, t.endHi[hi]!, t.endLo[hi]!) ? hi : -1;
}

/** The CSV texts of the four tables ("-num" format). */
export interface IpDatabaseCsv {
  asnV4: string;
  asnV6: string;
  countryV4: string;
  countryV6: string;
}

export function buildIpLookup(csv: IpDatabaseCsv): IpLookup {
  const networks = new Interner<{ asn: number; network: string }>();
  const countries = new Interner<string>();
  const asnValue = (f: string[]) => {
    const asn = Number(f[2]);
    if (!Number.isInteger(asn) || asn < 0) throw new Error(`ASN "${f[2]}" is not a number`);
    return networks.id(`${asn}\u0000${f[3] ?? ''}`, () => ({ asn, network: f[3] ?? '' }));
  };
  const countryValue = (f: string[]) => {
    const code = (f[2] ?? '').toUpperCase();
    if (!/^[A-Z]{2}$/.test(code)) throw new Error(`country "${f[2]}" is not a two-letter code`);
    return countries.id(code, () => code);
  };
  const asn4 = table4(csv.asnV4, asnValue, 'asn-ipv4-num.csv');
  const asn6 = table6(csv.asnV6, asnValue, 'asn-ipv6-num.csv');
  const country4 = table4(csv.countryV4, countryValue, 'geo-whois-asn-country-ipv4-num.csv');
  const country6 = table6(csv.countryV6, countryValue, 'geo-whois-asn-country-ipv6-num.csv');
  return (address) => {
    const ip = parseIp(address);
    if (!ip || isSpecialPurpose(ip)) return UNKNOWN_NETWORK;
    const a = ip.version === 4 ? find4(asn4, ip.value) : find6(asn6, ip.hi, ip.lo);
    const c = ip.version === 4 ? find4(country4, ip.value) : find6(country6, ip.hi, ip.lo);
    const net = a >= 0 ? networks.items[(ip.version === 4 ? asn4 : asn6).values[a]!]! : null;
    return {
      asn: net ? net.asn : null,
      network: net ? net.network : null,
      country: c >= 0 ? countries.items[(ip.version === 4 ? country4 : country6).values[c]!]! : null,
    };
  };
}

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

let shared: Promise<IpLookup> | undefined;

/**
 * The shipped database (or the one in TTD_IPDB_DIR), loaded once per process: a collector
 * restarted in the same process reuses it.
 */
export function loadIpDatabase(): Promise<IpLookup> {
  shared ??= (async () => {
    const override = process.env.TTD_IPDB_DIR;
    const asnDir = override ?? packageDir('@ip-location-db/asn');
    const countryDir = override ?? packageDir('@ip-location-db/geo-whois-asn-country');
    const [asnV4, asnV6, countryV4, countryV6] = await Promise.all([
      readFile(join(asnDir, 'asn-ipv4-num.csv'), 'utf8'),
      readFile(join(asnDir, 'asn-ipv6-num.csv'), 'utf8'),
      readFile(join(countryDir, 'geo-whois-asn-country-ipv4-num.csv'), 'utf8'),
      readFile(join(countryDir, 'geo-whois-asn-country-ipv6-num.csv'), 'utf8'),
    ]);
    return buildIpLookup({ asnV4, asnV6, countryV4, countryV6 });
  })();
  shared.catch(() => {
    shared = undefined;
  });
  return shared;
}
