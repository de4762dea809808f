// Keeps the endpoint's certificate from an ACME CA: loads the stored one, orders a new one when
// there is none or less than a share of its lifetime is left, hands each new certificate to the
// listener (new connections get it, running transfers keep theirs), and when the CA fails,
// keeps serving what it has and tries again with exponential back-off.
import { acmeStore, type AcmeStore } from './acme-store.js';
import { certificateFacts, renewAtMs, unusableBecause, type CertificateFacts } from './certificate-facts.js';
import { challengeResponses, type ChallengeResponses } from './challenge-route.js';
import { newAccountKeyPem, orderCertificate } from './acme-order.js';
import type { RouteHandler } from '../http-util.js';
import type { DnsHook } from './dns-hook.js';

export interface AcmeManagerOptions {
  domain: string;
  /** A wildcard zone for runs by server name: the certificate names `*.ZONE` too, by DNS-01. */
  sniZone?: string;
  dnsHook?: DnsHook;
  email?: string;
  directoryUrl: string;
  dataDir: string;
  /** Renew once less than this share of the lifetime is left (default 1/3: certificate-facts.ts). */
  renewShare?: number;
  /** The first retry after a failure, doubled on each further failure up to retryMaxMs. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** acme-client's polling of a pending order (acme-order.ts). */
  pollMinMs?: number;
  now?: () => number;
  log: (line: string) => void;
  /** Called with every certificate to serve: the stored one at start, then each new one. */
  onCertificate: (certPem: string, keyPem: string, facts: CertificateFacts) => void;
}

export interface AcmeManager {
  /** Answers /.well-known/acme-challenge/ on the endpoint's plain HTTP. */
  route: RouteHandler;
  /** Loads the stored certificate (served at once when usable) and starts the schedule. */
  start(): Promise<{ stored: boolean }>;
  stop(): void;
}

/** setTimeout's longest delay is 2^31-1 ms (about 24.8 days); longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function backoffMs(failures: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.max(0, failures - 1));
  // +-10% jitter, so that endpoints that failed together (a CA outage) do not retry together.
  return Math.round(Math.min(maxMs, base * (0.9 + 0.2 * random())));
}

function seconds(ms: number): string {
  return ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

export function acmeManager(opts: AcmeManagerOptions): AcmeManager {
  const now = opts.now ?? Date.now;
  const renewShare = opts.renewShare ?? 1 / 3;
  const retryMinMs = opts.retryMinMs ?? 60_000;
  // Six hours: a CA outage rarely lasts longer, and a third of a 90-day lifetime leaves 120 tries.
  const retryMaxMs = opts.retryMaxMs ?? 6 * 3_600_000;
  const challenges: ChallengeResponses = challengeResponses();
  const names = opts.sniZone ? `${opts.domain} and *.${opts.sniZone}` : opts.domain;
  let store: AcmeStore | undefined;
  let current: CertificateFacts | undefined;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const at = (whenMs: number, fn: () => void) => {
    if (stopped) return;
    const waitMs = Math.max(0, whenMs - now());
    timer = setTimeout(() => (now() >= whenMs ? fn() : at(whenMs, fn)), Math.min(waitMs, MAX_TIMER_MS));
    timer.unref();
  };

  const scheduleRenewal = (facts: CertificateFacts) => {
    const whenMs = renewAtMs(facts, renewShare);
    opts.log(`ACME: certificate for ${opts.domain} valid until ${new Date(facts.notAfterMs).toISOString()}; renewal from ${new Date(Math.max(whenMs, now())).toISOString()}`);
    at(whenMs, () => void attempt());
  };

  async function accountKey(s: AcmeStore): Promise<string> {
    const stored = await s.readAccountKey();
    if (stored) return stored;
    const pem = await newAccountKeyPem();
    await s.writeAccountKey(pem);
    return pem;
  }

  async function attempt(): Promise<void> {
    if (stopped || !store) return;
    const s = store;
    try {
      opts.log(`ACME: ordering a certificate for ${names} from ${opts.directoryUrl}`);
      const issued = await orderCertificate({
        directoryUrl: opts.directoryUrl,
        accountKeyPem: await accountKey(s),
        domain: opts.domain,
        sniZone: opts.sniZone,
        dnsHook: opts.dnsHook,
        email: opts.email,
        challenges,
        pollMinMs: opts.pollMinMs,
        requestRetryMs: Math.min(5_000, retryMinMs),
      });
      const reason = unusableBecause(issued.certPem, issued.keyPem, opts.domain, now(), opts.sniZone);
      if (reason) throw new Error(`the CA sent a certificate that cannot be served: ${reason.replace('stored ', '')}`);
      await s.writeCertificate(issued);
      if (stopped) return;
      current = certificateFacts(issued.certPem);
      failures = 0;
      opts.log(`ACME: new certificate for ${names}, serial ${current.serialNumber}, issued by ${current.issuer}`);
      opts.onCertificate(issued.certPem, issued.keyPem, current);
      scheduleRenewal(current);
    } catch (err) {
      if (stopped) return;
      failures += 1;
      const waitMs = backoffMs(failures, retryMinMs, retryMaxMs);
      const serving = current
        ? `still serving the certificate valid until ${new Date(current.notAfterMs).toISOString()}`
        : 'still serving the development certificate';
      opts.log(`ACME: ordering a certificate for ${opts.domain} from ${opts.directoryUrl} failed (attempt ${failures}): ${(err as Error).message}; ${serving}; next try in ${seconds(waitMs)}`);
      at(now() + waitMs, () => void attempt());
    }
  }

  return {
    route: challenges.route,
    async start() {
      store = await acmeStore(opts.dataDir, opts.domain);
      const stored = await store.readCertificate();
      const reason = stored ? unusableBecause(stored.certPem, stored.keyPem, opts.domain, now(), opts.sniZone) : 'there is none yet';
      if (stored && !reason) {
        current = certificateFacts(stored.certPem);
        opts.onCertificate(stored.certPem, stored.keyPem, current);
        scheduleRenewal(current);
        return { stored: true };
      }
      opts.log(`ACME: no stored certificate for ${opts.domain} can be served (${reason}); serving the development certificate until the CA issues one`);
      at(now(), () => void attempt());
      return { stored: false };
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
