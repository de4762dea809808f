// The held-out set (held-out-draw.ts drew it once; held-out-scenarios.json is the draw): each
// drawn spec as a lab Scenario, built with the same shapers as the tuning set (scenarios.ts,
// wan-scenarios.ts). `npm run bench:accuracy -- --held-out` runs these instead of the tuning set.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addShapedClass, LINE_DOWN_DEV, LINE_UP_DEV, NS } from './lab-net.js';
import type { Front } from './lab-server.js';
import { NO_NOISE } from './run-scenario.js';
import type { Scenario } from './scenarios.js';
import { WAN_DOWN_DEV, WAN_NS, WAN_UP_DEV } from './wan-net.js';

export interface HeldOutSpec {
  id: string;
  /** The held-out set's five kinds, then those only a wide fresh draw holds (held-out-draw.ts). */
  kind: 'none' | 'port' | 'dpi' | 'bucket' | 'delayed' | 'policer' | 'entropy' | 'upload' | 'plaintext';
  lineMbps: number;
  /** The upstream line's rate where it differs from lineMbps (the WAN lab's upload kind). */
  upMbps?: number;
  /** Line rate over the throttled rate (for an upload cap, the upstream line's). */
  factor?: number;
  /** A token bucket's depth, or a policer's burst. */
  burstBytes?: number;
  /** The entropy classifier keys on a connection's first body bytes, not on each packet. */
  entropyPerFlow?: boolean;
  delayedAfterBytes?: number;
  /** Present: the WAN lab with this path; absent: the throttle lab with cross traffic. */
  rttMs?: number;
  lossPct?: number;
  diagnose: boolean;
  /** The run's seed: the lab's cross traffic, drift and loss draw from it. */
  seed: number;
}

type PacingFront = Extract<Front, { kind: 'pacing' }>;

const round1 = (x: number) => Math.round(x * 10) / 10;

