// The simulated line the stopping-rule simulation (bench/sim-stopping.ts) and many runner tests
// stand on: its token bucket and its slow start, checked against a hand calculation.
import { describe, expect, it } from 'vitest';
import { simNetwork, slowStartSendMs } from '../support/sim-network.js';

async function download(net: ReturnType<typeof simNetwork>, url: string): Promise<{ bytes: number; ms: number }> {
  const res = await net.fetch(url, { method: 'GET' });
  const reader = res.body!.getReader();
  const started = net.clock.now();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value!.length;
  }
  return { bytes, ms: net.clock.now() - started };
}

describe('the simulated line', () => {
  it('starts a transfer in slow start: ten segments, doubling every round trip, up to the line', () => {
    // 14 600 bytes fit the first round trip; 43 800 need a second (14 600 + 29 200).
    expect(slowStartSendMs(14_600, 100, 100)).toBeCloseTo(100, 6);
    expect(slowStartSendMs(43_800, 100, 100)).toBeCloseTo(200, 6);
    // Where the line, not the window, is the limit from the start: bytes over rate.
    expect(slowStartSendMs(1_000_000, 1, 10)).toBeCloseTo(8_000, 6);
  });

  it('refuses a noise that could draw a rate of zero or less, where a transfer would never end', () => {
    expect(() => simNetwork({ legs: { 'https-443': { mbps: 10, upNoise: 1.5 } } })).toThrow(/noise 1.5/);
    expect(() => simNetwork({ legs: { 'http-80': { mbps: 10, noise: 1 } } })).toThrow(/must lie in \[0, 1\)/);
    expect(() => simNetwork({ legs: { 'http-80': { mbps: 10, noise: 0.9, upNoise: 0 } } })).not.toThrow();
  });

  it('times an upload from slow start on a path with a round trip', async () => {
    const net = simNetwork({ rttMs: 100, legs: { 'https-443': { mbps: 100 } } });
    const res = await net.fetch('https://endpoint.test/upload', { method: 'POST', body: new Uint8Array(43_800) });
    const echo = JSON.parse(await res.text()) as { firstByteMs: number; lastByteMs: number };
    expect(echo.lastByteMs - echo.firstByteMs).toBeCloseTo(200, 6);
  });

  it('lets a token bucket burst at the line and then holds the leg to the bucket rate', async () => {
    // 1 MB of tokens refilling at 10 Mbit/s on a 50 Mbit/s line: the tokens drain at 40 Mbit/s
    // (5 MB/s), so the burst lasts 0.2 s and carries 1.25 MB; the other 1.75 MB of a 3 MB
    // transfer then take 1.4 s at 10 Mbit/s: 1.6 s in all.
    const net = simNetwork({ legs: { 'https-443': { mbps: 50, burstBytes: 1_000_000, bucketMbps: 10 } } });
    const t = await download(net, 'https://endpoint.test/payload?bytes=3000000&kind=random');
    expect(t.bytes).toBe(3_000_000);
    expect(t.ms).toBeGreaterThan(1_550);
    expect(t.ms).toBeLessThan(1_650);
    // Idle for 0.5 s the bucket gathers 0.625 MB; a transfer that fits in what it holds runs at the line.
    net.clock.advance(500);
    const short = await download(net, 'https://endpoint.test/payload?bytes=500000&kind=random');
    expect(short.ms).toBeCloseTo(80, 0);
  });
});
