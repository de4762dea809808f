// The endpoint answers whatever server name a ClientHello carries with its own certificate,
// and the CLI's connections for a run by name (src/cli/sni-io.ts) check that certificate by
// its pinned public key, with the chain still verified.
import { readFileSync } from 'node:fs';
import { connect, type TLSSocket } from 'node:tls';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFetch } from '../../src/cli/node-io.js';
import { learnEndpointPin, pinnedFetches, pinnedIdentityCheck, spkiPinOf } from '../../src/cli/sni-io.js';
import { startTestEndpoint } from '../support/endpoint.js';

let ep: Awaited<ReturnType<typeof startTestEndpoint>>;
beforeAll(async () => {
  ep = await startTestEndpoint();
});
afterAll(async () => {
  await ep.close(0);
});

/** GET /info over one raw TLS connection that sends `servername`. */
async function infoVia(servername: string, check: (host: string, cert: { raw: Buffer }) => Error | undefined) {
  const socket = connect({ host: '127.0.0.1', port: ep.tlsPort, servername, ca: readFileSync(ep.caPath), checkServerIdentity: check as never });
  await once(socket, 'secureConnect');
  const cert = (socket as TLSSocket).getPeerCertificate();
  socket.write(`GET /info HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  const chunks: Buffer[] = [];
  for await (const c of socket) chunks.push(c as Buffer);
  return { cert, text: Buffer.concat(chunks).toString('utf8') };
}

describe('the endpoint under any server name', () => {
  it('answers a ClientHello naming another server with its own certificate', async () => {
    const seen: string[] = [];
    const own = await infoVia('127.0.0.1', () => undefined);
    const other = await infoVia('twitter.com', (host) => void seen.push(host));
    expect(seen).toEqual(['twitter.com']);
    expect(other.text).toMatch(/^HTTP\/1\.1 200/);
    expect(other.text).toContain('"service":"tls-throttle-endpoint"');
    expect(spkiPinOf(other.cert.raw)).toBe(spkiPinOf(own.cert.raw));
  });

  it('learns the pin over an ordinarily verified connection, and a pinned pool works under another name', async () => {
    const pin = await learnEndpointPin(`https://127.0.0.1:${ep.tlsPort}/`, { caFile: ep.caPath }, 5000);
    const pools = pinnedFetches({ caFile: ep.caPath }, pin, 5000);
    try {
      const res = await pools.forName('redirector.googlevideo.com').fetch(`https://127.0.0.1:${ep.tlsPort}/info`, {});
      expect(res.status).toBe(200);
      expect(JSON.parse(await res.text()).arrivedScheme).toBe('https');
    } finally {
      await pools.close();
    }
  });

  it('refuses to learn a pin from a certificate that does not verify', async () => {
    await expect(learnEndpointPin(`https://127.0.0.1:${ep.tlsPort}/`, {}, 5000)).rejects.toThrow(/self-signed|unable to verify|certificate/i);
  });

  it('fails a connection whose certificate is not the pinned one', async () => {
    const pools = pinnedFetches({ caFile: ep.caPath }, { pinSha256: 'AAAA', subject: 'x' }, 5000);
    try {
      await expect(pools.forName('twitter.com').fetch(`https://127.0.0.1:${ep.tlsPort}/info`, {})).rejects.toThrow();
      const check = pinnedIdentityCheck({ pinSha256: 'AAAA', subject: 'x' }, 'twitter.com');
      const own = await infoVia('127.0.0.1', () => undefined);
      expect(check('twitter.com', own.cert)?.message).toMatch(/certificate presented for twitter\.com is not the endpoint's/);
    } finally {
      await pools.close();
    }
  });

  it('still verifies the chain: the right key under an untrusted CA fails', async () => {
    const pin = await learnEndpointPin(`https://127.0.0.1:${ep.tlsPort}/`, { caFile: ep.caPath }, 5000);
    const pools = pinnedFetches({}, pin, 5000);
    try {
      await expect(pools.forName('twitter.com').fetch(`https://127.0.0.1:${ep.tlsPort}/info`, {})).rejects.toThrow();
    } finally {
      await pools.close();
    }
  });

  it('sends the server name it was given, not the one the URL names', async () => {
    // Node calls checkServerIdentity with the server name the ClientHello carried.
    const pin = await learnEndpointPin(`https://127.0.0.1:${ep.tlsPort}/`, { caFile: ep.caPath }, 5000);
    const checked: string[] = [];
    const base = pinnedIdentityCheck(pin, 't.co');
    const io = nodeFetch(
      { caFile: ep.caPath, resolve: { name: 'localhost', address: '127.0.0.1' }, sni: { serverName: 't.co', checkServerIdentity: (h, c) => (checked.push(h), base(h, c)) } },
      5000,
    );
    try {
      const res = await io.fetch(`https://localhost:${ep.tlsPort}/info`, {});
      expect(res.status).toBe(200);
      expect(checked).toEqual(['t.co']);
    } finally {
      await io.close();
    }
  });
});