export function heldOutScenario(s: HeldOutSpec): Scenario {
  const policedMbps = s.kind === 'policer' ? round1(s.lineMbps / s.factor!) : undefined;
  const wan =
    s.rttMs !== undefined
      ? {
          rttMs: s.rttMs,
          lossPct: s.lossPct ?? 0,
          ...(s.upMbps ? { upMbps: s.upMbps } : {}),
          ...(policedMbps ? { police: { sourcePort: 443, mbps: policedMbps, burstBytes: s.burstBytes! } } : {}),
        }
      : undefined;
  const upLineMbps = s.upMbps ?? s.lineMbps;
  const shapedMbps = s.factor ? round1((s.kind === 'upload' ? upLineMbps : s.lineMbps) / s.factor) : undefined;
  const base = {
    id: s.id,
    lineMbps: s.lineMbps,
    diagnose: s.diagnose,
    fronts: {},
    seed: s.seed,
    ...(wan ? { wan, noise: NO_NOISE } : {}),
  };
  const where = wan ? `${wan.rttMs} ms RTT, ${wan.lossPct}% loss` : 'cross traffic';
  const ns = wan ? WAN_NS.rtr : NS.srv;
  const dev = wan ? WAN_DOWN_DEV : LINE_DOWN_DEV;
  /** The same userland shaper on both public ports: it keys on what it sees, not the port. */
  const pacing = (options: PacingFront['options']): Scenario['fronts'] => ({ '80': { kind: 'pacing', options }, '443': { kind: 'pacing', options } });
  switch (s.kind) {
    case 'none':
      return { ...base, title: `held out: no shaping, ${s.lineMbps} Mbit/s, ${where}`, truth: { verdict: 'no-difference' } };
    case 'port':
      return {
        ...base,
        title: `held out: htb on source port 443, ${shapedMbps} of ${s.lineMbps} Mbit/s, ${where}`,
        truth: { verdict: 'tls-throttled', rateMbps: shapedMbps, factor: s.factor },
        shape: () => addShapedClass({ ns, dev, mbps: shapedMbps!, match: 'ip sport 443 0xffff' }),
      };
    case 'bucket':
      return {
        ...base,
        title: `held out: tbf on port 443, ${shapedMbps} of ${s.lineMbps} Mbit/s with a ${round1(s.burstBytes! / 1e6)} MB bucket, ${where}`,
        truth: { verdict: 'tls-throttled', rateMbps: shapedMbps, burstBytes: s.burstBytes, factor: s.factor },
        shape: () => addShapedClass({ ns, dev, mbps: shapedMbps!, match: 'ip sport 443 0xffff', tbfBurstBytes: s.burstBytes }),
      };
    case 'dpi':
      return {
        ...base,
        title: `held out: DPI proxy pacing TLS on any port, ${shapedMbps} of ${s.lineMbps} Mbit/s, ${where}`,
        truth: { verdict: 'tls-throttled', rateMbps: shapedMbps, factor: s.factor },
        fronts: pacing({ tlsMbps: shapedMbps }),
      };
    case 'delayed':
      return {
        ...base,
        title: `held out: TLS flows drop to 1.5 Mbit/s after ${round1(s.delayedAfterBytes! / 1e6)} MB, ${s.lineMbps} Mbit/s line, ${where}`,
        truth: { verdict: 'tls-throttled', rateMbps: 1.5 },
        fronts: pacing({ tlsMbps: 1.5, delayedAfterBytes: s.delayedAfterBytes }),
      };
    case 'policer':
      // A ceiling, not a rate TCP holds: it saws below a policer (wan-scenarios.ts `policed`).
      return {
        ...base,
        title: `fresh draw: policer on source port 443, ${policedMbps} of ${s.lineMbps} Mbit/s with a ${round1(s.burstBytes! / 1e3)} KB burst, ${where}`,
        truth: { verdict: 'tls-throttled', rateMbps: policedMbps, rateIsCeiling: true, factor: s.factor },
      };
    case 'entropy':
      return {
        ...base,
        title: `fresh draw: entropy classifier${s.entropyPerFlow ? ' (per flow)' : ''}, TLS and random-looking plaintext at ${shapedMbps} of ${s.lineMbps} Mbit/s, ${where}`,
        truth: { verdict: 'tls-throttled', cause: 'entropy', rateMbps: shapedMbps, factor: s.factor },
        fronts: pacing({ tlsMbps: shapedMbps, highEntropyMbps: shapedMbps, ...(s.entropyPerFlow ? { entropyPerFlow: true } : {}) }),
      };
    case 'upload':
      // Only packets that carry data: the pure ACKs of downloads from port 443 stay in the
      // line's class, or the cap would slow those downloads too (scenarios.ts, f-upload).
      return {
        ...base,
        title: `fresh draw: uploads to port 443 capped at ${shapedMbps} of ${upLineMbps} Mbit/s upstream, ${s.lineMbps} down, ${where}`,
        truth: { verdict: 'tls-throttled', rateMbps: shapedMbps, factor: s.factor },
        glasnostDirection: 'up',
        shape: () =>
          addShapedClass({ ns: wan ? WAN_NS.rtr : NS.home, dev: wan ? WAN_UP_DEV : LINE_UP_DEV, mbps: shapedMbps!, match: 'ip dport 443 0xffff', exemptAcks: true }),
      };
    case 'plaintext':
      return {
        ...base,
        title: `fresh draw: htb on source port 80, ${shapedMbps} of ${s.lineMbps} Mbit/s, ${where}`,
        truth: { verdict: 'plaintext-throttled', rateMbps: shapedMbps, factor: s.factor },
        shape: () => addShapedClass({ ns, dev, mbps: shapedMbps!, match: 'ip sport 80 0xffff' }),
      };
  }
}

export function heldOutSpecs(): HeldOutSpec[] {
  const file = JSON.parse(readFileSync(join(import.meta.dirname, 'held-out-scenarios.json'), 'utf8')) as { scenarios: HeldOutSpec[] };
  return file.scenarios;
}

export const HELD_OUT_SCENARIOS: Scenario[] = heldOutSpecs().map(heldOutScenario);
