// Rule 1f (fresh-flows.ts withFreshFlows): a difference found on a long path must show again on
// new connections, so both legs of a pair that waits for them end their connection with their
// next transfer. The engine (engine.ts) asks after every look.
import { awaitsFreshFlows } from '../fresh-flows.js';
import type { MeasuredLeg } from '../paired-rounds.js';
import type { Comparison } from '../types.js';
import type { Driver } from './driver.js';

export class FlowRenewal {
  /** The legs whose connection this run has renewed: each once. */
  private readonly renewed = new Set<string>();

  constructor(private readonly driver: Pick<Driver, 'renewFlow' | 'lengthenFlow'>) {}

  /**
   * A leg is renewed once: a second renewal would start its count again. The slow leg's new
   * connection counts once it has carried what its first had when the difference began; a leg
   * the sizer shrank while throttled (0.3 MB transfers at 1 Mbit/s, in the WAN lab's delayed
   * throttle) would take a dozen rounds to get there, so its transfers grow to carry it in
   * about two.
   */
  renew(comparisons: readonly Comparison[], legs: ReadonlyMap<string, MeasuredLeg>): void {
    for (const c of comparisons) {
      if (!awaitsFreshFlows(c)) continue;
      const slowLeg = c.ratio > 1 ? c.suspectLeg : c.referenceLeg;
      for (const id of [c.suspectLeg, c.referenceLeg]) {
        const leg = legs.get(id);
        if (!leg) continue;
        if (!this.renewed.has(id)) {
          this.renewed.add(id);
          this.driver.renewFlow?.(leg.spec);
          continue;
        }
        if (id !== slowLeg) continue;
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
