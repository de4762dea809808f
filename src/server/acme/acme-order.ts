// One certificate order against an ACME server (RFC 8555 sec. 7.4): the endpoint's name by the
// HTTP-01 challenge, and, when the operator serves a wildcard zone for runs by server name,
// `*.ZONE` by DNS-01 through the operator's hook (dns-hook.ts), through acme-client (publishlab/node-acme-client), which does the JWS signing, nonces,
// account registration and polling.
import * as acme from 'acme-client';
import { request } from 'undici';
import type { ChallengeResponses } from './challenge-route.js';
import { dnsChallengeRecordName, type DnsHook } from './dns-hook.js';

/**
 * When a request gets no answer at all, acme-client 5.4's response interceptor reads
 * `response.config` of an undefined response and throws a TypeError that hides the cause
 * (src/axios.js, validateStatus). Asking the directory once more ourselves names the cause:
 * refused, timed out, a certificate error.
 */
async function whyUnreachable(directoryUrl: string): Promise<string> {
  try {
    const res = await request(directoryUrl, { headersTimeout: 10_000, bodyTimeout: 10_000 });
    await res.body.dump();
    return `the ACME directory answered ${res.statusCode}, but a request of the order got no answer`;
  } catch (err) {
    const cause = (err as { cause?: Error }).cause ?? (err as Error);
    return `no answer from the ACME server (${cause.message})`;
  }
}

export interface OrderOptions {
  directoryUrl: string;
  accountKeyPem: string;
  domain: string;
  email?: string;
  challenges: ChallengeResponses;
  /** A wildcard zone: the certificate also names `*.ZONE`, validated over DNS-01 by dnsHook. */
  sniZone?: string;
  dnsHook?: DnsHook;
  /** acme-client polls the order and challenge with back-off; shorter in tests. */
  pollMinMs?: number;
  pollMaxMs?: number;
  /** The pause before acme-client's one retry of a failed request (default 5 s). */
  requestRetryMs?: number;
}

export async function newAccountKeyPem(): Promise<string> {
  return (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
}

/** Orders a certificate for the domain; resolves to the chain and its fresh private key. */
export async function orderCertificate(opts: OrderOptions): Promise<{ certPem: string; keyPem: string }> {
  // acme-client retries a request that got no answer, a 429 or a 5xx up to 5 times, 5 s more
  // apart each time (75 s per request), honouring Retry-After (RFC 8555 sec. 6.6). One retry
  // covers a blip and still honours Retry-After once; longer outages are acme-manager.ts's
  // back-off, which says what it does in the log instead of hanging silently in a request.
  // These settings live on acme-client's one axios instance, shared by the process.
  // acme-client's typings leave acmeSettings out; it is read in its src/axios.js.
  const settings = (acme.axios.defaults as unknown as { acmeSettings: Record<string, number> }).acmeSettings;
  settings.retryMaxAttempts = 1;
  settings.retryDefaultDelay = (opts.requestRetryMs ?? 5_000) / 1000;
  const client = new acme.Client({
    directoryUrl: opts.directoryUrl,
    accountKey: opts.accountKeyPem,
    backoffAttempts: 10,
    backoffMin: opts.pollMinMs ?? 2_000,
    backoffMax: opts.pollMaxMs ?? 30_000,
  });
  if (opts.sniZone && !opts.dnsHook) throw new Error(`a wildcard name (*.${opts.sniZone}) is issued over DNS-01 only, and no DNS hook was given`);
  const wildcard = opts.sniZone ? [`*.${opts.sniZone}`] : [];
  // P-256 rather than RSA: a cheaper handshake for every measurement the endpoint serves.
  const [keyBuf, csr] = await acme.crypto.createCsr({ commonName: opts.domain, altNames: [opts.domain, ...wildcard] }, await acme.crypto.createPrivateEcdsaKey('P-256'));
  const certPemPromise = client.auto({
    csr,
    email: opts.email,
    termsOfServiceAgreed: true,
    // acme-client takes, for each name, the first of these the CA offers: the endpoint's own
    // name keeps HTTP-01 (no DNS change needed), a wildcard name is offered DNS-01 only.
    challengePriority: ['http-01', 'dns-01'],
    // acme-client's own pre-check fetches http://DOMAIN:80 through this host's resolver, which
    // behind NAT without hairpinning fails although the CA can reach us; the CA's validation
    // is the check that counts, and its error says what it saw.
    skipChallengeVerification: true,
    challengeCreateFn: async (authz, challenge, keyAuthorization) => {
      if (challenge.type === 'dns-01' && opts.dnsHook) {
        // For dns-01 acme-client hands over the record's value already digested (sec. 8.4).
        await opts.dnsHook('set', dnsChallengeRecordName(authz.identifier.value), keyAuthorization);
        return;
      }
      if (challenge.type !== 'http-01') throw new Error(`the CA offered no challenge this endpoint can answer for ${authz.identifier.value} (got ${challenge.type})`);
      opts.challenges.set(challenge.token, keyAuthorization);
    },
    // acme-client calls this after every validation, passed or failed (its src/auto.js).
    challengeRemoveFn: async (authz, challenge, keyAuthorization) => {
      if (challenge.type === 'dns-01' && opts.dnsHook) {
        await opts.dnsHook('clear', dnsChallengeRecordName(authz.identifier.value), keyAuthorization);
        return;
      }
      opts.challenges.delete(challenge.token);
    },
  }).catch(async (err: unknown) => {
    if (err instanceof TypeError) throw new Error(await whyUnreachable(opts.directoryUrl));
    // The CA's problem detail for a failed validation names the challenge URL it tried
    // (RFC 8555 sec. 8.3); say in plain words what that means for the operator.
    if (err instanceof Error && err.message.includes('/.well-known/acme-challenge/')) {
      throw new Error(`the CA could not fetch the HTTP-01 challenge from this endpoint (is DNS pointing here and port 80 open?): ${err.message}`);
    }
    if (opts.sniZone && err instanceof Error && /_acme-challenge|dns-01|TXT/i.test(err.message) && !err.message.startsWith('the DNS hook')) {
      throw new Error(`the CA did not find the DNS-01 record ${dnsChallengeRecordName(opts.sniZone)} (did the DNS hook publish it where the CA looks?): ${err.message}`);
    }
    throw err;
  });
  return { certPem: await certPemPromise, keyPem: keyBuf.toString() };
}
