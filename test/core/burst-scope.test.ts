// "No difference" names the size of the downloads it compared (decision-notes.ts burstScopeNotes): a
// token bucket on TLS deeper than one transfer, refilling while the leg waits, passes every
// transfer at the line's rate (docs/method.md, "What the method cannot see").
import { describe, expect, it } from 'vitest';
import { xoshiro128 } from '../../src/core/payload.js';
import { runMeasurement } from '../../src/core/runner.js';
import { noteText } from '../../src/cli/note-text.js';
import type { Note } from '../../src/core/notes.js';
import type { Result } from '../../src/core/types.js';
import { simNetwork, sumHasher, type SimLeg } from '../support/sim-network.js';

const LINE_MBPS = 50;

async function run(port443: SimLeg, seed: number): Promise<Result> {
  const line: SimLeg = { mbps: LINE_MBPS, noise: 0.05 };
  // Both port-443 legs draw on one bucket, as a tbf on the port would (bench/sim-stopping.ts --bucket).
  const net = simNetwork({ seed, rttMs: 20, legs: { 'https-443': port443, 'http-443': port443, 'http-80': line, 'https-80': line } });
  const rnd = xoshiro128(seed);
  return runMeasurement(
    { fetch: net.fetch, clock: net.clock, hasher: sumHasher, random: () => rnd() / 2 ** 32 },
    { url: 'https://endpoint.test/', diagnose: 'auto', budgetBytes: 60e6, capBytes: 250e6, maxDurationMs: 60_000, capDurationMs: 120_000, seed },
  );
}

function burstScope(result: Result): Extract<Note, { code: 'burst-scope' }> | undefined {
  const note = result.warnings.find((w) => w.code === 'burst-scope');
  return note?.code === 'burst-scope' ? note : undefined;
}

function tlsTransferBytes(result: Result): number[] {
  const leg = result.legs.find((l) => l.id === result.comparisons.find((c) => c.id === 'screen')?.suspectLeg);
  return (leg?.transfers ?? []).map((t) => t.bytes);
}

describe('what a "no difference" covers', () => {
  it('names the size of the encrypted downloads it compared', async () => {
    const result = await run({ mbps: LINE_MBPS, noise: 0.05 }, 4);
    expect(result.verdict).toBe('no-difference');
    const note = burstScope(result);
    expect(note).toBeDefined();
    if (!note) return;
    const sizes = tlsTransferBytes(result);
    expect(note.transferBytes).toBeGreaterThanOrEqual(Math.min(...sizes));
    expect(note.transferBytes).toBeLessThanOrEqual(Math.max(...sizes));
    expect(note.rounds).toBeGreaterThan(0);
    expect(note.rounds).toBeLessThanOrEqual(sizes.length);
    // About 200 ms at 50 Mbit/s (sizer.ts): near 1.25 MB, not the ramp's first 128 KiB.
    expect(note.transferBytes).toBeGreaterThan(0.5e6);
    expect(note.transferBytes).toBeLessThan(3e6);
    expect(noteText(note)).toMatch(/^the encrypted downloads were about \d+(\.\d+)? MB each \(median of \d+\), with pauses between them: a limit that lets about that much/);
  });

  it('is what a bucket deeper than a transfer leaves unseen', async () => {
    // Port 443 in a 3 MB token bucket earning half the line's rate: every transfer fits in it.
    const bucket: SimLeg = { mbps: LINE_MBPS, noise: 0.05, burstBytes: 3e6, bucketMbps: LINE_MBPS / 2 };
    const result = await run(bucket, 4);
    expect(result.verdict).toBe('no-difference');
    const note = burstScope(result);
    expect(note).toBeDefined();
    expect(note!.transferBytes).toBeLessThan(3e6);
  });

  it('is not added to a finding', async () => {
    const result = await run({ mbps: LINE_MBPS / 3, noise: 0.05 }, 4);
    expect(result.verdict).toBe('tls-throttled');
    expect(burstScope(result)).toBeUndefined();
  });
});

describe('the CLI words for it', () => {
  it('keeps two significant digits at any size', () => {
    const text = (transferBytes: number) => noteText({ code: 'burst-scope', transferBytes, rounds: 12 });
    expect(text(352_000)).toContain('about 0.35 MB each');
    expect(text(1_250_000)).toContain('about 1.3 MB each');
    expect(text(24_100_000)).toContain('about 24 MB each');
  });
});
