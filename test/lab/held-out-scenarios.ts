// The held-out set (held-out-draw.ts drew it once; held-out-scenarios.json is the draw): each
// drawn spec as a lab Scenario, built with the same shapers as the tuning set (scenarios.ts,
// wan-scenarios.ts). `npm run bench:accuracy -- --held-out` runs these instead of the tuning set.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addShapedClass, LINE_DOWN_DEV, NS } from './lab-net.js';
import { NO_NOISE } from './run-scenario.js';
import type { Scenario } from './scenarios.js';
import { WAN_DOWN_DEV, WAN_NS } from './wan-net.js';

export interface HeldOutSpec {
  id: string;
  kind: 'none' | 'port' | 'dpi' | 'bucket' | 'delayed';
  lineMbps: number;
  /** Line rate over the throttled rate. */
  factor?: number;
  burstBytes?: number;
  delayedAfterBytes?: number;
  /** Present: the WAN lab with this path; absent: the throttle lab with cross traffic. */
  rttMs?: number;
  lossPct?: number;
  diagnose: boolean;
  /** The run's seed: the lab's cross traffic, drift and loss draw from it. */
  seed: number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export function heldOutScenario(s: HeldOutSpec): Scenario {
  const wan = s.rttMs !== undefined ? { rttMs: s.rttMs, lossPct: s.lossPct ?? 0 } : undefined;
  const shapedMbps = s.factor ? round1(s.lineMbps / s.factor) : undefined;
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
        fronts: { '80': { kind: 'pacing', options: { tlsMbps: shapedMbps } }, '443': { kind: 'pacing', options: { tlsMbps: shapedMbps } } },
      };
    case 'delayed':
      return {
        ...base,
        title: `held out: TLS flows drop to 1.5 Mbit/s after ${round1(s.delayedAfterBytes! / 1e6)} MB, ${s.lineMbps} Mbit/s line, ${where}`,
        truth: { verdict: 'tls-throttled', rateMbps: 1.5 },
        fronts: {
          '80': { kind: 'pacing', options: { tlsMbps: 1.5, delayedAfterBytes: s.delayedAfterBytes } },
          '443': { kind: 'pacing', options: { tlsMbps: 1.5, delayedAfterBytes: s.delayedAfterBytes } },
        },
      };
  }
}

export function heldOutSpecs(): HeldOutSpec[] {
  const file = JSON.parse(readFileSync(join(import.meta.dirname, 'held-out-scenarios.json'), 'utf8')) as { scenarios: HeldOutSpec[] };
  return file.scenarios;
}

export const HELD_OUT_SCENARIOS: Scenario[] = heldOutSpecs().map(heldOutScenario);
