// A signed directory of endpoints: operators add endpoints without a new extension version,
// and a host that serves the directory cannot redirect users, because only lists signed with
// an Ed25519 key (RFC 8032) whose public half is in the build are taken.
//
// The file is JSON: { "format": "tls-throttle-directory/1", "payload": "<JSON text>",
// "signature": "<128 hex digits>" }. The signature is over the UTF-8 bytes of `payload` exactly
// as sent, so no canonical form of JSON is needed; `payload` parses to
// { issuedAt, expiresAt (ISO 8601), sequence (integer), endpoints: [{ id, name, url }] }.
// The verification itself is passed in (Node's or a pure-JS Ed25519), as everything the core
// does not compute itself.

export const DIRECTORY_FORMAT = 'tls-throttle-directory/1';

export interface DirectoryEndpoint {
  id: string;
  name: string;
  url: string;
}

export interface VerifiedDirectory {
  issuedAtMs: number;
  expiresAtMs: number;
  /** Grows with every list an operator signs: an older list replayed later is refused. */
  sequence: number;
  endpoints: DirectoryEndpoint[];
  /** The signed file as received, kept so that it can be verified again after a restart. */
  raw: string;
}

/** Ed25519 verification (RFC 8032 sec. 5.1.7): true when signature is message's under publicKey. */
export type Ed25519Verify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean | Promise<boolean>;

export type DirectoryVerdict = { ok: true; directory: VerifiedDirectory } | { ok: false; reason: string };

export interface VerifyOptions {
  /** The build's public keys, 64 hex digits each; any one of them may have signed. */
  publicKeysHex: readonly string[];
  verify: Ed25519Verify;
  nowMs: number;
  /** Refuse lists older than this sequence (the last good list's). */
  minSequence?: number;
}

/** A list issued later than this after our clock is refused: a clock that far off is not skew. */
const MAX_CLOCK_SKEW_MS = 24 * 3_600_000;
const MAX_ENDPOINTS = 200;
const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function hexToBytes(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Why this entry cannot be offered to users, or undefined when it can. */
function entryProblem(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return 'is not an object';
  const { id, name, url } = e as Record<string, unknown>;
  if (typeof id !== 'string' || !ID.test(id)) return 'has no id of lower-case letters, digits and hyphens';
  if (typeof name !== 'string' || name.trim() === '' || name.length > 120) return 'has no name of 1-120 characters';
  if (typeof url !== 'string') return 'has no url';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `has a url that does not parse ("${url}")`;
  }
  // An endpoint's URL is its origin: the client derives both schemes' URLs from it.
  if (u.protocol !== 'https:') return `has a url that is not https ("${url}")`;
  if (u.username || u.password) return 'has a url with credentials';
  if (u.pathname !== '/' || u.search || u.hash) return `has a url with a path, query or fragment ("${url}")`;
  return undefined;
}

function parseTime(v: unknown): number {
  return typeof v === 'string' ? Date.parse(v) : NaN;
}

