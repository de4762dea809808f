// The held-out draw (held-out-draw.ts): the committed file is exactly what the committed seed
// draws, so the pre-registration cannot drift unseen, and a fresh draw (bench/accuracy.ts
// --fresh-draw) is another set from the same ranges under its own names. No network.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drawHeldOut, WIDE_COUNTS } from './held-out-draw.js';
import { heldOutScenario, heldOutSpecs } from './held-out-scenarios.js';

describe('held-out draw', () => {
  it("the committed file is the committed seed's draw", () => {
    const file = JSON.parse(readFileSync(join(import.meta.dirname, 'held-out-scenarios.json'), 'utf8')) as { seed: number };
    expect(heldOutSpecs()).toEqual(drawHeldOut(file.seed));
    expect(drawHeldOut()).toEqual(heldOutSpecs());
  });

  it('a fresh draw holds other shaping from the same ranges, named apart', () => {
    const held = heldOutSpecs();
    const fresh = drawHeldOut(20261204, 'fd');
    expect(fresh.map((s) => s.kind)).toEqual(held.map((s) => s.kind));
    expect(fresh.every((s) => s.id.startsWith('fd-'))).toBe(true);
    expect(fresh.map((s) => s.seed)).not.toEqual(held.map((s) => s.seed));
    for (const s of fresh) {
      expect(s.lineMbps).toBeGreaterThanOrEqual(10);
      expect(s.lineMbps).toBeLessThanOrEqual(100);
      if (s.kind === 'bucket') expect(s.burstBytes).toBeGreaterThanOrEqual(0.5e6);
      if (s.kind === 'port' || s.kind === 'dpi' || s.kind === 'bucket') expect([1.5, 2, 3, 5]).toContain(s.factor);
    }
  });

  it('a wide draw adds the kinds the held-out set never holds, each built with its shaper', () => {
    const wide = drawHeldOut(8642, 'fw', WIDE_COUNTS);
    const count = (k: string) => wide.filter((s) => s.kind === k).length;
    for (const [kind, n] of Object.entries(WIDE_COUNTS)) expect(count(kind)).toBe(n);
    expect(wide.every((s) => s.id.startsWith('fw-'))).toBe(true);
    for (const spec of wide) {
      const scenario = heldOutScenario(spec);
      if (spec.kind !== 'none' && spec.kind !== 'delayed') expect([1.5, 2, 3, 5]).toContain(spec.factor);
      if (spec.kind === 'policer') {
        // The forwarder polices, so a policer needs the WAN lab, and its rate is a ceiling.
        expect(scenario.wan?.police).toEqual({ sourcePort: 443, mbps: scenario.truth.rateMbps, burstBytes: spec.burstBytes });
        expect(scenario.truth.rateIsCeiling).toBe(true);
        expect(spec.burstBytes).toBeLessThanOrEqual(512e3);
      }
      if (spec.kind === 'plaintext') expect(scenario.truth.verdict).toBe('plaintext-throttled');
      if (spec.kind === 'entropy') {
        expect(scenario.truth.cause).toBe('entropy');
        expect(scenario.fronts['443']).toMatchObject({ kind: 'pacing', options: { highEntropyMbps: scenario.truth.rateMbps } });
      }
      if (spec.kind === 'upload') {
        // The cap is the upstream line's fraction, and the upstream is no faster than the downstream.
        const upMbps = spec.upMbps ?? spec.lineMbps;
        expect(upMbps).toBeLessThanOrEqual(spec.lineMbps);
        expect(scenario.truth.rateMbps).toBeCloseTo(upMbps / spec.factor!, 1);
        expect(scenario.glasnostDirection).toBe('up');
        expect(scenario.shape).toBeTypeOf('function');
        if (spec.upMbps) expect(scenario.wan?.upMbps).toBe(spec.upMbps);
      }
    }
  });

  it("the wide draw leaves the held-out set's draw as it was", () => {
    // The new kinds draw after the old kinds' own draws, so the default counts give the same specs.
    expect(drawHeldOut(20261201)).toEqual(heldOutSpecs());
    expect(drawHeldOut(20261204, 'fd').map((s) => s.kind)).not.toContain('policer');
  });
});

