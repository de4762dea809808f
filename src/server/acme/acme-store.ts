// Where ACME state lives in the data directory:
//   acme/account-key.pem          the ACME account's key (RFC 8555 sec. 7.3), kept across restarts
//                                 so the CA sees one account rather than one per start
//   acme/DOMAIN/cert.pem          the certificate chain as the CA sent it (leaf first)
//   acme/DOMAIN/key.pem           the certificate's private key
// All 0600 in 0700 directories, no symbolic links followed below the data directory
// (private-file.ts). The data directory itself is the operator's choice and may be a link:
// systemd's DynamicUser= makes /var/lib/NAME a link to /var/lib/private/NAME (systemd.exec(5),
// StateDirectory=).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir, readPrivateFile, writePrivateFile } from './private-file.js';

// A DNS name (RFC 1123 labels), checked before it becomes part of a path.
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function isDomainName(name: string): boolean {
  return DOMAIN.test(name);
}

export interface StoredCertificate {
  certPem: string;
  keyPem: string;
}

export interface AcmeStore {
  readAccountKey(): Promise<string | undefined>;
  writeAccountKey(pem: string): Promise<void>;
  readCertificate(): Promise<StoredCertificate | undefined>;
  writeCertificate(cert: StoredCertificate): Promise<void>;
}

export async function acmeStore(dataDir: string, domain: string): Promise<AcmeStore> {
  if (!isDomainName(domain)) throw new Error(`"${domain}" is not a DNS name an ACME certificate can be issued for`);
  const root = join(dataDir, 'acme');
  const dir = join(root, domain);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await ensurePrivateDir(root);
  await ensurePrivateDir(dir);
  const accountFile = join(root, 'account-key.pem');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  return {
    readAccountKey: () => readPrivateFile(accountFile),
    writeAccountKey: (pem) => writePrivateFile(accountFile, pem),
    async readCertificate() {
      const [certPem, keyPem] = await Promise.all([readPrivateFile(certFile), readPrivateFile(keyFile)]);
      return certPem && keyPem ? { certPem, keyPem } : undefined;
    },
    async writeCertificate(cert) {
      // The key first: a crash between the two leaves a new key with the old certificate,
      // which the loader rejects as a mismatch and replaces, never a certificate without its key.
      await writePrivateFile(keyFile, cert.keyPem);
      await writePrivateFile(certFile, cert.certPem);
    },
  };
}
