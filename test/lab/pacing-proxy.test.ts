// The lab's DPI shaper on loopback (no root needed): it must classify connections by their
// first byte and pace them at the rate it is given, or every lab verdict built on it is moot.
// Rates are asserted as ratios to the configured rate (within 10%), never as absolute speeds.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createServer, connect, type Server } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devCertificate } from '../../src/server/dev-ca.js';
import { startEndpointServer, type EndpointServer } from '../../src/server/endpoint-server.js';
import { byteEntropyBitsPerByte, startPacingProxy, TokenBucket, type PacingProxyOptions } from '../support/pacing-proxy.js';

let dataDir: string;
let ca: string;
let endpoint: EndpointServer;
let endpointPort: number;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pacing-proxy-'));
  const dev = await devCertificate(dataDir, ['127.0.0.1']);
  ca = await readFile(dev.caPath, 'utf8');
  endpoint = await startEndpointServer({
    host: '127.0.0.1',
    ports: [0],
    certPem: dev.certPem,
    keyPem: dev.keyPem,
    version: 'test',
    skipCapacityCheck: true,
  });
  endpointPort = endpoint.ports[0]!;
});

afterAll(async () => {
  await endpoint?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Timed {
  bytes: number;
  /** Milliseconds from the first body byte to the moment `markBytes` body bytes had arrived. */
  markMs: number;
  /** Milliseconds from the first body byte to the last. */
  ms: number;
}

function mbps(bytes: number, ms: number): number {
  return (bytes * 8) / (ms * 1000);
}

/** GETs a payload through the proxy and times its body, first byte to last (on a new connection unless an agent keeps one). */
function download(scheme: 'http' | 'https', port: number, bytes: number, kind = 'random', markBytes = 0, agent: HttpsAgent | false = false): Promise<Timed> {
  const req = scheme === 'https' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = req(
      { host: '127.0.0.1', port, path: `/payload?bytes=${bytes}&kind=${kind}&seed=7`, ca, agent, servername: undefined },
      (res) => {
        let got = 0;
        let firstMs = -1;
        let markMs = -1;
        res.on('data', (c: Buffer) => {
          const t = performance.now();
          if (firstMs < 0) firstMs = t;
          got += c.length;
          if (markMs < 0 && markBytes > 0 && got >= markBytes) markMs = t - firstMs;
        });
        res.on('end', () => resolve({ bytes: got, markMs, ms: performance.now() - firstMs }));
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end();
  });
}

/** A measured rate close to the rate it was paced at: at least `low` of it, under 1.1 times it. */
function expectPacedAt(measuredMbps: number, rateMbps: number, low = 0.9): void {
  expect(measuredMbps / rateMbps).toBeGreaterThan(low);
  expect(measuredMbps / rateMbps).toBeLessThan(1.1);
}

async function withProxy<T>(opts: Omit<PacingProxyOptions, 'targetHost' | 'targetPort'>, fn: (port: number) => Promise<T>): Promise<T> {
  const proxy = await startPacingProxy({ targetHost: '127.0.0.1', targetPort: endpointPort, ...opts });
  try {
    return await fn(proxy.port);
  } finally {
    await proxy.close();
  }
}

describe('pacing proxy', () => {
  it('paces TLS connections at the TLS class rate and leaves plaintext on the same port unpaced', async () => {
    await withProxy({ tlsMbps: 10 }, async (port) => {
      const tls = await download('https', port, 2_500_000);
      const plain = await download('http', port, 2_500_000);
      expect(tls.bytes).toBe(2_500_000);
      expectPacedAt(mbps(tls.bytes, tls.ms), 10);
      expect(mbps(plain.bytes, plain.ms) / mbps(tls.bytes, tls.ms)).toBeGreaterThan(3);
    });
  });

  it('paces plaintext connections at the plaintext class rate and leaves TLS unpaced', async () => {
    await withProxy({ plainMbps: 8 }, async (port) => {
      const plain = await download('http', port, 2_000_000);
      const tls = await download('https', port, 2_000_000);
      expectPacedAt(mbps(plain.bytes, plain.ms), 8);
      expect(mbps(tls.bytes, tls.ms) / mbps(plain.bytes, plain.ms)).toBeGreaterThan(3);
    });
  });

  it('lets a full bucket through at once and then holds the rate (a tbf-like burst)', async () => {
    await withProxy({ tlsMbps: 8, tlsBurstBytes: 1_000_000 }, async (port) => {
      const t = await download('https', port, 3_000_000, 'random', 1_000_000);
      // At 8 Mbit/s the first 1 MB would take 1000 ms; from a full bucket it takes a fraction.
      expect(t.markMs).toBeLessThan(300);
      expectPacedAt(mbps(t.bytes - 1_000_000, t.ms - t.markMs), 8);
    });
  });

  it('delays throttling until a flow has carried delayedAfterBytes', async () => {
    await withProxy({ tlsMbps: 8, delayedAfterBytes: 1_500_000 }, async (port) => {
      const t = await download('https', port, 3_500_000, 'random', 1_500_000);
      expect(t.markMs).toBeLessThan(400);
      expectPacedAt(mbps(t.bytes - 1_500_000, t.ms - t.markMs), 8);
    });
  });

  it('throttles a flow once it is delayedAfterMs old, whatever it carried, and a new flow starts free', async () => {
    await withProxy({ tlsMbps: 8, delayedAfterMs: 800 }, async (port) => {
      const kept = new HttpsAgent({ keepAlive: true, maxSockets: 1 });
      try {
        const young = await download('https', port, 1_000_000, 'random', 0, kept);
        expect(mbps(young.bytes, young.ms) / 8).toBeGreaterThan(3);
        await new Promise((r) => setTimeout(r, 900));
        const old = await download('https', port, 1_000_000, 'random', 0, kept);
        expectPacedAt(mbps(old.bytes, old.ms), 8);
        const fresh = await download('https', port, 1_000_000);
        expect(mbps(fresh.bytes, fresh.ms) / 8).toBeGreaterThan(3);
      } finally {
        kept.destroy();
      }
    });
  });

  it('throttles TLS only in its windows of the clock, every flow alike, and plaintext never', async () => {
    const started = performance.now();
    await withProxy({ tlsMbps: 8, windowsMs: { onMs: 1500, offMs: 1500 } }, async (port) => {
      const until = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, started + ms - performance.now())));
      const kept = new HttpsAgent({ keepAlive: true, maxSockets: 1 });
      try {
        // On: 0.6 MB at 8 Mbit/s takes 0.6 s, inside the first window.
        const on = await download('https', port, 600_000, 'random', 0, kept);
        expectPacedAt(mbps(on.bytes, on.ms), 8, 0.85);
        const plain = await download('http', port, 600_000);
        expect(mbps(plain.bytes, plain.ms) / 8).toBeGreaterThan(3);
        // Off: the same kept connection runs free.
        await until(1700);
        const off = await download('https', port, 600_000, 'random', 0, kept);
        expect(performance.now() - started).toBeLessThan(3000);
        expect(mbps(off.bytes, off.ms) / 8).toBeGreaterThan(3);
        // On again, for a new connection too.
        await until(3100);
        const again = await download('https', port, 600_000);
        expectPacedAt(mbps(again.bytes, again.ms), 8, 0.85);
      } finally {
        kept.destroy();
      }
    });
  });

  it('paces plaintext responses whose body looks random, not those that look like text', async () => {
    await withProxy({ highEntropyMbps: 8 }, async (port) => {
      const random = await download('http', port, 2_000_000, 'random');
      const text = await download('http', port, 2_000_000, 'text');
      expectPacedAt(mbps(random.bytes, random.ms), 8);
      expect(mbps(text.bytes, text.ms) / mbps(random.bytes, random.ms)).toBeGreaterThan(3);
    });
  });

  it('paces TLS uploads at the upload rate', async () => {
    await withProxy({ tlsUploadMbps: 4 }, async (port) => {
      const bytes = 1_000_000;
      const body = Buffer.alloc(bytes, 0x5a);
      const t0 = performance.now();
      const answer = await new Promise<string>((resolve, reject) => {
        const r = httpsRequest(
          { host: '127.0.0.1', port, path: '/upload', method: 'POST', ca, agent: false, headers: { 'content-length': bytes } },
          (res) => {
            let s = '';
            res.on('data', (c: Buffer) => (s += c.toString()));
            res.on('end', () => resolve(s));
          },
        );
        r.on('error', reject);
        r.end(body);
      });
      const ms = performance.now() - t0;
      expect(JSON.parse(answer).bytes).toBe(bytes);
      expectPacedAt(mbps(bytes, ms), 4, 0.85);
    });
  });

  it('holds back a fast sender instead of buffering its whole stream', async () => {
    // A raw sender that writes 64 MB as fast as the socket accepts it.
    let accepted = 0;
    const sender: Server = createServer((s) => {
      s.on('error', () => undefined);
      s.once('data', () => {
        const chunk = Buffer.alloc(64 * 1024, 0x41);
        const more = () => {
          while (accepted < 64 * 1024 * 1024) {
            accepted += chunk.length;
            if (!s.write(chunk)) return void s.once('drain', more);
          }
          s.end();
        };
        more();
      });
    });
    await new Promise<void>((r) => sender.listen(0, '127.0.0.1', () => r()));
    const senderPort = (sender.address() as { port: number }).port;
    const proxy = await startPacingProxy({ targetHost: '127.0.0.1', targetPort: senderPort, plainMbps: 4 });
    try {
      const c = connect({ host: '127.0.0.1', port: proxy.port });
      let received = 0;
      c.on('data', (b: Buffer) => (received += b.length));
      c.write('GET / HTTP/1.1\r\n\r\n');
      await new Promise((r) => setTimeout(r, 1500));
      c.destroy();
      // 1.5 s at 4 Mbit/s is 750 kB; kernel socket buffers hold a few MB more, the proxy one chunk.
      expect(received).toBeLessThan(1_000_000);
      expect(accepted).toBeLessThan(24 * 1024 * 1024);
    } finally {
      await proxy.close();
      await new Promise<void>((r) => sender.close(() => r()));
    }
  });

  it('counts connections by their first byte', async () => {
    const proxy = await startPacingProxy({ targetHost: '127.0.0.1', targetPort: endpointPort });
    try {
      await download('https', proxy.port, 1000);
      await download('http', proxy.port, 1000);
      await download('http', proxy.port, 1000);
      expect(proxy.stats).toMatchObject({ tlsConnections: 1, plainConnections: 2 });
    } finally {
      await proxy.close();
    }
  });
});

