// Rule 1f (fresh-flows.ts withFreshFlows): a difference found on a long path must show again on
// new connections, so both legs of a pair that leans past the margin, or waits for them, end
// their connection with their next transfer. The engine (engine.ts) asks after every look.
import { awaitsFreshFlows, leansOnLongPath } from '../fresh-flows.js';
import type { MeasuredLeg } from '../paired-rounds.js';
import type { Comparison } from '../types.js';
import type { Driver } from './driver.js';

export class FlowRenewal {
  /** The legs whose connection this run has renewed: each once. */
  private readonly renewed = new Set<string>();

  constructor(private readonly driver: Pick<Driver, 'renewFlow' | 'lengthenFlow'>) {}

  /**
   * A leg is renewed once: a second renewal would start its count again. A pair renews its
   * legs as soon as its rounds lean past the margin (fresh-flows.ts leansOnLongPath), and a
   * pair whose finding waits for new connections renews those it has not yet. The slow leg's
   * new connection counts once it has carried what its first had when the difference began;
   * a leg the sizer shrank while throttled (0.3 MB transfers at 1 Mbit/s, in the WAN lab's
   * delayed throttle) would take a dozen rounds to get there, so its transfers grow to carry
   * it in about two.
   */
  renew(comparisons: readonly Comparison[], legs: ReadonlyMap<string, MeasuredLeg>, runRttMs?: number): void {
    for (const c of comparisons) {
      const [suspect, reference] = [legs.get(c.suspectLeg), legs.get(c.referenceLeg)];
      if (!suspect || !reference) continue;
      const waits = awaitsFreshFlows(c);
      if (!waits && !leansOnLongPath(c, suspect, reference, runRttMs)) continue;
      const slowLeg = c.ratio > 1 ? suspect : reference;
      for (const leg of [suspect, reference]) {
        if (!this.renewed.has(leg.spec.id)) {
          this.renewed.add(leg.spec.id);
          this.driver.renewFlow?.(leg.spec);
          continue;
        }
        if (!waits || leg !== slowLeg) continue;
        const last = leg.samples.get(Math.max(...leg.samples.keys()));
        const carried = last?.flow?.connection ? last.flow.carriedBytes + last.bytes : 0;
        const wanted = c.freshFlows!.afterBytes - carried;
        // Half of what is left, or all of it once that is less than half the whole: halving
        // alone would leave ever smaller remainders.
        if (wanted > 0) this.driver.lengthenFlow(leg.spec, Math.max(wanted / 2, Math.min(wanted, c.freshFlows!.afterBytes / 2)));
      }
    }
  }
}
