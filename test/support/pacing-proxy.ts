// A userland shaper: a TCP proxy that classifies each client connection and paces it with a
// token bucket. It plays the ISP's DPI box in tests and in the throttle lab:
//  - protocol: the first byte the client sends is 0x16 (a TLS handshake record, RFC 8446
//    section 5.1) -> the TLS class, anything else -> the plaintext class, on any port;
//  - delayed throttling: the first N bytes of each flow pass at full speed, then the class
//    rate applies (Wehe saw T-Mobile drop from 20 to 1.5 Mbit/s after about 7 MB; Li et al.,
//    "A Large-Scale Analysis of Deployed Traffic Differentiation Practices", SIGCOMM 2019);
//  - throttling by a flow's age: each flow passes at full speed until it is N ms old, then
//    the class rate applies (a box that slows long-lived flows, whatever they carried);
//  - intermittent throttling: the class rate applies in windows of the clock, on for N ms and
//    off for M ms in turn, to every flow of the class alike (a shaper that acts only while the
//    network is busy, or at set times: "network management" that switches on under load);
//  - entropy: a plaintext HTTP response whose first body bytes look random (byte-histogram
//    entropy above a threshold) is paced too, as classifiers of "fully encrypted" traffic do
//    (Wu et al., "How the Great Firewall of China Detects and Blocks Fully Encrypted Traffic",
//    USENIX Security 2023);
//  - flow entropy: the same test applied once per connection, to the first body bytes the
//    server sends on it, and the class kept for every later byte of that connection, later
//    responses included. Deployed classifiers label a flow by its first packets and act on the
//    flow (Wu et al. above: the GFW judges a connection by its first data packet), so two
//    payloads that share a connection share the first one's fate.
// Pacing keeps backpressure all the way: the upstream socket is paused while a chunk waits for
// tokens, so at most one read chunk per direction is held here and the rest queues in the
// kernel, as it would in a real shaper's queue.
//
// Runnable as a script, so the lab can start it inside a network namespace:
//   npx tsx test/support/pacing-proxy.ts --listen 0.0.0.0:443 --target 127.0.0.1:8443 --tls-mbps 10
// (--listen/--target may repeat, paired in order; see usage() for every flag).
import { createServer, connect, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export interface PacingProxyOptions {
  targetHost: string;
  targetPort: number;
  listenHost?: string;
  /** 0 (the default) picks any free port. */
  listenPort?: number;
  /** Server->client rate of plaintext connections in Mbit/s; undefined = unpaced. */
  plainMbps?: number;
  /** Server->client rate of TLS connections in Mbit/s; undefined = unpaced. */
  tlsMbps?: number;
  /** Bucket depth of the TLS class: bytes that pass at full speed after the bucket idles. */
  tlsBurstBytes?: number;
  plainBurstBytes?: number;
  /** Client->server (upload) rates, Mbit/s; undefined = unpaced. */
  tlsUploadMbps?: number;
  plainUploadMbps?: number;
  /** Delayed throttling: each connection's first N server->client bytes go unpaced. */
  delayedAfterBytes?: number;
  /**
   * Throttling by a flow's age: a connection's server->client bytes go unpaced until it is
   * this old (a box that slows long-lived flows, whatever they carried).
   */
  delayedAfterMs?: number;
  /**
   * Intermittent throttling: from the proxy's start, the class rate applies for `onMs`, then
   * not for `offMs`, in turn; a chunk is paced or not by the window it arrives in.
   */
  windowsMs?: { onMs: number; offMs: number };
  /** Entropy shaper: plaintext responses classified as high-entropy are paced at this rate. */
  highEntropyMbps?: number;
  /** Body bytes sampled per response before it is classified (default 4096). */
  entropySampleBytes?: number;
  /** Byte-histogram entropy above which a sample counts as random (default 7.5 bits/byte). */
  entropyThresholdBitsPerByte?: number;
  /**
   * Classify each plaintext connection once, by its first `entropySampleBytes` body bytes
   * (across responses if the first ones are shorter), and pace every later byte of a
   * connection found random; without it each response is classified on its own.
   */
  entropyPerFlow?: boolean;
}

export interface PacingProxy {
  port: number;
  /** Connections seen so far, by class (for tests that check the classifier). */
  /** highEntropyResponses counts connections instead when entropyPerFlow is set. */
  stats: { tlsConnections: number; plainConnections: number; highEntropyResponses: number };
  close(): Promise<void>;
}

/** Shortest timer we arm; Node's timers are about 1 ms accurate, the bucket absorbs the rest. */
const MIN_WAIT_MS = 2;
/** Each paced write is about this long at the bucket's rate (5-10 ms keeps it smooth). */
const SLICE_MS = 5;

/**
 * A token bucket in bytes. Tokens accrue at `bytesPerMs` up to `capacityBytes`; it starts
 * full, so after an idle period `capacityBytes` pass at once (the tbf/htb "burst").
 */
export class TokenBucket {
  readonly bytesPerMs: number;
  readonly capacityBytes: number;
  /** Smallest grant, so low rates do not turn into a storm of tiny writes. */
  readonly minGrantBytes: number;
  private tokens: number;
  private lastMs: number;

  constructor(mbps: number, burstBytes: number | undefined, now: () => number = () => performance.now()) {
    if (!(mbps > 0)) throw new RangeError(`token bucket rate must be positive, got ${mbps} Mbit/s`);
    this.now = now;
    this.bytesPerMs = (mbps * 1e6) / 8 / 1000;
    const sliceBytes = Math.max(512, Math.round(this.bytesPerMs * SLICE_MS));
    this.capacityBytes = Math.max(burstBytes ?? 0, 2 * sliceBytes);
    this.minGrantBytes = sliceBytes;
    this.tokens = this.capacityBytes;
    this.lastMs = now();
  }

  private readonly now: () => number;

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.capacityBytes, this.tokens + (t - this.lastMs) * this.bytesPerMs);
    this.lastMs = t;
  }

  /**
   * Grants up to `wantedBytes` now, or 0 if fewer than min(wanted, minGrant) tokens are there;
   * `waitMs` then says when to ask again.
   */
  take(wantedBytes: number): { grantedBytes: number; waitMs: number } {
    this.refill();
    const floor = Math.min(wantedBytes, this.minGrantBytes);
    if (this.tokens < floor) {
      return { grantedBytes: 0, waitMs: Math.max(MIN_WAIT_MS, (floor - this.tokens) / this.bytesPerMs) };
    }
    const granted = Math.min(wantedBytes, Math.floor(this.tokens));
    this.tokens -= granted;
    return { grantedBytes: granted, waitMs: 0 };
  }
}