/** Checks the signature first, then the dates, sequence and every entry. */
export async function verifyDirectory(raw: string, opts: VerifyOptions): Promise<DirectoryVerdict> {
  const refuse = (reason: string): DirectoryVerdict => ({ ok: false, reason });
  let envelope: unknown;
  try {
    envelope = JSON.parse(raw);
  } catch (err) {
    return refuse(`the directory is not JSON (${(err as Error).message})`);
  }
  const { format, payload, signature } = (envelope ?? {}) as Record<string, unknown>;
  if (format !== DIRECTORY_FORMAT) return refuse(`the directory's format is ${JSON.stringify(format)}, not "${DIRECTORY_FORMAT}"`);
  if (typeof payload !== 'string') return refuse('the directory has no payload text');
  const sig = typeof signature === 'string' ? hexToBytes(signature) : undefined;
  if (!sig || sig.length !== 64) return refuse('the directory has no signature of 64 bytes in hex');
  const keys = opts.publicKeysHex.map(hexToBytes).filter((k): k is Uint8Array => k?.length === 32);
  if (keys.length === 0) return refuse('this build has no directory public key');
  const message = new TextEncoder().encode(payload);
  let signed = false;
  for (const key of keys) {
    try {
      if (await opts.verify(sig, message, key)) signed = true;
    } catch {
      // A malformed signature can make a verifier throw: it is simply not a valid signature.
    }
    if (signed) break;
  }
  if (!signed) return refuse('bad signature: no public key of this build signed this directory');

  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch (err) {
    return refuse(`the signed payload is not JSON (${(err as Error).message})`);
  }
  const { issuedAt, expiresAt, sequence, endpoints } = (body ?? {}) as Record<string, unknown>;
  const issuedAtMs = parseTime(issuedAt);
  const expiresAtMs = parseTime(expiresAt);
  if (!Number.isFinite(issuedAtMs) || !Number.isFinite(expiresAtMs)) return refuse('the directory has no valid issuedAt and expiresAt');
  if (expiresAtMs <= opts.nowMs) return refuse(`the directory expired at ${new Date(expiresAtMs).toISOString()}`);
  if (issuedAtMs > opts.nowMs + MAX_CLOCK_SKEW_MS) return refuse(`the directory is issued in the future (${new Date(issuedAtMs).toISOString()})`);
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 0) return refuse('the directory has no sequence number');
  if (opts.minSequence !== undefined && sequence < opts.minSequence) {
    return refuse(`the directory is older than the one we have (sequence ${sequence} < ${opts.minSequence})`);
  }
  if (!Array.isArray(endpoints) || endpoints.length === 0) return refuse('the directory lists no endpoints');
  if (endpoints.length > MAX_ENDPOINTS) return refuse(`the directory lists ${endpoints.length} endpoints, more than ${MAX_ENDPOINTS}`);
  const seen = new Set<string>();
  for (const [i, e] of endpoints.entries()) {
    const problem = entryProblem(e);
    const label = `entry ${i + 1}${typeof (e as { id?: unknown })?.id === 'string' ? ` ("${(e as { id: string }).id}")` : ''}`;
    if (problem) return refuse(`malformed ${label}: it ${problem}`);
    if (seen.has((e as DirectoryEndpoint).id)) return refuse(`malformed ${label}: its id is listed twice`);
    seen.add((e as DirectoryEndpoint).id);
  }
  const clean = (endpoints as DirectoryEndpoint[]).map(({ id, name, url }) => ({ id, name, url }));
  return { ok: true, directory: { issuedAtMs, expiresAtMs, sequence, endpoints: clean, raw } };
}

export interface DirectorySource {
  publicKeysHex: readonly string[];
  verify: Ed25519Verify;
  now: () => number;
  /** Fetches the directory's text (the URL is the caller's business). */
  fetchText: () => Promise<string>;
  /** The last good directory's raw text, kept across restarts (storage, a file). */
  loadLastGood: () => Promise<string | undefined>;
  saveLastGood: (raw: string) => Promise<void>;
}

export interface DirectoryOutcome {
  /** The endpoints to offer: the fresh list, else the last good one, else none. */
  endpoints: DirectoryEndpoint[];
  source: 'fresh' | 'last-good' | 'none';
  directory?: VerifiedDirectory;
  /** Why the fresh list was not taken (unreachable, bad signature, expired, malformed...). */
  refused?: string;
}

/**
 * The verified endpoint list: fetches the directory, verifies it, keeps it as the last good
 * list when it passes, and otherwise answers the last good list (verified again, so one that
 * has since expired is dropped) together with the reason the new one was refused.
 */
export async function verifiedEndpoints(src: DirectorySource): Promise<DirectoryOutcome> {
  const opts = { publicKeysHex: src.publicKeysHex, verify: src.verify };
  const lastRaw = await src.loadLastGood();
  const last = lastRaw === undefined ? undefined : await verifyDirectory(lastRaw, { ...opts, nowMs: src.now() });
  const lastGood = last?.ok ? last.directory : undefined;
  let fresh: DirectoryVerdict;
  try {
    fresh = await verifyDirectory(await src.fetchText(), { ...opts, nowMs: src.now(), minSequence: lastGood?.sequence });
  } catch (err) {
    fresh = { ok: false, reason: `the directory could not be fetched (${err instanceof Error ? err.message : String(err)})` };
  }
  if (fresh.ok) {
    if (fresh.directory.raw !== lastRaw) await src.saveLastGood(fresh.directory.raw);
    return { endpoints: fresh.directory.endpoints, source: 'fresh', directory: fresh.directory };
  }
  if (lastGood) return { endpoints: lastGood.endpoints, source: 'last-good', directory: lastGood, refused: fresh.reason };
  return { endpoints: [], source: 'none', refused: fresh.reason };
}
