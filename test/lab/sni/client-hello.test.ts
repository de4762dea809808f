// The SNI shaper's ClientHello parser, on ClientHellos that Node's own TLS client sends.
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchesListed, parseClientHello } from './client-hello.js';

let server: ReturnType<typeof createServer>;
let port = 0;
const captured: Buffer[] = [];
beforeAll(async () => {
  // Keeps the first 4 kB a client sends, then closes: a ClientHello and nothing more.
  server = createServer((s) => {
    const parts: Buffer[] = [];
    s.on('data', (c: Buffer) => {
      parts.push(c);
      const all = Buffer.concat(parts);
      const parsed = parseClientHello(all);
      if (parsed.state !== 'need-more') {
        captured.push(all);
        s.destroy();
      }
    });
    s.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server.close());

async function helloOf(servername: string | undefined): Promise<Buffer> {
  const before = captured.length;
  const s = connect({ host: '127.0.0.1', port, ...(servername === undefined ? {} : { servername }), rejectUnauthorized: false });
  // events.once would reject on the 'error' that the server's close gives the client.
  await new Promise<void>((resolve) => {
    s.on('error', () => undefined);
    s.on('close', () => resolve());
  });
  return captured[before]!;
}

/** The same handshake message re-framed into records of at most `size` bytes. */
function reframe(hello: Buffer, size: number): Buffer {
  const hs = hello.subarray(5, 5 + hello.readUInt16BE(3));
  const records: Buffer[] = [];
  for (let i = 0; i < hs.length; i += size) {
    const frag = hs.subarray(i, i + size);
    const head = Buffer.from([22, 3, 1, 0, 0]);
    head.writeUInt16BE(frag.length, 3);
    records.push(head, frag);
  }
  return Buffer.concat(records);
}

describe('parseClientHello', () => {
  it('reads the server name of a whole ClientHello', async () => {
    const hello = await helloOf('redirector.googlevideo.com');
    expect(parseClientHello(hello)).toMatchObject({ state: 'hello', serverName: 'redirector.googlevideo.com', helloBytes: hello.length });
  });

  it('asks for more at every cut of a ClientHello split across TCP segments, then reads it', async () => {
    const hello = await helloOf('twitter.com');
    for (let cut = 0; cut < hello.length; cut++) expect(parseClientHello(hello.subarray(0, cut)).state, `cut ${cut}`).toBe('need-more');
    expect(parseClientHello(hello)).toMatchObject({ serverName: 'twitter.com' });
  });

  it('reads a ClientHello split across several TLS records', async () => {
    const split = reframe(await helloOf('t.co'), 100);
    expect(split.subarray(0, 5)[0]).toBe(22);
    expect(parseClientHello(split)).toMatchObject({ state: 'hello', serverName: 't.co', helloBytes: split.length });
    expect(parseClientHello(split.subarray(0, split.length - 1)).state).toBe('need-more');
  });

  it('finds no server name where the client sent none', async () => {
    const hello = await helloOf(undefined);
    const parsed = parseClientHello(hello);
    expect(parsed.state).toBe('hello');
    expect(parsed).not.toHaveProperty('serverName');
  });

  it('tells plaintext and broken records apart from a ClientHello', () => {
    expect(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n'))).toEqual({ state: 'not-tls' });
    expect(parseClientHello(Buffer.from([22, 3, 1, 0, 0])).state).toBe('malformed');
    expect(parseClientHello(Buffer.from([22, 3, 1, 0, 4, 2, 0, 0, 0])).state).toBe('malformed');
  });
});

describe('matchesListed', () => {
  it('matches the name and names under it, on label boundaries only', () => {
    expect(matchesListed('twitter.com', ['twitter.com'])).toBe(true);
    expect(matchesListed('abs.twitter.com', ['twitter.com'])).toBe(true);
    expect(matchesListed('rr1---sn-a.googlevideo.com', ['googlevideo.com'])).toBe(true);
    expect(matchesListed('nottwitter.com', ['twitter.com'])).toBe(false);
    expect(matchesListed('twitter.com', ['nottwitter.com'])).toBe(false);
    expect(matchesListed(undefined, ['twitter.com'])).toBe(false);
  });

  it('matches a text anywhere in the name when told to, as a box that greps for it', () => {
    expect(matchesListed('redirector-googlevideo-com.sni.example.org', ['googlevideo'], 'substring')).toBe(true);
    expect(matchesListed('redirector-googlevideo-com.sni.example.org', ['googlevideo.com'])).toBe(false);
    expect(matchesListed('qhvzkrnbtwpxalmfdoeyjucsig.sni.example.org', ['googlevideo'], 'substring')).toBe(false);
  });
});