/** A run of bytes and the bucket that paces it (undefined: send at once). */
export interface Segment {
  bytes: Buffer;
  bucket: TokenBucket | undefined;
}

/**
 * Moves bytes from `src` to `dst`, pacing each segment by its bucket. `src` stays paused while
 * anything is pending, and `dst` backpressure (write() === false) is honoured, so memory is
 * bounded by one read chunk.
 */
export function pacedPipe(src: Socket, dst: Socket, split: (chunk: Buffer) => Segment[]): { push(chunk: Buffer): void } {
  const pending: Segment[] = [];
  let timer: NodeJS.Timeout | undefined;
  let waitingDrain = false;
  let srcEnded = false;

  const finish = () => {
    if (srcEnded && pending.length === 0 && !dst.destroyed) dst.end();
  };

  const pump = () => {
    timer = undefined;
    while (pending.length > 0) {
      if (dst.destroyed) return;
      const seg = pending[0]!;
      let out: Buffer;
      if (!seg.bucket) {
        out = seg.bytes;
        pending.shift();
      } else {
        const { grantedBytes, waitMs } = seg.bucket.take(seg.bytes.length);
        if (grantedBytes === 0) {
          timer = setTimeout(pump, waitMs);
          return;
        }
        out = seg.bytes.subarray(0, grantedBytes);
        if (grantedBytes === seg.bytes.length) pending.shift();
        else seg.bytes = seg.bytes.subarray(grantedBytes);
      }
      if (!dst.write(out)) {
        waitingDrain = true;
        dst.once('drain', () => {
          waitingDrain = false;
          pump();
        });
        return;
      }
    }
    if (srcEnded) finish();
    else if (!src.destroyed) src.resume();
  };

  src.on('data', (chunk: Buffer) => push(chunk));
  src.on('end', () => {
    srcEnded = true;
    if (pending.length === 0) finish();
  });
  src.on('close', () => {
    if (timer) clearTimeout(timer);
  });

  function push(chunk: Buffer) {
    for (const seg of split(chunk)) if (seg.bytes.length > 0) pending.push(seg);
    if (pending.length === 0) return;
    src.pause();
    if (!timer && !waitingDrain) pump();
  }
  return { push };
}

