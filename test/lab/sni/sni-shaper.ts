// The SNI shaper of the lab: a TCP proxy that reads the server_name of each connection's
// ClientHello (client-hello.ts) and acts on the listed names as the boxes of 2021 and 2024 did
// (Xue et al., IMC 2021: Twitter's names held to about 130 kbit/s from the ClientHello on;
// net4people/bbs issue 382: *.googlevideo.com slowed in 2024, to any server given that name):
//  - 'shape': once the client has sent anything after its ClientHello (its handshake ended),
//    the server's bytes to it go at `kbps` through a token bucket of its own per connection;
//  - 'drop': the box swallows the ClientHello and everything after it and never answers, as a
//    box that blackholes a name does (the client sees its handshake time out);
//  - 'reset': the box answers the ClientHello with a TCP RST, as boxes that block by SNI often do.
// Other names, no name, and plaintext pass untouched. Pacing keeps backpressure
// (test/support/pacing-proxy.ts pacedPipe).
import { connect, createServer, type Server, type Socket } from 'node:net';
import { pacedPipe, TokenBucket, type Segment } from '../../support/pacing-proxy.js';
import { matchesListed, MAX_HELLO_BYTES, parseClientHello } from './client-hello.js';

export interface SniShaperOptions {
  listenHost: string;
  listenPort: number;
  targetHost: string;
  targetPort: number;
  /** Names acted on, each with every name under it (or, with match 'substring', any name containing it). */
  names: string[];
  match?: 'suffix' | 'substring';
  action: 'shape' | 'drop' | 'reset';
  /** The shaped rate, server to client (the 2024 boxes: 128 kbit/s). */
  kbps: number;
}

export interface SniShaper {
  /** The port listened on (a requested 0 becomes the one the system chose). */
  port: number;
  stats: { shaped: number; dropped: number; reset: number; passed: number; noName: number; notTls: number };
  close(): Promise<void>;
}

/** A client that sends no whole ClientHello within this long is passed on as it is. */
const HELLO_WAIT_MS = 5_000;

export async function startSniShaper(opts: SniShaperOptions): Promise<SniShaper> {
  const stats = { shaped: 0, dropped: 0, reset: 0, passed: 0, noName: 0, notTls: 0 };
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };

  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    track(client);
    client.setNoDelay(true);
    client.on('error', () => client.destroy());
    let buffered = Buffer.alloc(0);
    let decided = false;
    const decide = (shape: boolean, drop: boolean) => {
      decided = true;
      clearTimeout(timer);
      client.removeListener('data', onData);
      if (drop) {
        // Swallow everything; the client's own timeout ends the connection.
        client.on('data', () => undefined);
        return;
      }
      client.pause();
      const upstream = connect({ host: opts.targetHost, port: opts.targetPort, allowHalfOpen: true });
      track(upstream);
      upstream.setNoDelay(true);
      upstream.on('error', () => {
        upstream.destroy();
        client.destroy();
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      // After the ClientHello, the next bytes from the client end its handshake: from then on
      // the server's bytes are paced.
      let handshakeDone = false;
      const bucket = shape ? new TokenBucket(opts.kbps / 1000, undefined) : undefined;
      const up = pacedPipe(client, upstream, (chunk): Segment[] => {
        if (shape && chunk !== first) handshakeDone = true;
        return [{ bytes: chunk, bucket: undefined }];
      });
      pacedPipe(upstream, client, (chunk): Segment[] => [{ bytes: chunk, bucket: handshakeDone ? bucket : undefined }]);
      const first = buffered;
      up.push(first);
    };
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const parsed = parseClientHello(buffered);
      if (parsed.state === 'need-more' && buffered.length < MAX_HELLO_BYTES) return;
      if (parsed.state === 'hello') {
        const listed = matchesListed(parsed.serverName, opts.names, opts.match);
        if (!parsed.serverName) stats.noName++;
        if (listed && opts.action === 'reset') {
          stats.reset++;
          clearTimeout(timer);
          decided = true;
          return void client.resetAndDestroy();
        }
        if (listed && opts.action === 'drop') stats.dropped++;
        else if (listed) stats.shaped++;
        else stats.passed++;
        return decide(listed && opts.action === 'shape', listed && opts.action === 'drop');
      }
      if (parsed.state === 'not-tls') stats.notTls++;
      else stats.passed++;
      decide(false, false);
    };
    const timer = setTimeout(() => {
      if (!decided) {
        stats.passed++;
        decide(false, false);
      }
    }, HELLO_WAIT_MS);
    client.on('data', onData);
    client.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listenPort, opts.listenHost, () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('SNI shaper: the listening socket has no port');
  return {
    port: address.port,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
