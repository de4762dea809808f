// The server_name of a TLS ClientHello, as a DPI box reads it from the first bytes a client
// sends: TLS records (RFC 8446 sec. 5.1) of type handshake (22), whose fragments together
// hold a ClientHello (sec. 4.1.2), whose server_name extension (RFC 6066 sec. 3) lists a
// host_name. A ClientHello may arrive in several TCP segments and be split across several
// records (clients with large key shares split it), so the parser is fed what has arrived so
// far and says whether it needs more.

export type HelloParse =
  | { state: 'need-more' }
  /** The first byte is not a TLS handshake record: plaintext, or something else. */
  | { state: 'not-tls' }
  | { state: 'malformed'; reason: string }
  /** A whole ClientHello; serverName is absent when it carries no server_name. */
  | { state: 'hello'; serverName?: string; helloBytes: number };

const HANDSHAKE = 22;
const CLIENT_HELLO = 1;
const SERVER_NAME = 0;
const HOST_NAME = 0;
/** A ClientHello larger than this is no ClientHello a box would wait for. */
export const MAX_HELLO_BYTES = 64 * 1024;

export function parseClientHello(data: Uint8Array): HelloParse {
  if (data.length === 0) return { state: 'need-more' };
  if (data[0] !== HANDSHAKE) return { state: 'not-tls' };
  // Gather the handshake fragments of complete records until the ClientHello is whole.
  const fragments: Uint8Array[] = [];
  let have = 0;
  let offset = 0;
  for (;;) {
    if (offset + 5 > data.length) return { state: 'need-more' };
    if (data[offset] !== HANDSHAKE) return { state: 'malformed', reason: `record type ${data[offset]} before the ClientHello ended` };
    const length = (data[offset + 3]! << 8) | data[offset + 4]!;
    if (length === 0 || length > 16384 + 256) return { state: 'malformed', reason: `record length ${length}` };
    if (offset + 5 + length > data.length) return { state: 'need-more' };
    fragments.push(data.subarray(offset + 5, offset + 5 + length));
    have += length;
    offset += 5 + length;
    const hs = concat(fragments, have);
    if (hs.length < 4) continue;
    if (hs[0] !== CLIENT_HELLO) return { state: 'malformed', reason: `handshake type ${hs[0]}, not a ClientHello` };
    const bodyLength = (hs[1]! << 16) | (hs[2]! << 8) | hs[3]!;
    if (bodyLength > MAX_HELLO_BYTES) return { state: 'malformed', reason: `ClientHello of ${bodyLength} bytes` };
    if (hs.length < 4 + bodyLength) continue;
    const body = hs.subarray(4, 4 + bodyLength);
    const name = serverNameOf(body);
    if (typeof name === 'object') return name;
    return name === undefined ? { state: 'hello', helloBytes: offset } : { state: 'hello', serverName: name, helloBytes: offset };
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The host_name in a ClientHello body; undefined without one; an object when malformed. */
function serverNameOf(body: Uint8Array): string | undefined | { state: 'malformed'; reason: string } {
  const bad = (reason: string) => ({ state: 'malformed' as const, reason });
  let p = 2 + 32; // legacy_version, random
  if (p + 1 > body.length) return bad('cut before the session id');
  p += 1 + body[p]!;
  if (p + 2 > body.length) return bad('cut before the cipher suites');
  p += 2 + ((body[p]! << 8) | body[p + 1]!);
  if (p + 1 > body.length) return bad('cut before the compression methods');
  p += 1 + body[p]!;
  if (p === body.length) return undefined; // no extensions at all
  if (p + 2 > body.length) return bad('cut before the extensions');
  const end = p + 2 + ((body[p]! << 8) | body[p + 1]!);
  if (end > body.length) return bad('extensions run past the ClientHello');
  p += 2;
  while (p + 4 <= end) {
    const type = (body[p]! << 8) | body[p + 1]!;
    const length = (body[p + 2]! << 8) | body[p + 3]!;
    const ext = body.subarray(p + 4, p + 4 + length);
    if (p + 4 + length > end) return bad(`extension ${type} runs past the extensions`);
    if (type === SERVER_NAME) {
      let q = 2; // server_name_list length
      while (q + 3 <= ext.length) {
        const nameType = ext[q]!;
        const nameLength = (ext[q + 1]! << 8) | ext[q + 2]!;
        if (q + 3 + nameLength > ext.length) return bad('server name runs past its extension');
        if (nameType === HOST_NAME) return new TextDecoder().decode(ext.subarray(q + 3, q + 3 + nameLength)).toLowerCase();
        q += 3 + nameLength;
      }
      return undefined;
    }
    p += 4 + length;
  }
  return undefined;
}

/**
 * Whether a box listing `listed` acts on `serverName`. 'suffix': the name itself or any name
 * under it, matched on label boundaries (the 2024 boxes acted on *.googlevideo.com,
 * net4people/bbs issue 382), so "nottwitter.com" is not "twitter.com". 'substring': any
 * server name containing the listed text anywhere, as a cruder box that greps the ClientHello
 * for "googlevideo" would (the shapers the extension's test by name can see, src/core/sni/zone-names.ts).
 */
export function matchesListed(serverName: string | undefined, listed: readonly string[], match: 'suffix' | 'substring' = 'suffix'): boolean {
  if (!serverName) return false;
  const n = serverName.toLowerCase();
  if (match === 'substring') return listed.some((l) => n.includes(l));
  return listed.some((l) => n === l || n.endsWith(`.${l}`));
}