/** Shannon entropy of the byte histogram, in bits per byte (8 = uniformly random). */
export function byteEntropyBitsPerByte(bytes: Uint8Array): number {
  if (bytes.length === 0) return 0;
  const counts = new Array<number>(256).fill(0);
  for (const b of bytes) counts[b]!++;
  let bits = 0;
  for (const c of counts) {
    if (c === 0) continue;
    const p = c / bytes.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * Follows the HTTP/1.1 responses on one plaintext connection (keep-alive carries several, and
 * the runner mixes random and text payloads on one connection), classifying each response by
 * the entropy of its first body bytes. Bytes before a verdict pass unpaced, as a DPI box that
 * forwards while it inspects. A response without Content-Length keeps its class to the end.
 */
class EntropySplitter {
  private state: 'head' | 'sample' | 'body' = 'head';
  private head = Buffer.alloc(0);
  private sample: Buffer[] = [];
  private sampledBytes = 0;
  private bodyLeft = Infinity;
  private paced = false;
  /** Per-flow mode: the connection's class once decided (undefined while sampling). */
  private flowPaced: boolean | undefined;

  constructor(
    private readonly bucket: TokenBucket,
    private readonly sampleBytes: number,
    private readonly thresholdBits: number,
    private readonly onHighEntropy: () => void,
    private readonly perFlow = false,
  ) {}

  split(chunk: Buffer): Segment[] {
    const out: Segment[] = [];
    let rest = chunk;
    while (rest.length > 0) {
      if (this.flowPaced !== undefined) {
        out.push({ bytes: rest, bucket: this.flowPaced ? this.bucket : undefined });
        return out;
      }
      if (this.state === 'head') {
        const joined = Buffer.concat([this.head, rest]);
        const end = joined.indexOf('\r\n\r\n');
        if (end < 0) {
          // Cap what we keep of a header: a response that never ends its header is not HTTP.
          this.head = joined.length > 65536 ? Buffer.alloc(0) : joined;
          out.push({ bytes: rest, bucket: undefined });
          return out;
        }
        const headEnd = end + 4;
        const fromRest = headEnd - this.head.length;
        out.push({ bytes: rest.subarray(0, fromRest), bucket: undefined });
        const headText = joined.subarray(0, headEnd).toString('latin1');
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(headText);
        this.bodyLeft = m ? Number(m[1]) : Infinity;
        this.head = Buffer.alloc(0);
        // Per flow, the sample runs on across responses until it is full.
        if (!this.perFlow) {
          this.sample = [];
          this.sampledBytes = 0;
        }
        this.paced = false;
        this.state = this.bodyLeft === 0 ? 'head' : 'sample';
        rest = rest.subarray(fromRest);
        continue;
      }
      const take = Math.min(rest.length, this.bodyLeft);
      let part = rest.subarray(0, take);
      rest = rest.subarray(take);
      this.bodyLeft -= take;
      if (this.state === 'sample') {
        const need = this.sampleBytes - this.sampledBytes;
        const sampled = part.subarray(0, need);
        this.sample.push(sampled);
        this.sampledBytes += sampled.length;
        out.push({ bytes: sampled, bucket: undefined });
        part = part.subarray(sampled.length);
        if (this.perFlow && this.sampledBytes >= this.sampleBytes) {
          this.flowPaced = byteEntropyBitsPerByte(Buffer.concat(this.sample)) > this.thresholdBits;
          if (this.flowPaced) this.onHighEntropy();
          if (part.length > 0) out.push({ bytes: part, bucket: this.flowPaced ? this.bucket : undefined });
          if (rest.length > 0) out.push({ bytes: rest, bucket: this.flowPaced ? this.bucket : undefined });
          return out;
        }
        if (!this.perFlow && (this.sampledBytes >= this.sampleBytes || this.bodyLeft === 0)) {
          const bits = byteEntropyBitsPerByte(Buffer.concat(this.sample));
          this.paced = this.sampledBytes >= this.sampleBytes && bits > this.thresholdBits;
          if (this.paced) this.onHighEntropy();
          this.state = 'body';
        }
      }
      if (part.length > 0) out.push({ bytes: part, bucket: this.paced ? this.bucket : undefined });
      if (this.bodyLeft === 0) this.state = 'head';
    }
    return out;
  }
}

/** Splits a stream so its first `unpacedBytes` go at once and the rest through `bucket`. */
function delayedSplitter(unpacedBytes: number, bucket: TokenBucket): (chunk: Buffer) => Segment[] {
  let seen = 0;
  return (chunk) => {
    const free = Math.max(0, Math.min(chunk.length, unpacedBytes - seen));
    seen += chunk.length;
    return [
      { bytes: chunk.subarray(0, free), bucket: undefined },
      { bytes: chunk.subarray(free), bucket },
    ];
  };
}

function agedSplitter(unpacedMs: number, bucket: TokenBucket): (chunk: Buffer) => Segment[] {
  const born = performance.now();
  return (chunk) => [{ bytes: chunk, bucket: performance.now() - born < unpacedMs ? undefined : bucket }];
}

function windowedSplitter(windows: { onMs: number; offMs: number }, bucket: TokenBucket, startedMs: number): (chunk: Buffer) => Segment[] {
  const period = windows.onMs + windows.offMs;
  return (chunk) => [{ bytes: chunk, bucket: (performance.now() - startedMs) % period < windows.onMs ? bucket : undefined }];
}

function bucketOrNone(mbps: number | undefined, burstBytes: number | undefined): TokenBucket | undefined {
  return mbps === undefined ? undefined : new TokenBucket(mbps, burstBytes);
}

export async function startPacingProxy(opts: PacingProxyOptions): Promise<PacingProxy> {
  // One bucket per class and direction, shared by its connections, as an htb class is shared.
  const tlsDown = bucketOrNone(opts.tlsMbps, opts.tlsBurstBytes);
  const plainDown = bucketOrNone(opts.plainMbps, opts.plainBurstBytes);
  const tlsUp = bucketOrNone(opts.tlsUploadMbps, undefined);
  const plainUp = bucketOrNone(opts.plainUploadMbps, undefined);
  const entropyDown = bucketOrNone(opts.highEntropyMbps, opts.plainBurstBytes);
  const stats = { tlsConnections: 0, plainConnections: 0, highEntropyResponses: 0 };
  const startedMs = performance.now();
  const sockets = new Set<Socket>();

  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };

  const downSplitter = (isTls: boolean): ((chunk: Buffer) => Segment[]) => {
    const bucket = isTls ? tlsDown : plainDown;
    if (!isTls && entropyDown) {
      const e = new EntropySplitter(
        entropyDown,
        opts.entropySampleBytes ?? 4096,
        opts.entropyThresholdBitsPerByte ?? 7.5,
        () => stats.highEntropyResponses++,
        opts.entropyPerFlow ?? false,
      );
      return (chunk) => e.split(chunk);
    }
    if (bucket && opts.delayedAfterBytes !== undefined) return delayedSplitter(opts.delayedAfterBytes, bucket);
    if (bucket && opts.delayedAfterMs !== undefined) return agedSplitter(opts.delayedAfterMs, bucket);
    if (bucket && opts.windowsMs) return windowedSplitter(opts.windowsMs, bucket, startedMs);
    return (chunk) => [{ bytes: chunk, bucket }];
  };

  const server: Server = createServer({ allowHalfOpen: true, pauseOnConnect: false }, (client) => {
    track(client);
    client.setNoDelay(true);
    client.on('error', () => client.destroy());
    client.once('data', (first: Buffer) => {
      client.pause();
      const isTls = first[0] === 0x16;
      if (isTls) stats.tlsConnections++;
      else stats.plainConnections++;
      const upstream = connect({ host: opts.targetHost, port: opts.targetPort, allowHalfOpen: true });
      track(upstream);
      upstream.setNoDelay(true);
      upstream.on('error', () => {
        upstream.destroy();
        client.destroy();
      });
      client.on('error', () => upstream.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      const up = pacedPipe(client, upstream, (chunk) => [{ bytes: chunk, bucket: isTls ? tlsUp : plainUp }]);
      pacedPipe(upstream, client, downSplitter(isTls));
      up.push(first);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listenPort ?? 0, opts.listenHost ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('pacing proxy: listening socket has no port');
  return {
    port: addr.port,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function usage(): string {
  return [
    'usage: tsx test/support/pacing-proxy.ts --listen HOST:PORT --target HOST:PORT [--listen .. --target ..]',
    '  [--tls-mbps N] [--plain-mbps N] [--tls-burst-bytes N] [--plain-burst-bytes N]',
    '  [--tls-upload-mbps N] [--plain-upload-mbps N] [--delayed-after-bytes N] [--delayed-after-ms N]',
    '  [--on-ms N --off-ms N]',
    '  [--high-entropy-mbps N] [--entropy-sample-bytes N] [--entropy-threshold N] [--entropy-per-flow]',
  ].join('\n');
}

function windowsOf(onMs: number | undefined, offMs: number | undefined): { onMs: number; offMs: number } | undefined {
  if (onMs === undefined && offMs === undefined) return undefined;
  if (!(onMs! > 0) || !(offMs! > 0)) throw new Error(`--on-ms and --off-ms go together, each above 0\n${usage()}`);
  return { onMs: onMs!, offMs: offMs! };
}

function splitHostPort(s: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(s);
  if (!m) throw new Error(`expected HOST:PORT, got ${s}\n${usage()}`);
  return { host: m[1]!, port: Number(m[2]) };
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      listen: { type: 'string', multiple: true },
      target: { type: 'string', multiple: true },
      'tls-mbps': { type: 'string' },
      'plain-mbps': { type: 'string' },
      'tls-burst-bytes': { type: 'string' },
      'plain-burst-bytes': { type: 'string' },
      'tls-upload-mbps': { type: 'string' },
      'plain-upload-mbps': { type: 'string' },
      'delayed-after-bytes': { type: 'string' },
      'delayed-after-ms': { type: 'string' },
      'on-ms': { type: 'string' },
      'off-ms': { type: 'string' },
      'high-entropy-mbps': { type: 'string' },
      'entropy-sample-bytes': { type: 'string' },
      'entropy-threshold': { type: 'string' },
      'entropy-per-flow': { type: 'boolean' },
    },
  });
  const listens = values.listen ?? [];
  const targets = values.target ?? [];
  if (listens.length === 0 || listens.length !== targets.length) {
    throw new Error(`need as many --listen as --target (got ${listens.length} and ${targets.length})\n${usage()}`);
  }
  const num = (k: keyof typeof values): number | undefined => {
    const v = values[k];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (typeof v !== 'string' || !Number.isFinite(n) || n < 0) throw new Error(`--${k} must be a number >= 0, got ${String(v)}`);
    return n;
  };
  const common = {
    tlsMbps: num('tls-mbps'),
    plainMbps: num('plain-mbps'),
    tlsBurstBytes: num('tls-burst-bytes'),
    plainBurstBytes: num('plain-burst-bytes'),
    tlsUploadMbps: num('tls-upload-mbps'),
    plainUploadMbps: num('plain-upload-mbps'),
    delayedAfterBytes: num('delayed-after-bytes'),
    delayedAfterMs: num('delayed-after-ms'),
    windowsMs: windowsOf(num('on-ms'), num('off-ms')),
    highEntropyMbps: num('high-entropy-mbps'),
    entropySampleBytes: num('entropy-sample-bytes'),
    entropyThresholdBitsPerByte: num('entropy-threshold'),
    entropyPerFlow: values['entropy-per-flow'] ?? false,
  };
  const proxies: PacingProxy[] = [];
  for (let i = 0; i < listens.length; i++) {
    const l = splitHostPort(listens[i]!);
    const t = splitHostPort(targets[i]!);
    const p = await startPacingProxy({ ...common, listenHost: l.host, listenPort: l.port, targetHost: t.host, targetPort: t.port });
    proxies.push(p);
    console.log(`pacing proxy listening on ${l.host}:${p.port} -> ${t.host}:${t.port}`);
  }
  const stop = () => {
    void Promise.all(proxies.map((p) => p.close())).then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  });
}
