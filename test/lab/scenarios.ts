// The lab's scenarios ((a)-(i)): each is a shaper with a known truth, so a verdict can
// be scored right or wrong. Rates are chosen as an ISP would set them on a home line:
// the line at 20, 50 or 100 Mbit/s and the throttled class well below it.
import type { Cause, Verdict } from '../../src/core/types.js';
import type { Front } from './lab-server.js';
import type { Noise } from './run-scenario.js';
import { addLineBoost, addSeriesShaper, addShapedClass, LINE_DOWN_DEV, LINE_UP_DEV, NS } from './lab-net.js';
import type { WanPath } from './wan-net.js';
import { WAN_SCENARIOS } from './wan-scenarios.js';

export interface Truth {
  verdict: Verdict;
  /** The cause a diagnosing run must find (undefined: any cause is accepted). */
  cause?: Cause;
  /** The throttled leg's rate and bucket, where the shaper has one. */
  rateMbps?: number;
  /**
   * rateMbps is a policer's: a ceiling TCP's goodput runs under (CUBIC drops below it with
   * every burst of drops), so the estimate is shown beside it but not held to 10%.
   */
  rateIsCeiling?: boolean;
  burstBytes?: number;
  /** Line rate over throttled rate on an idle line (how strong the throttling is). */
  factor?: number;
}

export interface Scenario {
  id: string;
  title: string;
  lineMbps: number;
  /** Run the CLI with --diagnose (port/protocol/entropy/upload legs from the start). */
  diagnose: boolean;
  truth: Truth;
  /** Userland fronts on the public ports (DPI proxies, transparent HTTP proxies). */
  fronts: Record<string, Front>;
  /** Kernel shaping beyond the plain line (htb classes, tbf leaves). */
  shape?: () => Promise<void>;
  /** Noise for this scenario whatever the run asks (a quiet-line control). */
  noise?: Noise;
  /**
   * Run on the WAN lab (wan-net.ts: wan-* namespaces, 10.79.0.0/24) over a path with this
   * RTT and loss, instead of the throttle lab's veth line; upMbps is its upstream line rate.
   */
  wan?: WanPath & { upMbps?: number };
  /** Which way Glasnost's reference flows go (glasnost-rule.ts); downloads by default. */
  glasnostDirection?: 'down' | 'up';
  /** The runs' seed (cross traffic, drift), fixed for the held-out set (held-out-scenarios.ts). */
  seed?: number;
}

/** A scenario with no shaper: its runs are the unshaped controls (run --unshaped-runs times). */
export function isUnshaped(s: Pick<Scenario, 'truth'>): boolean {
  return s.truth.verdict === 'no-difference';
}

const port443 = 'ip sport 443 0xffff';

