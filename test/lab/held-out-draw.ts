// Draws the accuracy benchmark's held-out scenarios once, from a committed seed, and writes
// them as data (held-out-scenarios.json). They are drawn before the stopping rule is tuned and
// no tuning looks at them: `npm run bench:accuracy -- --held-out` scores them apart from the
// tuning set (scenarios.ts), so a rule fitted to the lab's own scenarios cannot hide there.
//   npx tsx test/lab/held-out-draw.ts          # prints the draw; --write replaces the file
// The seed and the ranges below are the pre-registration; changing either is a new draw and
// must be said so in bench/RESULTS.md.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { xoshiro128 } from '../../src/core/payload.js';
import type { HeldOutSpec } from './held-out-scenarios.js';

const SEED = 20261201;
/** Per kind: how many scenarios. Unshaped lines weigh most: false findings are the costly error. */
const COUNTS: Partial<Record<HeldOutSpec['kind'], number>> = { none: 6, port: 6, dpi: 2, bucket: 1, delayed: 1 };
/**
 * A wide draw (`bench/accuracy.ts --fresh-draw SEED --wide`) adds kinds of shaping the held-out
 * set never drew: a policer that drops rather than queues, a classifier of random-looking
 * payloads (per packet or per flow), an upload cap, and plain HTTP slowed instead of TLS. The
 * held-out set keeps its own five kinds: its draw is the pre-registration.
 */
export const WIDE_COUNTS: Partial<Record<HeldOutSpec['kind'], number>> = {
  none: 5,
  port: 3,
  dpi: 1,
  bucket: 1,
  delayed: 1,
  policer: 2,
  entropy: 2,
  upload: 2,
  plaintext: 1,
};
/** Throttling factors, drawn from the goal's grid (1.5x must reach 80%, 2x and more 95%). */
const FACTORS = [1.5, 2, 3, 5];

/** `prefix` names a draw's scenarios: `ho` for the held-out set, another for a fresh draw. */
export function drawHeldOut(seed = SEED, prefix = 'ho', counts = COUNTS): HeldOutSpec[] {
  const next = xoshiro128(seed);
  const u = () => next() / 2 ** 32;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(u() * xs.length)]!;
  const logUniform = (lo: number, hi: number) => Math.exp(Math.log(lo) + u() * (Math.log(hi) - Math.log(lo)));
  const specs: HeldOutSpec[] = [];
  for (const [kind, count] of Object.entries(counts) as [HeldOutSpec['kind'], number][]) {
    for (let i = 0; i < count; i++) {
      // Half on the WAN lab (delay and loss, no cross traffic), half on the throttle lab
      // (cross traffic and drift at 0.2 ms); the DPI proxy and the delayed throttle run on either.
      // The policer lives in the WAN lab's forwarder (wan-forwarder.c), so it runs there only.
      const wan = (u() < 0.5 || kind === 'policer') && kind !== 'bucket';
      const lineMbps = Math.round(logUniform(10, 100));
      const spec: HeldOutSpec = {
        id: '',
        kind,
        lineMbps,
        diagnose: u() < 0.25,
        seed: Math.floor(u() * 2 ** 31),
      };
      if (wan) {
        spec.rttMs = Math.round(logUniform(10, 150));
        spec.lossPct = pick([0, 0.1, 0.5, 1]);
      }
      if (kind === 'port' || kind === 'dpi' || kind === 'bucket') spec.factor = pick(FACTORS);
      if (kind === 'bucket') spec.burstBytes = Math.round(logUniform(0.5e6, 4e6));
      // The wide draw's kinds draw after the five kinds' own draws, so those stay as they were.
      if (kind === 'policer' || kind === 'entropy' || kind === 'upload' || kind === 'plaintext') spec.factor = pick(FACTORS);
      // A policer's burst: tens to hundreds of KB, where the drops start within a transfer
      // (a burst of seconds at the policed rate is a bucket, above).
      if (kind === 'policer') spec.burstBytes = Math.round(logUniform(16e3, 512e3));
      if (kind === 'entropy') spec.entropyPerFlow = u() < 0.5;
      // Upstream lines are slower than downstream ones on most home lines (cable, DSL).
      if (kind === 'upload' && wan) spec.upMbps = Math.max(2, Math.round(lineMbps / pick([1, 2, 5, 10])));
      if (kind === 'delayed') {
        spec.factor = 20 / 1.5;
        spec.delayedAfterBytes = Math.round(logUniform(1e6, 7e6));
      }
      spec.id = `${prefix}-${specs.length + 1}-${kind}-${lineMbps}m${wan ? `-${spec.rttMs}ms-${String(spec.lossPct).replace('.', 'p')}pct` : ''}${spec.factor && kind !== 'delayed' ? `-${spec.factor}x` : ''}`;
      specs.push(spec);
    }
  }
  return specs;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const specs = drawHeldOut();
  const text = `${JSON.stringify({ seed: SEED, drawnBy: 'test/lab/held-out-draw.ts', scenarios: specs }, null, 1)}\n`;
  if (process.argv.includes('--write')) writeFileSync(join(import.meta.dirname, 'held-out-scenarios.json'), text);
  else process.stdout.write(text);
}
