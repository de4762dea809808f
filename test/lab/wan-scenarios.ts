// Scenarios on the WAN lab (wan-net.ts): long and lossy paths, fast lines, and the shapers the
// veth lab never had, each with a known truth. Ids say the line, the RTT and the loss:
// `w-port3-50m-150ms-1pct` is port 443 capped to a third of a 50 Mbit/s line over a 150 ms
// path losing 1% of packets each way.
//
// Every scenario runs the CLI as a user would (no --diagnose): the extension has no such
// switch, so a default run is what most users get. Cross traffic is off: the path's
// delay and loss are this lab's noise, and its truth stays exact (a competing flow on a lossy
// 150 ms path would change what "a third of the line" means).
import { addShapedClass } from './lab-net.js';
import { NO_NOISE } from './run-scenario.js';
import type { Scenario } from './scenarios.js';
import { WAN_DOWN_DEV, WAN_NS, WAN_UP_DEV } from './wan-net.js';

const port443Down = 'ip sport 443 0xffff';

function unshaped(lineMbps: number, rttMs: number, lossPct: number, congestion?: 'cubic'): Scenario {
  return {
    id: `w-none-${mbpsId(lineMbps)}-${rttMs}ms-${pctId(lossPct)}${congestion ? `-${congestion}` : ''}`,
    title: `no shaping, ${lineMbps} Mbit/s line, ${rttMs} ms RTT, ${lossPct}% loss each way${congestion ? `, a ${congestion} server` : ''}`,
    lineMbps,
    diagnose: false,
    truth: { verdict: 'no-difference' },
    fronts: {},
    wan: { rttMs, lossPct, ...(congestion ? { congestion } : {}) },
    noise: NO_NOISE,
  };
}

/** Port 443 held to a third (or 1/factor) of the line by an htb class on the router's downstream egress. */
function portThird(lineMbps: number, rttMs: number, lossPct: number, factor = 3, congestion?: 'cubic'): Scenario {
  const capMbps = Math.round((lineMbps / factor) * 10) / 10;
  return {
    id: `w-port${factor}-${mbpsId(lineMbps)}-${rttMs}ms-${pctId(lossPct)}${congestion ? `-${congestion}` : ''}`,
    title: `htb class on source port 443 at 1/${factor} of the line (${capMbps} of ${lineMbps} Mbit/s), ${rttMs} ms RTT, ${lossPct}% loss${congestion ? `, a ${congestion} server` : ''}`,
    lineMbps,
    diagnose: false,
    truth: { verdict: 'tls-throttled', rateMbps: capMbps, factor },
    fronts: {},
    wan: { rttMs, lossPct, ...(congestion ? { congestion } : {}) },
    noise: NO_NOISE,
    shape: () => addShapedClass({ ns: WAN_NS.rtr, dev: WAN_DOWN_DEV, mbps: capMbps, match: port443Down }),
  };
}

/**
 * Port 443 policed to 1/factor of the line (wan-forwarder.c, "police="): beyond a burst of
 * burstKB the excess is dropped, not queued, upstream of the client's line. TCP meets a policer
 * as bursts of loss, not as a queue (Flach et al., SIGCOMM 2016); BBR paces near the policed
 * rate, CUBIC saws below it.
 */
function policed(lineMbps: number, rttMs: number, lossPct: number, factor: number, burstKB: number, congestion?: 'cubic'): Scenario {
  const policeMbps = Math.round((lineMbps / factor) * 10) / 10;
  return {
    id: `w-police${factor}-${mbpsId(lineMbps)}-${rttMs}ms-${pctId(lossPct)}${congestion ? `-${congestion}` : ''}`,
    title: `policer on source port 443 at 1/${factor} of the line (${policeMbps} of ${lineMbps} Mbit/s, ${burstKB} KB burst), ${rttMs} ms RTT, ${lossPct}% loss${congestion ? `, a ${congestion} server` : ''}`,
    lineMbps,
    diagnose: false,
    truth: { verdict: 'tls-throttled', rateMbps: policeMbps, rateIsCeiling: true, factor },
    fronts: {},
    wan: { rttMs, lossPct, police: { sourcePort: 443, mbps: policeMbps, burstBytes: burstKB * 1000 }, ...(congestion ? { congestion } : {}) },
    noise: NO_NOISE,
  };
}

function mbpsId(mbps: number): string {
  return mbps >= 1000 ? `${mbps / 1000}g` : `${mbps}m`;
}

function pctId(pct: number): string {
  return `${String(pct).replace('.', 'p')}pct`;
}

