// The connections of a run by server name (core/sni/). The endpoint's certificate is learned
// first, over an ordinary TLS connection to the endpoint's own name that Node verifies the
// usual way (chain and name), while fetching its /info; every connection that then sends
// another server name must present that same public key (a pin on the SubjectPublicKeyInfo,
// as RFC 7469's pin-sha256) and a chain that still verifies. Nothing here turns a check off:
// a box that answers a name in the endpoint's place fails the pin and the leg fails.
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { nodeFetch, type NodeIo, type TlsTrust } from './node-io.js';

/** base64 SHA-256 of a certificate's DER SubjectPublicKeyInfo (RFC 7469 sec. 2.4). */
export function spkiPinOf(certDer: Buffer): string {
  const spki = new X509Certificate(certDer).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

export interface EndpointPin {
  pinSha256: string;
  /** The certificate's subject, for messages. */
  subject: string;
}

/**
 * GET /info over a connection verified the ordinary way (the system's CAs or --ca, and the
 * endpoint's name), and the public key of the certificate that connection was verified with.
 */
export function learnEndpointPin(url: string, trust: Pick<TlsTrust, 'caFile' | 'resolve'>, timeoutMs: number): Promise<EndpointPin> {
  const info = new URL('/info', url);
  if (info.protocol !== 'https:') return Promise.reject(new Error(`a run by server name needs the endpoint's https:// URL (got ${info.protocol}//)`));
  const ca = trust.caFile ? readFileSync(trust.caFile, 'utf8') : undefined;
  return new Promise((resolve, reject) => {
    const req = request(
      info,
      {
        ca,
        agent: false,
        timeout: timeoutMs,
        ...(trust.resolve && info.hostname.toLowerCase() === trust.resolve.name
          ? { lookup: (_h: string, o: object, cb: (e: null, a: string, f: number) => void) => cb(null, trust.resolve!.address, trust.resolve!.address.includes(':') ? 6 : 4) }
          : {}),
      },
      (res) => {
        const cert = (res.socket as TLSSocket).getPeerCertificate();
        res.resume();
        if (!cert?.raw) return reject(new Error(`${info.href} presented no certificate`));
        resolve({ pinSha256: spkiPinOf(cert.raw), subject: String(cert.subject?.CN ?? '') });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${info.href} gave no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** tls.connect's checkServerIdentity for a connection that sent `serverName`: the pin decides. */
export function pinnedIdentityCheck(pin: EndpointPin, serverName: string): (host: string, cert: PeerCertificate) => Error | undefined {
  return (_host, cert) => {
    const seen = cert?.raw ? spkiPinOf(cert.raw) : '(none)';
    if (seen === pin.pinSha256) return undefined;
    return Object.assign(new Error(`the certificate presented for ${serverName} is not the endpoint's (public key sha256 ${seen}, pinned ${pin.pinSha256})`), {
      code: 'ERR_TLS_CERT_PIN_MISMATCH',
    });
  };
}

/**
 * One connection pool per server name, each its own flow (node-io.ts: one connection per origin).
 * Node skips checkServerIdentity on a resumed TLS session; undici keeps resumable sessions per
 * pool and server name, so a pool resumes only sessions whose full handshake passed the pin.
 */
export function pinnedFetches(trust: Pick<TlsTrust, 'caFile' | 'resolve'>, pin: EndpointPin, requestTimeoutMs: number) {
  const pools: NodeIo[] = [];
  return {
    forName(serverName: string): NodeIo {
      const io = nodeFetch({ ...trust, insecure: false, sni: { serverName, checkServerIdentity: pinnedIdentityCheck(pin, serverName) } }, requestTimeoutMs);
      pools.push(io);
      return io;
    },
    close: async () => void (await Promise.all(pools.map((p) => p.close()))),
  };
}