/** GETs payloads one after another over one kept-alive connection; rate of each body. */
async function sameConnection(port: number, kinds: ('random' | 'text')[], bytes: number): Promise<number[]> {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  const rates: number[] = [];
  try {
    for (const kind of kinds) {
      rates.push(
        await new Promise<number>((resolve, reject) => {
          const r = httpRequest({ host: '127.0.0.1', port, path: `/payload?bytes=${bytes}&kind=${kind}&seed=7`, agent }, (res) => {
            let got = 0;
            let firstMs = -1;
            res.on('data', (c: Buffer) => {
              if (firstMs < 0) firstMs = performance.now();
              got += c.length;
            });
            res.on('end', () => resolve(mbps(got, performance.now() - firstMs)));
            res.on('error', reject);
          });
          r.on('error', reject);
          r.end();
        }),
      );
    }
  } finally {
    agent.destroy();
  }
  return rates;
}

describe('flow entropy classifier', () => {
  it('paces a text response on a connection whose first response looked random', async () => {
    await withProxy({ highEntropyMbps: 8, entropyPerFlow: true }, async (port) => {
      const [random, text] = await sameConnection(port, ['random', 'text'], 1_500_000);
      expectPacedAt(random!, 8, 0.85);
      expectPacedAt(text!, 8, 0.85);
    });
  });

  it('leaves a random response unpaced on a connection whose first response was text', async () => {
    await withProxy({ highEntropyMbps: 8, entropyPerFlow: true }, async (port) => {
      const [text, random] = await sameConnection(port, ['text', 'random'], 1_500_000);
      expect(text! / 8).toBeGreaterThan(3);
      expect(random! / 8).toBeGreaterThan(3);
    });
  });

  it('classifies each response on its own without entropyPerFlow (the difference the flow mode makes)', async () => {
    await withProxy({ highEntropyMbps: 8 }, async (port) => {
      const [random, text] = await sameConnection(port, ['random', 'text'], 1_500_000);
      expect(random! / 8).toBeLessThan(1.1);
      expect(text! / 8).toBeGreaterThan(3);
    });
  });
});

describe('token bucket', () => {
  it('grants a full bucket at once, then only what the rate has refilled', () => {
    let nowMs = 0;
    const b = new TokenBucket(8, 100_000, () => nowMs); // 8 Mbit/s = 1000 bytes per ms
    expect(b.take(100_000).grantedBytes).toBe(100_000);
    const empty = b.take(10_000);
    expect(empty.grantedBytes).toBe(0);
    expect(empty.waitMs).toBeCloseTo(5, 5); // one 5 ms slice = 5000 bytes
    nowMs = 20;
    expect(b.take(100_000).grantedBytes).toBe(20_000);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => new TokenBucket(0, undefined)).toThrow(/0 Mbit\/s/);
  });
});

describe('byte entropy', () => {
  it('is 8 bits for every byte value equally often and 0 for one repeated byte', () => {
    const all = new Uint8Array(256 * 16).map((_, i) => i % 256);
    expect(byteEntropyBitsPerByte(all)).toBeCloseTo(8, 10);
    expect(byteEntropyBitsPerByte(new Uint8Array(4096).fill(65))).toBe(0);
  });

  it('is 0 for an empty sample', () => {
    expect(byteEntropyBitsPerByte(new Uint8Array(0))).toBe(0);
  });
});