export const WAN_SCENARIOS: Scenario[] = [
  unshaped(50, 20, 0),
  unshaped(50, 50, 0.2),
  unshaped(50, 150, 1),
  portThird(50, 20, 0),
  portThird(50, 50, 0.2),
  portThird(50, 150, 1),
  // A fast line on a long clean path. This machine's servers use BBR, which keeps its pacing
  // rate over the waits between a leg's transfers; a CUBIC server (Linux's default, as on a
  // Debian endpoint) restarts slow start after each, and transfers the budget allows may end
  // while still speeding up, so a cap at half the line binds only in their last round trips
  // (src/core/slow-start.ts).
  unshaped(80, 150, 0),
  portThird(80, 150, 0, 2),
  unshaped(80, 150, 0, 'cubic'),
  portThird(80, 150, 0, 2, 'cubic'),
  {
    id: 'w-dpi-50m-50ms-0p2pct',
    title: 'DPI proxy pacing TLS on any port at a third of a 50 Mbit/s line, 50 ms RTT, 0.2% loss',
    lineMbps: 50,
    diagnose: false,
    truth: { verdict: 'tls-throttled', rateMbps: 16.7, factor: 3 },
    fronts: { '80': { kind: 'pacing', options: { tlsMbps: 16.7 } }, '443': { kind: 'pacing', options: { tlsMbps: 16.7 } } },
    wan: { rttMs: 50, lossPct: 0.2 },
    noise: NO_NOISE,
  },
  {
    // The classifier of encrypted-looking flows (Rogers throttled such flows, docs/method.md,
    // "The question"): TLS, and every plaintext connection whose first body bytes look random,
    // at 10 of 50 Mbit/s for the rest of the connection (pacing-proxy.ts, "flow entropy").
    id: 'w-flow-entropy-50m-20ms-0pct',
    title: 'flow entropy classifier: TLS and plaintext connections that start random at 10 of 50 Mbit/s, 20 ms RTT',
    lineMbps: 50,
    diagnose: false,
    truth: { verdict: 'tls-throttled', cause: 'entropy', rateMbps: 10, factor: 5 },
    fronts: {
      '80': { kind: 'pacing', options: { tlsMbps: 10, highEntropyMbps: 10, entropyPerFlow: true } },
      '443': { kind: 'pacing', options: { tlsMbps: 10, highEntropyMbps: 10, entropyPerFlow: true } },
    },
    wan: { rttMs: 20, lossPct: 0 },
    noise: NO_NOISE,
  },
  {
    // Rogers capped P2P uploads (docs/method.md, "The question"). The cap sits on the router's
    // egress toward the server, where the ISP meets the client's upstream, and meters wire-size
    // packets (wan-net.ts). Pure ACKs of downloads stay in the line's class, or the cap would
    // throttle downloads from port 443 too and would not be an upload cap.
    id: 'w-upload-50m-20ms-0pct',
    title: 'uploads to port 443 capped at 1 Mbit/s on a 50/10 Mbit/s line, 20 ms RTT',
    lineMbps: 50,
    diagnose: false,
    truth: { verdict: 'tls-throttled', rateMbps: 1 },
    fronts: {},
    wan: { rttMs: 20, lossPct: 0, upMbps: 10 },
    noise: NO_NOISE,
    glasnostDirection: 'up',
    shape: () => addShapedClass({ ns: WAN_NS.rtr, dev: WAN_UP_DEV, mbps: 1, match: 'ip dport 443 0xffff', exemptAcks: true }),
  },
  {
    // Wehe saw T-Mobile drop from 20 to 1.5 Mbit/s after about 7 MB (Li et al., SIGCOMM 2019).
    id: 'w-delayed-20m-50ms-0p2pct',
    title: 'delayed throttling: TLS flows drop from 20 to 1.5 Mbit/s after 7 MB, 50 ms RTT, 0.2% loss',
    lineMbps: 20,
    diagnose: false,
    truth: { verdict: 'tls-throttled', rateMbps: 1.5, factor: 20 / 1.5 },
    fronts: {
      '80': { kind: 'pacing', options: { tlsMbps: 1.5, delayedAfterBytes: 7_000_000 } },
      '443': { kind: 'pacing', options: { tlsMbps: 1.5, delayedAfterBytes: 7_000_000 } },
    },
    wan: { rttMs: 50, lossPct: 0.2 },
    noise: NO_NOISE,
  },
  // Policers with bursts of tens to a few hundred KB, where the drops start within a
  // transfer. A burst of a second or more at the policed rate is a token bucket the method
  // cannot see (docs/method.md, "What the method cannot see").
  policed(50, 20, 0, 3, 64),
  policed(50, 50, 0.2, 2, 256),
  policed(50, 20, 0, 1.5, 128),
  // CUBIC on a policer: a random 0.2% loss alone would hold it near 6 Mbit/s on this path
  // (Mathis et al. 1997), under the policer, so the path is clean.
  policed(50, 50, 0, 2, 256, 'cubic'),
  // A slow line (rural DSL, a mobile line's edge): the 120 s a default run may take buys about
  // 60 MB at 4 Mbit/s, so its rounds are few and short.
  unshaped(4, 60, 0.2),
  portThird(4, 60, 0.2, 2),
  portThird(4, 60, 0.2, 3),
  // Fast lines. The forwarder and this machine's processors set a ceiling (test/lab/README.md,
  // "WAN lab: limits"), so the gigabit line has no userland path: the router forwards directly.
  unshaped(300, 20, 0),
  portThird(300, 20, 0),
  unshaped(1000, 0, 0),
  portThird(1000, 0, 0),
];