const LAB_SCENARIOS: Scenario[] = [
  {
    id: 'a-port',
    title: '(a) htb class on source port 443: 10 of 50 Mbit/s',
    lineMbps: 50,
    diagnose: true,
    truth: { verdict: 'tls-throttled', cause: 'port', rateMbps: 10, factor: 5 },
    fronts: {},
    shape: () => addShapedClass({ ns: NS.srv, dev: LINE_DOWN_DEV, mbps: 10, match: port443 }),
  },
  {
    id: 'a-port-2x',
    title: '(a) htb class on source port 443 at half the line: 25 of 50 Mbit/s',
    lineMbps: 50,
    diagnose: false,
    truth: { verdict: 'tls-throttled', rateMbps: 25, factor: 2 },
    fronts: {},
    shape: () => addShapedClass({ ns: NS.srv, dev: LINE_DOWN_DEV, mbps: 25, match: port443 }),
  },
  {
    id: 'a-port-2x-quiet',
    title: '(a) the same 2x class on a line without cross traffic or drift (control for the noisy run)',
    lineMbps: 50,
    diagnose: false,
    truth: { verdict: 'tls-throttled', rateMbps: 25, factor: 2 },
    fronts: {},
    shape: () => addShapedClass({ ns: NS.srv, dev: LINE_DOWN_DEV, mbps: 25, match: port443 }),
    noise: { crossTraffic: false, lineDriftLo: 0 },
  },
  {
    id: 'a-port-2x-series',
    title: '(a) a cap on source port 443 in series with the line, which TLS shares with the cross traffic: 25 of 50 Mbit/s',
    lineMbps: 50,
    diagnose: false,
    truth: { verdict: 'tls-throttled', rateMbps: 25, factor: 2 },
    fronts: {},
    shape: () => addSeriesShaper({ mbps: 25, match: port443 }),
  },
  {
    id: 'a-port-1.5x-series',
    title: '(a) the same at two thirds of the line: 33.3 of 50 Mbit/s',
    lineMbps: 50,
    diagnose: false,
    truth: { verdict: 'tls-throttled', rateMbps: 33.3, factor: 1.5 },
    fronts: {},
    shape: () => addSeriesShaper({ mbps: 33.3, match: port443 }),
  },
  {
    id: 'b-dpi',
    title: '(b) DPI proxy pacing TLS on any port: 10 of 50 Mbit/s',
    lineMbps: 50,
    diagnose: true,
    truth: { verdict: 'tls-throttled', cause: 'protocol', rateMbps: 10, factor: 5 },
    fronts: { '80': { kind: 'pacing', options: { tlsMbps: 10 } }, '443': { kind: 'pacing', options: { tlsMbps: 10 } } },
  },
  {
    id: 'c-delayed',
    title: '(c) delayed throttling: 20 Mbit/s line, TLS flows drop to 1.5 Mbit/s after 7 MB',
    lineMbps: 20,
    diagnose: false,
    truth: { verdict: 'tls-throttled', rateMbps: 1.5, factor: 20 / 1.5 },
    fronts: {
      '80': { kind: 'pacing', options: { tlsMbps: 1.5, delayedAfterBytes: 7_000_000 } },
      '443': { kind: 'pacing', options: { tlsMbps: 1.5, delayedAfterBytes: 7_000_000 } },
    },
  },
  {
    id: 'c-delayed-2mb',
    title: '(c) delayed throttling after only 2 MB per flow (20 Mbit/s line, then 1.5 Mbit/s)',
    lineMbps: 20,
    diagnose: false,
    truth: { verdict: 'tls-throttled', rateMbps: 1.5, factor: 20 / 1.5 },
    fronts: {
      '80': { kind: 'pacing', options: { tlsMbps: 1.5, delayedAfterBytes: 2_000_000 } },
      '443': { kind: 'pacing', options: { tlsMbps: 1.5, delayedAfterBytes: 2_000_000 } },
    },
  },
  {
    // A box that slows long-lived flows by their age, not by what they carried: a run's legs
    // keep their connections from round to round, so the throttle starts mid-run.
    id: 'c-aged',
    title: '(c) throttling by a flow\'s age: 50 Mbit/s line, TLS flows drop to 5 Mbit/s once 10 s old',
    lineMbps: 50,
    diagnose: false,
    truth: { verdict: 'tls-throttled', rateMbps: 5, factor: 10 },
    fronts: {
      '80': { kind: 'pacing', options: { tlsMbps: 5, delayedAfterMs: 10_000 } },
      '443': { kind: 'pacing', options: { tlsMbps: 5, delayedAfterMs: 10_000 } },
    },
  },
  {
    // A shaper that acts only part of the time (while the network is busy, or at set times),
    // on every TLS flow alike: a run's rounds fall in and out of its windows. The windows run
    // from the lab server's start, so each run meets them at another phase.
    id: 'k-intermittent',
    title: '(k) intermittent throttling: 50 Mbit/s line, TLS held to 10 Mbit/s for 20 s of every 40 s',
    lineMbps: 50,
    diagnose: false,
    truth: { verdict: 'tls-throttled', rateMbps: 10, factor: 5 },
    fronts: {
      '80': { kind: 'pacing', options: { tlsMbps: 10, windowsMs: { onMs: 20_000, offMs: 20_000 } } },
      '443': { kind: 'pacing', options: { tlsMbps: 10, windowsMs: { onMs: 20_000, offMs: 20_000 } } },
    },
  },
  {
    id: 'd-bucket',
    title: '(d) tbf on port 443: 10 Mbit/s with a 2 MB bucket that refills when idle, 50 Mbit/s line',
    lineMbps: 50,
    diagnose: false,
    truth: { verdict: 'tls-throttled', rateMbps: 10, burstBytes: 2_000_000, factor: 5 },
    fronts: {},
    shape: () =>
      addShapedClass({ ns: NS.srv, dev: LINE_DOWN_DEV, mbps: 10, match: port443, tbfBurstBytes: 2_000_000 }),
  },
  {
    id: 'e-entropy',
    title: '(e) entropy DPI: TLS and random-looking plaintext at 10 of 50 Mbit/s',
    lineMbps: 50,
    diagnose: true,
    truth: { verdict: 'tls-throttled', cause: 'entropy', rateMbps: 10, factor: 5 },
    fronts: {
      '80': { kind: 'pacing', options: { tlsMbps: 10, highEntropyMbps: 10 } },
      '443': { kind: 'pacing', options: { tlsMbps: 10, highEntropyMbps: 10 } },
    },
  },
  {
    id: 'f-upload',
    title: '(f) uploads to port 443 capped at 80 kbit/s (Rogers), 50 Mbit/s line',
    lineMbps: 50,
    diagnose: true,
    truth: { verdict: 'tls-throttled', rateMbps: 0.08 },
    fronts: {},
    // Only packets that carry data: the pure ACKs of downloads from port 443 stay at line rate,
    // or the cap would throttle those downloads too and it would not be an upload-only cap.
    shape: () =>
      addShapedClass({ ns: NS.home, dev: LINE_UP_DEV, mbps: 0.08, match: 'ip dport 443 0xffff', exemptAcks: true }),
  },
  {
    id: 'g-plaintext',
    title: '(g) plaintext throttled: htb class on source port 80, 10 of 50 Mbit/s',
    lineMbps: 50,
    diagnose: false,
    truth: { verdict: 'plaintext-throttled', rateMbps: 10, factor: 5 },
    fronts: {},
    shape: () => addShapedClass({ ns: NS.srv, dev: LINE_DOWN_DEV, mbps: 10, match: 'ip sport 80 0xffff' }),
  },
  {
    id: 'h-alter',
    title: '(h) transparent HTTP proxy on port 80 that alters bodies',
    lineMbps: 50,
    diagnose: false,
    truth: { verdict: 'interfered' },
    fronts: { '80': { kind: 'http-proxy', mode: 'alter' } },
  },
  {
    id: 'h-via',
    title: '(h) transparent caching HTTP proxy on port 80 (Via, X-Cache)',
    lineMbps: 50,
    diagnose: false,
    truth: { verdict: 'interfered' },
    fronts: { '80': { kind: 'http-proxy', mode: 'via' } },
  },
  {
    id: 'j-boost',
    title: '(j) no shaping of TLS on a boosted line: 100 Mbit/s while a 10 MB bucket lasts, 50 sustained',
    lineMbps: 100,
    diagnose: false,
    truth: { verdict: 'no-difference' },
    fronts: {},
    shape: () => addLineBoost({ ns: NS.srv, dev: LINE_DOWN_DEV, sustainedMbps: 50, burstBytes: 10_000_000 }),
  },
  {
    id: 'j-boost-3x',
    title: '(j) no shaping of TLS on a line boosted threefold: 60 Mbit/s while a 3 MB bucket lasts, 20 sustained',
    lineMbps: 60,
    diagnose: false,
    truth: { verdict: 'no-difference' },
    fronts: {},
    shape: () => addLineBoost({ ns: NS.srv, dev: LINE_DOWN_DEV, sustainedMbps: 20, burstBytes: 3_000_000 }),
  },
  {
    id: 'j-boost-port-2x',
    title: '(j) a boosted line (100 Mbit/s for 10 MB, 50 sustained) behind a cap on source port 443 at 25 Mbit/s upstream',
    lineMbps: 100,
    diagnose: false,
    truth: { verdict: 'tls-throttled', rateMbps: 25, factor: 2 },
    fronts: {},
    shape: async () => {
      await addLineBoost({ ns: NS.srv, dev: LINE_DOWN_DEV, sustainedMbps: 50, burstBytes: 10_000_000 });
      await addSeriesShaper({ mbps: 25, match: port443 });
    },
  },
  {
    id: 'i-none-20',
    title: '(i) no shaping, 20 Mbit/s line',
    lineMbps: 20,
    diagnose: false,
    truth: { verdict: 'no-difference' },
    fronts: {},
  },
  {
    id: 'i-none-50',
    title: '(i) no shaping, 50 Mbit/s line',
    lineMbps: 50,
    diagnose: false,
    truth: { verdict: 'no-difference' },
    fronts: {},
  },
  {
    id: 'i-none-100',
    title: '(i) no shaping, 100 Mbit/s line',
    lineMbps: 100,
    diagnose: false,
    truth: { verdict: 'no-difference' },
    fronts: {},
  },
];

export const SCENARIOS: Scenario[] = [...LAB_SCENARIOS, ...WAN_SCENARIOS];

export function scenarioById(id: string): Scenario {
  const s = SCENARIOS.find((x) => x.id === id);
  if (!s) throw new Error(`no lab scenario "${id}"; known: ${SCENARIOS.map((x) => x.id).join(', ')}`);
  return s;
}
