// The downlink's rate over time as the lab's drift set it (run-scenario.ts), so that a run can
// be scored against the line it actually had. A cap stays where the scenario put it while the
// line drifts between 0.8 and 1.0 of its nominal rate, so a "1.5x" cap stands 1.2-1.5x below
// the line from moment to moment: what a run could see is the cap against the line of its own
// seconds, not against the nominal rate (test/lab/score.ts, effective factor).

/** The line's rate over a stretch of time: time-weighted mean, least and most. */
export interface LineSpan {
  nominalMbps: number;
  meanMbps: number;
  lowMbps: number;
  highMbps: number;
}

export class LineTimeline {
  /** Each rate and when it took effect (ms since the epoch), oldest first. */
  private readonly steps: { atMs: number; mbps: number }[];

  constructor(
    private readonly nominalMbps: number,
    startMs: number,
  ) {
    this.steps = [{ atMs: startMs, mbps: nominalMbps }];
  }

  /** The line runs at `mbps` from `atMs` on (when the change was applied, not asked for). */
  set(atMs: number, mbps: number): void {
    if (!(mbps > 0) || !Number.isFinite(atMs)) throw new Error(`LineTimeline.set: bad step ${mbps} Mbit/s at ${atMs}`);
    const last = this.steps[this.steps.length - 1]!;
    if (atMs < last.atMs) throw new Error(`LineTimeline.set: step at ${atMs} is before the last one (${last.atMs})`);
    this.steps.push({ atMs, mbps });
  }

  /** The line over [fromMs, toMs]; the rate in force at fromMs counts from fromMs. */
  over(fromMs: number, toMs: number): LineSpan {
    if (!(toMs > fromMs)) throw new Error(`LineTimeline.over: empty span ${fromMs}-${toMs}`);
    let weighted = 0;
    let low = Infinity;
    let high = -Infinity;
    for (let i = 0; i < this.steps.length; i++) {
      const start = Math.max(this.steps[i]!.atMs, fromMs);
      const end = Math.min(this.steps[i + 1]?.atMs ?? Infinity, toMs);
      if (end <= start) continue;
      const { mbps } = this.steps[i]!;
      weighted += mbps * (end - start);
      low = Math.min(low, mbps);
      high = Math.max(high, mbps);
    }
    // A span that begins before the first step reads the nominal rate there.
    const first = this.steps[0]!;
    if (fromMs < first.atMs) {
      weighted += this.nominalMbps * (Math.min(first.atMs, toMs) - fromMs);
      low = Math.min(low, this.nominalMbps);
      high = Math.max(high, this.nominalMbps);
    }
    return { nominalMbps: this.nominalMbps, meanMbps: weighted / (toMs - fromMs), lowMbps: low, highMbps: high };
  }
}
