// Seeded random streams for the statistical tests (src/core/payload.ts xoshiro128), so every
// Monte Carlo figure a test pins is the same on every machine.
import { xoshiro128 } from '../../src/core/payload.js';

/** Uniforms in (0, 1), never 0 or 1 (so a log or Box-Muller of one stays finite). */
export function uniforms(seed: number): () => number {
  const next = xoshiro128(seed);
  return () => (next() + 0.5) / 2 ** 32;
}

/** Standard normals from a stream of uniforms (Box-Muller), two uniforms each. */
export function boxMuller(u: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** A seeded standard normal. */
export function normals(seed: number): () => number {
  return boxMuller(uniforms(seed));
}
