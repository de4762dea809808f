// Rules of the method that the lab's real shaping showed wrong, pinned as unit tests next to
// the lab (the numbers are from the runs that showed them; see scenarios.ts).
import { describe, expect, it } from 'vitest';
import { withWallClockIfUntimed } from '../../src/core/transfer.js';
import type { TransferSample } from '../../src/core/transfer.js';
import type { Comparison } from '../../src/core/types.js';
import { diagnoseCause } from '../../src/core/decision.js';

function pair(id: string, outcome: Comparison['outcome']): Comparison {
  return { id, suspectLeg: 's', referenceLeg: 'r', ratio: 1, ci95: [1, 1], pValue: 1, rounds: 6, outcome };
}

function upload(bytes: number, durationMs: number, timedBytes: number): TransferSample {
  return { bytes, durationMs, mbps: (timedBytes * 8) / (durationMs * 1000), ttfbMs: 0, bins: [], binMs: 100, middleboxHeaders: [] };
}

describe('cause when one diagnosis pair stays unclear', () => {
  it('is port when HTTP on the TLS port is slower and the protocol pair is unclear (a-port under cross traffic)', () => {
    expect(diagnoseCause({ 'protocol-on-plain-port': pair('p', 'unclear'), 'port-for-plaintext': pair('q', 'slower') })).toBe('port');
  });

  it('is protocol when TLS on the plain port is slower and the port pair is unclear', () => {
    expect(diagnoseCause({ 'protocol-on-plain-port': pair('p', 'slower'), 'port-for-plaintext': pair('q', 'unclear') })).toBe('protocol');
  });

  it('stays unknown when both pairs are slower', () => {
    expect(diagnoseCause({ 'protocol-on-plain-port': pair('p', 'slower'), 'port-for-plaintext': pair('q', 'slower') })).toBe('unknown');
  });
});

describe('upload goodput when the server could time little of the body', () => {
  it('takes the wall time when one 16 kB TLS record carried almost all of a 16 kB upload', () => {
    // The lab: 16384 bytes through an 80 kbit/s class, server-timed at 51 Mbit/s over 1 kB.
    const s = withWallClockIfUntimed(upload(16_384, 0.16, 1024), 1640);
    expect(s.durationMs).toBe(1640);
    expect(s.mbps).toBeCloseTo(0.0799, 3);
  });

  it("keeps the server's timing when most of the body was timed", () => {
    const sample = upload(2_000_000, 400, 1_984_000);
    expect(withWallClockIfUntimed(sample, 450)).toBe(sample);
  });

  it("keeps the server's timing when there is no wall time to use", () => {
    const sample = upload(16_384, 0.16, 1024);
    expect(withWallClockIfUntimed(sample, 0)).toBe(sample);
  });
});
