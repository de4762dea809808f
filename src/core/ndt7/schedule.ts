// M-Lab's rules for clients that run tests on their own (ndt7 spec, "Requirements for
// non-interactive clients"): wait an exponentially distributed time with a mean of six hours,
// clamped to [36 min, 15 h], between tests, so that many clients never synchronise; and when
// M-Lab has no capacity, either skip to the next scheduled test or retry after 60, 120, 240,
// 480, 960 s, each drawn from a normal distribution with a 5% standard deviation.
// Pure: the extension's scheduler passes its random source and wires the alarms.

export const MLAB_MEAN_INTERVAL_MS = 21_600_000;
export const MLAB_MIN_INTERVAL_MS = 2_160_000;
export const MLAB_MAX_INTERVAL_MS = 54_000_000;

/** The wait before the next scheduled M-Lab test. `random` is uniform on [0, 1). */
export function nextMlabRunDelayMs(random: () => number): number {
  // Inverse transform: -mean * ln(1 - U) is exponential with that mean; 1 - U is in (0, 1].
  const t = -MLAB_MEAN_INTERVAL_MS * Math.log(1 - random());
  return Math.round(Math.min(MLAB_MAX_INTERVAL_MS, Math.max(MLAB_MIN_INTERVAL_MS, t)));
}

export const MLAB_BACKOFF_MEANS_MS = [60_000, 120_000, 240_000, 480_000, 960_000] as const;

/** A standard normal draw (Box-Muller) from two uniform draws. */
function standardNormal(random: () => number): number {
  const u1 = 1 - random();
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * The wait before retry number `attempt` (0 for the first retry) after M-Lab said it had no
 * capacity; undefined once the five retries are used up: then skip to the next scheduled test.
 * A `notBeforeMs` from the locate service's next_request, if later, wins.
 */
export function mlabBackoffDelayMs(
  attempt: number,
  random: () => number,
  opts: { nowMs?: number; notBeforeMs?: number } = {},
): number | undefined {
  const mean = MLAB_BACKOFF_MEANS_MS[attempt];
  if (mean === undefined || attempt < 0) return undefined;
  const drawn = Math.max(0, mean + 0.05 * mean * standardNormal(random));
  const serverWait = opts.notBeforeMs !== undefined && opts.nowMs !== undefined ? opts.notBeforeMs - opts.nowMs : 0;
  return Math.round(Math.max(drawn, serverWait));
}
