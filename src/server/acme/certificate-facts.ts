// What the renewal schedule needs to know about a certificate, and whether a stored one can be
// served at all (right name, matching key, not expired).
import { X509Certificate, createPrivateKey } from 'node:crypto';

export interface CertificateFacts {
  notBeforeMs: number;
  notAfterMs: number;
  serialNumber: string;
  issuer: string;
}

export function certificateFacts(certPem: string): CertificateFacts {
  // The leaf is the first certificate of the chain (RFC 8555 sec. 7.4.2, PEM chain).
  const leaf = new X509Certificate(certPem);
  return {
    notBeforeMs: Date.parse(leaf.validFrom),
    notAfterMs: Date.parse(leaf.validTo),
    serialNumber: leaf.serialNumber,
    issuer: leaf.issuer.replace(/\n/g, ', '),
  };
}

/**
 * Why this certificate cannot be served for the domain (and, with a wildcard zone, for
 * `*.ZONE`) at nowMs, or undefined when it can.
 */
export function unusableBecause(certPem: string, keyPem: string, domain: string, nowMs: number, sniZone?: string): string | undefined {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certPem);
  } catch (err) {
    return `the stored certificate does not parse (${(err as Error).message})`;
  }
  if (leaf.checkHost(domain) === undefined) return `the stored certificate is not for ${domain}`;
  // The SAN itself, not checkHost on a sample name: a certificate for one name under the zone
  // would pass that, and leave every other subdomain without a valid certificate.
  if (sniZone && !(leaf.subjectAltName ?? '').split(', ').includes(`DNS:*.${sniZone}`)) return `the stored certificate does not name *.${sniZone}`;
  if (Date.parse(leaf.validTo) <= nowMs) return `the stored certificate expired at ${new Date(leaf.validTo).toISOString()}`;
  try {
    if (!leaf.checkPrivateKey(createPrivateKey(keyPem))) return 'the stored key does not match the stored certificate';
  } catch (err) {
    return `the stored key does not parse (${(err as Error).message})`;
  }
  return undefined;
}

/**
 * When to renew: once less than renewShare of the lifetime is left. Let's Encrypt advises
 * renewing a 90-day certificate when 30 days are left (a third), which leaves weeks for retries
 * when the CA or this host has a bad day; the same share works for short-lived certificates.
 */
export function renewAtMs(facts: CertificateFacts, renewShare: number): number {
  const lifetimeMs = facts.notAfterMs - facts.notBeforeMs;
  return facts.notAfterMs - lifetimeMs * renewShare;
}
