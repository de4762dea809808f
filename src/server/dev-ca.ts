// A local development CA and a leaf certificate for 127.0.0.1, localhost and the --host names,
// made once and kept in a data directory, so `serve` has real TLS without any setup and a
// client trusts it with `--ca <path>` (or an NSS db entry for Chromium).
// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs this polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { lstat, unlink } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { ensurePrivateDir, readFileNoFollow, writeNewFile } from './private-files.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface DevCertificate {
  caPath: string;
  certPem: string;
  keyPem: string;
  names: string[];
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function importKey(keyPem: string): Promise<CryptoKey> {
  const der = Buffer.from(keyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return (await webcrypto.subtle.importKey('pkcs8', der, ALG, true, ['sign'])) as CryptoKey;
}

/** True when something, a symbolic link included, has the name. */
async function present(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

async function makeCa(dir: string): Promise<{ cert: x509.X509Certificate; key: CryptoKey }> {
  const certFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'ca-key.pem');
  const [haveCert, haveKey] = await Promise.all([present(certFile), present(keyFile)]);
  if (haveCert && haveKey) {
    // Read without following links (private-files.ts): a link in place of either is refused.
    return { cert: new x509.X509Certificate(await readFileNoFollow(certFile)), key: await importKey(await readFileNoFollow(keyFile)) };
  }
  // Half a CA (a run killed between the two writes) is made anew; unlink removes a link
  // itself, never its target.
  for (const [file, have] of [[certFile, haveCert], [keyFile, haveKey]] as const) if (have) await unlink(file);
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=TLS Throttle Detector development CA',
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 5 * 365 * 86_400_000),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  await writeNewFile(keyFile, pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)), 0o600);
  await writeNewFile(certFile, cert.toString('pem'), 0o644);
  return { cert, key: keys.privateKey };
}

/** Loads or makes the CA, and makes a fresh leaf for exactly these names. */
export async function devCertificate(dataDir: string, extraNames: string[]): Promise<DevCertificate> {
  await ensurePrivateDir(dataDir);
  const ca = await makeCa(dataDir);
  const names = [...new Set(['127.0.0.1', '::1', 'localhost', ...extraNames.filter((n) => n && n !== '0.0.0.0' && n !== '::')])];
  const keys = await keyPair();
  const leaf = await x509.X509CertificateGenerator.create({
    subject: `CN=${names.find((n) => !isIP(n)) ?? names[0]}`,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - 86_400_000),
    // Browsers refuse leaves valid for longer than 398 days.
    notAfter: new Date(Date.now() + 365 * 86_400_000),
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((n) => ({ type: isIP(n) ? 'ip' : 'dns', value: n }) as const)),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  const keyPem = pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { caPath: join(dataDir, 'ca.pem'), certPem: leaf.toString('pem'), keyPem, names };
}
