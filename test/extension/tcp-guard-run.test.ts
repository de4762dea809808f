// A whole run through the extension's fetch (src/extension/platform/extension-io.ts) against a
// mirror whose TLS side moves to HTTP/3 after the pre-use check, as a browser does once it has
// read the server's `Alt-Svc: h3` and opens a new connection. The run must end, with the reason,
// rather than compare QUIC with TCP. The browser's side of it, QUIC from the first request, is
// test/lab/mirror/mirror-quic.test.ts in Chromium against Caddy.
import { describe, expect, it } from 'vitest';
import { runMeasurement, type RunOptions } from '../../src/core/runner.js';
import { extensionFetch, type TimingEntryLike, type TimingSource } from '../../src/extension/platform/extension-io.js';
import { fakeMirror, FILE_URL, nodeSha256 } from '../support/fake-mirror.js';

const OPTS: RunOptions = { url: FILE_URL, diagnose: 'auto', budgetBytes: 60e6, maxDurationMs: 60_000, seed: 1 };

/** Resource Timing as a browser fills it: TLS requests after the first `tcpRequests` went over h3. */
function browserTiming(tcpRequests: number): TimingSource & { protocols: string[] } {
  const protocols: string[] = [];
  const entries = new Map<string, TimingEntryLike>();
  return {
    protocols,
    getEntriesByName(name) {
      let e = entries.get(name);
      if (!e) {
        const tls = name.startsWith('https:');
        const protocol = !tls ? 'http/1.1' : protocols.filter((p) => p !== 'http/1.1').length < tcpRequests ? 'h2' : 'h3';
        protocols.push(protocol);
        e = { name, nextHopProtocol: protocol, secureConnectionStart: tls ? 5 : 0 };
        entries.set(name, e);
      }
      return [e];
    },
    clearResourceTimings: () => entries.clear(),
  };
}

async function run(tcpRequests: number) {
  const m = fakeMirror({ fileBytes: 1_000_000_000 });
  const timing = browserTiming(tcpRequests);
  let t = 0;
  const clock = { now: () => (t += 2) };
  const fetch = extensionFetch(m.fetch as unknown as typeof globalThis.fetch, timing);
  const result = await runMeasurement({ fetch, clock, hasher: nodeSha256, random: () => 0.25 }, OPTS);
  return { result, timing };
}

describe('a run whose TLS leg the browser moves to HTTP/3', () => {
  it('ends as failed with not-tcp and the URL, after the check saw TCP', async () => {
    const { result, timing } = await run(1);
    expect(result.verdict).toBe('failed');
    expect(result.error?.code).toBe('not-tcp');
    expect(result.error?.detail).toMatch(/^https:\/\/mirror\.test\/pub\/big\.iso went over h3 .*compare transports, not encryption$/);
    expect(result.rounds).toBe(0);
    // The check's TLS request went over h2; the first TLS transfer of the run was the h3 one.
    expect(timing.protocols.filter((p) => p !== 'http/1.1')).toEqual(['h2', 'h3']);
  });

  it('ends as failed with not-tcp when the run\'s own check of the mirror already went over h3', async () => {
    // The server choice's check saw TCP; by the run's check the browser had learnt HTTP/3.
    const { result } = await run(0);
    expect(result.verdict).toBe('failed');
    expect(result.error?.code).toBe('not-tcp');
    expect(result.error?.detail).toMatch(/went over h3/);
  });

  it('measures as usual while every TLS request stays on TCP', async () => {
    const { result } = await run(Number.POSITIVE_INFINITY);
    expect(result.verdict).not.toBe('failed');
    expect(result.rounds).toBeGreaterThan(0);
  });
});
