// The held-out draw (held-out-draw.ts): the committed file is exactly what the committed seed
// draws, so the pre-registration cannot drift unseen, and a fresh draw (bench/accuracy.ts
// --fresh-draw) is another set from the same ranges under its own names. No network.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drawHeldOut } from './held-out-draw.js';
import { heldOutSpecs } from './held-out-scenarios.js';

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
});
