// The core's coded notes and errors (src/core/notes.ts) in English words for the terminal.
// The extension says the same through its locales (src/extension/shared/note-text.ts).
import { hasInterval, longPathOf, type Note, type RunError } from '../core/notes.js';

const x = (n: number, digits = 2) => (Number.isFinite(n) ? `${n.toFixed(digits)}x` : 'n/a');
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const mbps = (n: number) => `${n.toFixed(0)} Mbit/s`;
/** Two significant digits: a 0.35 MB transfer must not read "0.3 MB", nor a 24 MB one "24.0 MB". */
const sizeMb = (bytes: number) => `${Number((bytes / 1e6).toPrecision(2))} MB`;
const interval = (ci: [number, number]) => `${ci[0].toFixed(2)}-${ci[1].toFixed(2)}x`;

export function noteText(n: Note): string {
  switch (n.code) {
    case 'budget-spent':
      return `stopped after ${n.rounds} rounds: the next round would exceed the budget`;
    case 'budget-too-small': {
      const allowMb = Math.ceil(n.neededBytes / 1e6);
      return (
        `not one round fitted the budget of ${mb(n.budgetBytes)}: on this line one round needs about ${mb(n.roundBytes)} even at the shortest transfers it can be read with, ` +
        `and the ${n.rounds} rounds a run plans for about ${mb(n.neededBytes)} in all; allow it with --max-budget-mb ${allowMb}, up to which the budget of a line this fast grows ` +
        `once measured (the run stops as soon as its answer is clear)`
      );
    }
    case 'too-few-rounds':
      return `only ${n.rounds} rounds fitted the budget; at least ${n.minRounds} are needed for a 95% interval`;
    case 'straddles-margin':
      return `after ${n.rounds} rounds the 95% interval (${interval(n.ci95)}) still straddles the ${n.marginRatio}x margin`;
    case 'repeated-straddles':
      return `after ${n.rounds} rounds the interval that holds whenever the run stops (${n.levelPercent}%: ${interval(n.interval)}) still straddles the ${n.marginRatio}x margin (95% interval ${interval(n.ci95)})`;
    case 'repeated-too-few':
      return `after ${n.rounds} rounds no interval that holds whenever the run stops exists yet: it needs ${n.minRounds} rounds (95% interval ${interval(n.ci95)})`;
    case 'pending-second-look':
      return `the ${interval(n.ci95)} interval cleared the ${n.marginRatio}x margin only in the last round, and a finding must hold over two rounds in a row`;
    case 'less-busy-lean':
      return (
        `all ${n.rounds} rounds were within the ${n.marginRatio}x margin (${interval(n.ci95)}), but the ${n.lessBusyRounds} least busy ` +
        `leaned to ${x(n.lessBusyRatio)} (${interval(n.lessBusyCi95)}): a cap that binds only while the line is free would look like this`
      );
    case 'less-busy-against': {
      // Ratios are plain over encrypted: below 1 the finding had plain HTTP the slower.
      const plainFound = n.ratio < 1;
      const [slow, fast] = plainFound ? ['plain HTTP', 'TLS'] : ['TLS', 'plain HTTP'];
      const quiet = plainFound ? n.lessBusyRatio : 1 / n.lessBusyRatio;
      const bounds: [number, number] = plainFound ? n.lessBusyCi95 : [1 / n.lessBusyCi95[1], 1 / n.lessBusyCi95[0]];
      return (
        `${slow} ran ${x(plainFound ? 1 / n.ratio : n.ratio)} slower than ${fast} in ${n.rounds} of ${n.totalRounds} rounds, but in the ${n.lessBusyRounds} least busy, ` +
        `where a speed cap shows, ${fast} ran ${x(quiet)} slower (95% interval ${interval(bounds)}): other traffic on the line that slows one of them and not the other ` +
        '(as when a shaper keeps TLS in a class of its own, capped but apart from the rest) looks like this, so neither counts as throttled'
      );
    }
    case 'turned':
      return (
        `the last rounds ran ${x(n.ratio, 1)} apart, by when the ${n.leg} leg had carried ${mb(n.carriedBytes)}: shaping that begins ` +
        'after some megabytes in a flow looks like this, and the run ended before the rounds could show it'
      );
    case 'still-rising':
      return (
        `the slower leg (${n.leg}) was still climbing over ${n.rounds} rounds (median ${n.firstMbps} Mbit/s in the first third, ${n.lastMbps} in the last): ` +
        'a connection recovering from losses looks like this, a shaper does not, so the difference is not counted until the leg settles'
      );
    case 'rising-alike':
      return (
        `the legs read alike, but the ${n.leg} leg was still climbing over ${n.rounds} rounds (median ${n.firstMbps} Mbit/s in the first third, ${n.lastMbps} in the last): ` +
        'a cap above the speed it had reached could not show yet, so the run does not say no difference until the leg settles'
      );
    case 'fresh-unconfirmed':
      if (n.slowedRounds && n.rounds > 0) {
        const { up, down, farRatio } = n.slowedRounds;
        return (
          `the difference showed in some rounds of the first connections, ${x(farRatio)} apart or more; on new connections ${n.rounds} round${n.rounds === 1 ? '' : 's'} ran, ${up} of them that far apart the same way and ${down} as far the other way, ` +
          `where ${n.minRounds} or more, clearly more than the other way, count: on a long path a connection's own history of lost packets can hold one leg back with no shaper`
        );
      }
      return n.ratio === undefined
        ? `the difference showed on the first connections; on a long path it counts only once it shows on new connections too, and ${n.rounds} of the ${n.minRounds} rounds that needs ran on them before the run ended`
        : `the difference showed on the first connections but not clearly on new ones (${n.rounds} rounds, ${x(n.ratio)} against the ${x(n.marginRatio)} margin): on a long path a connection's own history of lost packets can hold one leg back with no shaper`;
    case 'short-flow':
      return `a screening leg carried only ${mb(n.carriedBytes)} in one flow before the run ended: throttling that begins later in a long flow (after ${mb(n.minFlowBytes)}, say) would not show`;
    case 'pair-unsettled':
      return `${n.pair === 'upload' ? 'uploads' : 'encrypted against low-entropy plain downloads'} ran ${x(n.ratio)} apart after ${n.rounds} round${n.rounds === 1 ? '' : 's'} (${
        hasInterval(n.ci95) ? `95% interval ${interval(n.ci95)}` : 'too few for a 95% interval'
      }), unsettled when the budget ended: downloads alone cannot say there is no difference`;
    case 'pair-lean': {
      // The ratio is plain over encrypted: above 1 the encrypted leg was the slower.
      const slower = n.ratio > 1;
      const apart = slower ? n.ratio : 1 / n.ratio;
      const bounds: [number, number] = slower ? n.ci95 : [1 / n.ci95[1], 1 / n.ci95[0]];
      return (
        `${n.pair === 'upload' ? 'encrypted uploads' : 'encrypted downloads'} ran ${x(apart)} ${slower ? 'slower' : 'faster'} than ${n.pair === 'upload' ? 'plain ones' : 'plain downloads of low-entropy text'} over ${n.rounds} rounds (95% interval ${interval(bounds)}), ` +
        `within the 25% this test counts as the same speed${slower ? ': a slight limit on encrypted-looking traffic and a line\'s ups and downs look alike at that size' : ''}`
      );
    }
    case 'name-faster':
      // ratio is the control's goodput over the name's: below 1 the name was the faster.
      return `connections naming the server name ran ${x(1 / n.ratio)} faster than the control name after ${n.rounds} rounds (95% interval ${interval([1 / n.ci95[1], 1 / n.ci95[0]])}): a name given priority, or a control name slowed; no finding about the name`;
    case 'fast-line': {
      const mb = (bytes: number) => (bytes / 1e6).toFixed(0);
      const full = n.fullBytes !== undefined ? `full-length transfers would need about ${mb(n.fullBytes)} MB, the shortest a reading allows` : 'a full set of rounds needs';
      const budget = `the test could use up to ${mb(n.budgetBytes)} MB (${full} about ${mb(n.neededBytes)} MB; limit ${mb(n.capBytes)} MB, --max-budget-mb)`;
      const path = longPathOf(n);
      if (path) {
        // A long path (sizer.ts targetForRtt): its round trips, not the line's speed, set the length.
        const cut = n.targetMs < 0.95 * path.pathTargetMs ? `; to fit the budget they lasted about ${Math.round(n.targetMs)} ms` : '';
        return `the path's round trips are long (about ${Math.round(path.rttMs)} ms), so each transfer had to last about ${Math.round(path.pathTargetMs)} ms to show the line's speed${cut}: at ${Math.round(n.lineMbps)} Mbit/s ${budget}`;
      }
      // Not "fast": with every check's legs, full-length rounds outgrow the budget at 23 Mbit/s too.
      return `the line ran at ${Math.round(n.lineMbps)} Mbit/s, and full-length transfers for the planned rounds of every check did not fit the budget: transfers lasted about ${Math.round(n.targetMs)} ms and ${budget}`;
    }
    case 'window-limited':
      return `${n.rounds} rounds were left out: both transfers lasted only a few round trips, so TCP's window, not the line, set their speed (a long or lossy path)`;
    case 'stopped-early':
      return `stopped after ${n.rounds} rounds: ${n.detail}`;
    case 'less-busy-finding':
      return (
        `the difference is read from the ${n.rounds} least busy of ${n.totalRounds} rounds, where even its 99% interval cleared the margin: ` +
        'a speed cap shows while the line is free, and in the busier rounds other traffic on the line set the speeds, often bringing both legs closer together'
      );
    case 'since-turn':
      return (
        `the difference is read from the ${n.rounds} rounds after the first ${n.roundsBefore}, in which both legs ran alike until one slowed ` +
        'after a burst: a token bucket that ran dry, or shaping that starts after some megabytes in a flow, looks like this'
      );
    case 'some-rounds':
      return (
        `the difference is read from the ${n.rounds} of ${n.totalRounds} rounds that ran slower by more than the margin; in most of the others both legs ran alike: ` +
        'a limit that lets bursts through at full speed and refills between them (a token bucket) looks like this'
      );
    case 'entropy-shaping':
      return 'HTTPS and random-payload HTTP were both slower than low-entropy HTTP: the shaping follows payload entropy';
    case 'upload-only':
      return `downloads showed ${n.downloads === 'same' ? 'no difference' : 'no clear difference'}; the difference is in uploads only`;
    case 'cpu-bound':
      return (
        `${n.tlsLeg} ran at ${mbps(n.tlsMbps)} and ${n.plainLeg} at ${mbps(n.plainMbps)}, against ${n.whose === 'endpoint' ? "the endpoint's" : "this computer's"} ` +
        `own TLS capacity of ${mbps(n.capacityMbps)}: a processor, not the network, may be what limits TLS`
      );
    case 'no-screening':
      return 'no screening comparison was measured';
    case 'file-screening-only':
      return 'a plain file URL allows only the screening pair: diagnosis needs an endpoint of ours';
    case 'single-port':
      return `the endpoint serves one port (${n.port}): port and protocol cannot be told apart`;
    case 'references-skipped':
      return (
        `the low-entropy and upload references were left out: beside them each transfer could carry only ${mb(n.transferBytes)} of the ${mb(n.wantedBytes)} ` +
        `this path needs, within a budget of ${mb(n.budgetBytes)}; a larger budget includes them (without them a classifier of encrypted-looking traffic and an upload cap go unseen)`
      );
    case 'reference-unchecked':
      return n.pair === 'upload'
        ? `uploads had ${n.rounds} of the ${n.minRounds} rounds an interval needs when the budget or the time ran out: this answer covers downloads only; a larger --budget-mb or --max-seconds includes uploads`
        : `the low-entropy reference (it spots a classifier slowing all encrypted-looking traffic) had ${n.rounds} of the ${n.minRounds} rounds an interval needs when the budget or the time ran out: this answer does not cover such a classifier; a larger --budget-mb or --max-seconds includes it`;
    case 'slow-start-bound':
      return (
        `on this long path (${n.rttMs} ms round trip) the downloads were still speeding up when they ended (TCP slow start, in ${n.rounds} of ${n.totalRounds} rounds; ` +
        `their later halves reached ${mbps(n.reachedMbps)}): a limit below about ${mbps(n.detectableMbps)} would have slowed them by the margin, a faster one would not, so this answer does not rule one out`
      );
    case 'burst-scope':
      return (
        `the encrypted downloads were about ${sizeMb(n.transferBytes)} each (median of ${n.rounds}), with pauses between them: a limit that lets about that much of each ` +
        `download through at full speed and slows only what follows (a token bucket that refills in the pauses) would not show, so this answer does not rule one out`
      );
    case 'small-file':
      return `the file is only ${n.bytes} bytes: transfers this short measure latency more than goodput`;
    case 'diagnosis-dropped':
      return `diagnosis leg ${n.leg} failed, so its comparisons were dropped: ${n.detail}`;
    case 'mlab-scope':
      return 'M-Lab serves ws:// on port 80 and wss:// on port 443 only: a difference cannot be traced to the port or to the protocol';
    case 'mlab-no-uploads':
      return `${n.machine} offered no upload URLs: uploads were not measured`;
    case 'mlab-server-skipped':
      return `a located server was skipped: ${n.detail}`;
    case 'mlab-retried':
      return `${n.machine} refused a test mid-run (${n.detail}); it was retried with fresh access tokens`;
    case 'mlab-slow-close':
      return `a test took ${(n.closeWaitMs / 1000).toFixed(1)} s to stop after this client asked it to, and the server sent on meanwhile: about ${mb(n.unseenBytes)} this client never saw are counted in the data used`;
    case 'upload-client-timed':
      return 'an upload was timed by this client because the server sent no measurements: its send buffer can flatter the rate';
    case 'upload-untimed':
      return 'an upload ended before the server could time it (it measures every 250 ms), so that round has no upload figure';
    case 'server-chosen':
      return `server: ${n.id} (${n.kind === 'mirror' ? 'public mirror' : 'endpoint'} ${n.url}), chosen by its connection time of ${n.connectMs} ms${n.checks.length ? `; checked before use: ${n.checks.join('; ')}` : ''}`;
    case 'mirror-checked':
      return `the file was checked on both schemes before use: ${n.checks.join('; ')}`;
    case 'server-passed-over':
      return `passed over: ${n.detail}`;
    case 'mirrors-rested':
      return `mirrors used by a scheduled check in the last 24 hours were left out: ${n.ids.join(', ')}`;
    case 'text':
      return n.text;
  }
}

/** The detail carries the numbers; a few codes say what kind of failure it was first. */
export function errorText(e: RunError): string {
  switch (e.code) {
    case 'mlab-no-capacity':
      return `M-Lab has no capacity for a test now: ${e.detail}`;
    case 'internal':
      return `the run stopped on an internal error: ${e.detail}`;
    default:
      return e.detail;
  }
}
