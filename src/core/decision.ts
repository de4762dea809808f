// The decision: from the rounds a run measured to a verdict, a cause and the reasons.
// docs/method.md gives the sources and the lab evidence behind each rule; here is the
// procedure, in the order it is applied, with the file that holds each rule. This file puts
// them together: one comparison (compareLegs) and the verdict (decide, rules 8-11).
//
//  1. Pairing. Each comparison pairs a suspect leg (e.g. HTTPS) with a reference leg (e.g.
//     HTTP on the plain port) round by round. A transfer counts at its sustained rate: after a
//     burst (a token bucket that refilled while the leg waited) the rate that followed, else
//     its goodput (shaping.ts sustainedMbps). A round with a zero on either side is left out,
//     and so is a round whose two transfers both lasted only a few round trips: there TCP's
//     window, not any shaper, set both rates (paired-rounds.ts windowLimited).
//     A difference counts only while its slow leg is steady, not climbing round after round
//     (rule 1s, steady-legs.ts; nor does screening's 'same' while a leg climbs), and on a
//     long path only once it also shows on new connections (rule 1f, fresh-flows.ts).
//  2. Interval. Per round the log ratio reference/suspect; the Hodges-Lehmann estimate with its
//     exact distribution-free 95% interval (signed-rank.ts; needs MIN_ROUNDS = 6 rounds).
//     Rules 2-5 are in interval-rule.ts.
//  3. Margin. A difference under MARGIN_RATIO (25%) is no finding: interval wholly above it,
//     'slower'; wholly below its inverse, 'faster'; wholly inside, 'same'; else 'unclear'.
//  4. Less busy rounds (a second look, 99%). When all rounds leave the question open, the less
//     busy half (at least 8), ranked by the legs' geometric mean in each round, is tested at
//     99%: a rate cap binds only while the line is free. It may only sharpen the side all
//     rounds lean to (rule 4r tests each side). While its estimate lies past the margin,
//     'same' is withheld ('lean'); under rule 4r, so is a finding it contradicts (past the
//     margin the other way: 'less-busy-against', repeated-rule.ts againstLessBusy).
//  5. Two looks. A run looks after every round, so 'slower'/'faster' must hold at this round
//     and the one before ('pending' otherwise).
//  6. Flows. 'same' from the screening pair is an answer only once each screening leg's flow
//     carried MIN_FLOW_BYTES ('short-flow' while not; noted if the run ends so), and not while
//     the last two rounds ran 2x apart the same way ('turned': a flow just crossed a threshold),
//     nor, once it settled, while a screening leg other pairs keep running turned so beside a
//     leg of the other scheme (turnedSince).
//  7. Settling one side. Once screening found a direction, a diagnosis pair only asks "this way
//     too?": an interval wholly on the near side of the margin settles it. Rules 6 and 7 are
//     in needs-rounds.ts.
//  8. Verdict. Screening decides; if it looks equal, TLS and random plaintext both slower than
//     low-entropy plaintext is entropy shaping; then uploads; then 'same' is no-difference,
//     unless such a pair still leans past the margin unsettled (one whose partner in the
//     low-entropy reference has shown no difference can make no finding: decision-notes.ts
//     lowEntropyPairMoot); anything else is inconclusive, with the reason in numbers. A
//     no-difference whose references had fewer than MIN_ROUNDS rounds says which went
//     unchecked (reference-unchecked; not one whose partner ruled a classifier out), and one
//     whose screening transfers were slow start throughout on a long path names the fastest cap
//     they could have shown; a faster one goes unseen (slow-start-bound; slow-start.ts). Every
//     no-difference names the median size of its TLS transfers: a bucket that holds that much
//     passes them all (burst-scope). The notes are made in decision-notes.ts.
//  9. Cause, from the port swap and the entropy pair (diagnoseCause); of an upload finding,
//     from the port swap of uploads (diagnoseUploadCause).
// 10. Processor. A TLS finding is withheld ('cpu-bound') if the TLS leg ran near the TLS
//     capacity of the endpoint or of this computer.
// 11. Shaping. The slow leg's sustained rate while throttled, and its burst (shaping.ts).
//
// Rules 2-5 are the interval rule's ('interval'); a run decides by default with their repeated
// form, rules 2r-4r (repeated-rule.ts; DEFAULT_STOPPING_RULE below), whose intervals hold
// whenever the run stops under one family-wise error budget (error-budget.ts), with rule 4t
// beside them: the rounds after a turn (a bucket that ran dry mid-run; since-turn.ts), tested
// apart, and rule 4m: some rounds slowed far past the margin, outnumbering those as far the
// other way (a bucket that runs dry in some rounds and not in others; some-rounds.ts). Rules 1
// and 6-11 serve both.
//
// Every "not yet" and "not a finding" is recorded as data (Comparison.pendingRound,
// lessBusyLean; Decision.notes), never by overwriting an outcome.
import { median } from 'simple-statistics';
import { burstScopeNotes, byId, FINDING_REFERENCES, lowEntropyPairMoot, type ById, readingNotes, referenceLeanNotes, slowStartNotes, uncheckedReferences, whyUnclear } from './decision-notes.js';
import type { Rejected } from './error-budget.js';
import { round3 } from './figures.js';
import { withFreshFlows } from './fresh-flows.js';
import { compareRounds } from './interval-rule.js';
import { MARGIN_RATIO } from './margin.js';
import { MIN_FLOW_BYTES, shortFlowLegs, turnedNote } from './needs-rounds.js';
import type { Note } from './notes.js';
import { pairRounds, type MeasuredLeg, type MeasuredTransfer } from './paired-rounds.js';
import type { PairSpec } from './plan.js';
import { compareRepeated } from './repeated-rule.js';
import { estimateShaping, sustainedMbps } from './shaping.js';
import { withSteadyLegs } from './steady-legs.js';
import type { Cause, Comparison, ShapingEstimate, Verdict } from './types.js';
export { MARGIN_RATIO } from './margin.js';

/**
 * How a comparison decides. 'interval': rules 2-5 (one 95% interval per look, the less busy
 * look, two looks). 'repeated-ci': one repeated confidence interval per look whose level is
 * set by the pair's share of a family-wise error budget spent over the looks (rule 2r,
 * repeated-rule.ts); rules 4 and 5 do not apply.
 */
export type StoppingRule = 'interval' | 'repeated-ci';

/**
 * The rule a run decides by unless told otherwise: the repeated intervals, whose false-finding
 * rate holds whenever the run stops and over every pair (docs/method.md, "Repeated confidence
 * intervals"). 'interval' stays for comparison (bench:sim --rule interval).
 */
export const DEFAULT_STOPPING_RULE: StoppingRule = 'repeated-ci';

/** How one look decides: the rule, and (rule 2r) whether the run ends at this look. */
export interface LookOptions {
  rule?: StoppingRule;
  finalLook?: boolean;
  /** Rule 2r: the pairs whose finding this run has made, which pass their alpha on (error-budget.ts). */
  rejected?: Rejected;
  /** Rule 2r: every pair the run's plan can hold, which share the whole budget (error-budget.ts pairAlpha). */
  held?: readonly string[];
  /** Rule 1f: the provider can renew a leg's connection (Driver.flowsRenew), so a finding on a long path waits for new ones. */
  freshFlows?: boolean;
}

/**
 * One pair at one look: its rounds (rule 1), decided by the run's stopping rule (rules 2-5 or
 * 2r-4r), a finding held while its slow leg climbs (rule 1s) and, on a long path where the
 * provider can renew connections, until new ones show it too (rule 1f).
 */
export function compareLegs(pair: PairSpec, suspect: MeasuredLeg, reference: MeasuredLeg, runRttMs?: number, look: LookOptions = {}): Comparison {
  const paired = pairRounds(suspect, reference, runRttMs);
  const decided =
    (look.rule ?? DEFAULT_STOPPING_RULE) === 'repeated-ci'
      ? compareRepeated(pair.id, pair.suspect.id, pair.reference.id, paired.rounds, look.finalLook, look.rejected, look.held)
      : compareRounds(pair.id, pair.suspect.id, pair.reference.id, paired.rounds);
  const steady = withSteadyLegs(decided, paired.rounds);
  const c = look.freshFlows ? withFreshFlows(steady, suspect, reference, runRttMs) : steady;
  return paired.windowLimited ? { ...c, windowLimitedRounds: paired.windowLimited } : c;
}

// ---- Rules 8-11: the verdict ---------------------------------------------------------------

/**
 * Rule 9. TLS slowed on the plain port too is the protocol; plaintext slowed on the TLS port is
 * the port; random plaintext slower than text is the payload's entropy. A pair found slower
 * establishes its cause; the other pair need only not claim the same: demanding 'same' of it
 * lost the cause in the lab, where under cross traffic short diagnosis transfers left the
 * protocol pair at 0.80-1.54x while HTTP on port 443 was clearly 3.9x slower.
 */
export function diagnoseCause(c: ById): Cause | undefined {
  const diagnosed = c['entropy'] || c['protocol-on-plain-port'] || c['port-for-plaintext'];
  if (!diagnosed) return undefined;
  if (c['entropy']?.outcome === 'slower') return 'entropy';
  const protocol = c['protocol-on-plain-port']?.outcome;
  const port = c['port-for-plaintext']?.outcome;
  if (protocol === 'slower' && port !== 'slower') return 'protocol';
  if (port === 'slower' && protocol !== 'slower') return 'port';
  return 'unknown';
}

/**
 * Rule 9 for an upload finding: the port swap of uploads, read as the download one is. An
 * upload cap has no entropy pair (every upload is random), so without the swap it has no cause.
 */
export function diagnoseUploadCause(c: ById): Cause | undefined {
  const protocol = c['upload-protocol-on-plain-port']?.outcome;
  const port = c['upload-port-for-plaintext']?.outcome;
  if (protocol === undefined && port === undefined) return undefined;
  if (protocol === 'slower' && port !== 'slower') return 'protocol';
  if (port === 'slower' && protocol !== 'slower') return 'port';
  return 'unknown';
}

/**
 * Rule 10. TLS cannot run faster than the slower of the line and the processors at either
 * end. The thresholds are judgment with a safety factor, not fitted: a capacity measured once
 * on a quieter processor than the run had (the run hashes every body, and runs another leg
 * beside it) is an optimistic ceiling, so a TLS leg at 60% of it may already be held by the
 * processor; and plaintext at 80% of it means the line carries about what TLS can be
 * processed here, so a slower TLS leg says nothing about the network (a loaded machine once
 * let loopback read as throttled that way).
 */
export function cpuMayLimitTls(tlsMbps: number, plainMbps: number, capacityMbps: number): boolean {
  return capacityMbps > 0 && (tlsMbps >= 0.6 * capacityMbps || plainMbps >= 0.8 * capacityMbps);
}

export interface Capacities {
  /** The endpoint's own TLS goodput as it announced it (0 or absent when unknown). */
  endpointTlsMbps?: number;
  /** This computer's TLS goodput through the same client, when it has been measured. */
  clientTlsMbps?: number;
}

export interface DecisionInput {
  comparisons: Comparison[];
  /** The screening pair, whose legs rule 6 reads. */
  screening: PairSpec | undefined;
  legs: ReadonlyMap<string, MeasuredLeg>;
  capacities: Capacities;
}

export interface Decision {
  verdict: Verdict;
  cause?: Cause;
  /** The comparison whose ratio and interval the Result reports. */
  basis?: Comparison;
  shaping?: ShapingEstimate;
  notes: Note[];
  /**
   * Set when the verdict is a TLS finding that this computer's TLS capacity could still
   * withhold (rule 10) and `capacities.clientTlsMbps` was not given: measure it and decide again.
   */
  wantsClientCapacity?: boolean;
}

export function decide(input: DecisionInput): Decision {
  const c = byId(input.comparisons);
  const screen = c['screen'];
  if (!screen || !input.screening) return { verdict: 'failed', notes: [{ code: 'no-screening' }] };
  const finding = findingOf(c, screen);
  if (finding) return withProcessorAndShaping(finding, input);
  // No finding: screening is 'same' or 'unclear' here, and a turn in its last rounds matters to both.
  const turned = turnedNote(input.screening, input.legs);
  const unsettled = screen.outcome === 'same' ? unsettledFinding(c) : undefined;
  if (unsettled) return { verdict: 'inconclusive', basis: screen, notes: [unsettled] };
  if (screen.outcome === 'same' && !turned) {
    const notes: Note[] = [];
    const short = shortFlowLegs(input.screening, input.legs);
    if (short.length) {
      notes.push({ code: 'short-flow', carriedBytes: Math.min(...short.map((l) => l.flowBytes)), minFlowBytes: MIN_FLOW_BYTES });
    }
    notes.push(...uncheckedReferences(c), ...referenceLeanNotes(c), ...slowStartNotes(input.screening, input.legs), ...burstScopeNotes(input.screening, input.legs));
    return { verdict: 'no-difference', basis: screen, notes };
  }
  return { verdict: 'inconclusive', basis: screen, notes: [...(turned ? [turned] : []), ...whyUnclear(screen)] };
}

/** Rule 8's findings, in order: screening, entropy, uploads. */
function findingOf(c: ById, screen: Comparison): Decision | undefined {
  const cause = diagnoseCause(c);
  const withCause = (d: Decision): Decision => (cause && !d.cause ? { ...d, cause } : d);
  if (screen.outcome === 'slower' || screen.outcome === 'faster') {
    return withCause({
      verdict: screen.outcome === 'slower' ? 'tls-throttled' : 'plaintext-throttled',
      basis: screen,
      notes: readingNotes(screen),
    });
  }
  // The screening pair can look equal when random-looking plaintext is slowed as much as TLS.
  const lowEntropy = c['tls-vs-low-entropy'];
  if (c['entropy']?.outcome === 'slower' && lowEntropy?.outcome === 'slower') {
    return { verdict: 'tls-throttled', cause: 'entropy', basis: lowEntropy, notes: [{ code: 'entropy-shaping' }] };
  }
  const upload = c['upload'];
  if (upload?.outcome === 'slower' || upload?.outcome === 'faster') {
    // The download pairs say nothing of what caps uploads: the cause is the uploads' own swap.
    const uploadCause = diagnoseUploadCause(c);
    return {
      verdict: upload.outcome === 'slower' ? 'tls-throttled' : 'plaintext-throttled',
      ...(uploadCause ? { cause: uploadCause } : {}),
      basis: upload,
      notes: [...readingNotes(upload), { code: 'upload-only', downloads: screen.outcome === 'same' ? 'same' : 'unclear' }],
    };
  }
  return undefined;
}

/**
 * Rule 8: equal downloads are no answer while a pair that could still make a finding (the
 * entropy reference, uploads) leans past the margin without having settled: the budget ended
 * first. "No difference" would hide the very cap the run was asked to look for. Nor while one
 * pair of the low-entropy reference has found a difference and the other, which the
 * classifier's finding needs as well, is still open: a classifier at 2x on a 150 ms path read
 * TLS 1.64x slower than the body (95% 1.40-1.93x, a finding) and random plaintext 1.61x
 * slower (95% 1.41-1.88x, short of its repeated interval) when the two minutes ended, and the
 * run had said "no difference" (test/core/decision.test.ts).
 */
function unsettledFinding(c: ById): Note | undefined {
  for (const id of FINDING_REFERENCES) {
    const pair = c[id];
    if (!pair || lowEntropyPairMoot(id, c)) continue;
    const leans = pair.outcome === 'unclear' && (pair.ratio > MARGIN_RATIO || pair.ratio < 1 / MARGIN_RATIO);
    const partnerOpen = id === 'tls-vs-low-entropy' && halfMade(pair, c['entropy']);
    if (leans || partnerOpen) {
      return { code: 'pair-unsettled', pair: id, rounds: pair.rounds, ratio: round3(pair.ratio), ci95: [round3(pair.ci95[0]), round3(pair.ci95[1])] };
    }
  }
  return undefined;
}

/** One of the two low-entropy pairs has found a difference while the other is still open. */
function halfMade(tlsVsBody: Comparison, entropy: Comparison | undefined): boolean {
  const found = (x: Comparison | undefined) => x?.outcome === 'slower' || x?.outcome === 'faster';
  return (found(tlsVsBody) && entropy?.outcome === 'unclear') || (found(entropy) && tlsVsBody.outcome === 'unclear');
}

/** Rules 10 and 11 for a finding. */
function withProcessorAndShaping(finding: Decision, input: DecisionInput): Decision {
  const basis = finding.basis!;
  const tlsSlow = finding.verdict === 'tls-throttled';
  const slow = input.legs.get(tlsSlow ? basis.suspectLeg : basis.referenceLeg);
  const fast = input.legs.get(tlsSlow ? basis.referenceLeg : basis.suspectLeg);
  if (tlsSlow && slow?.spec.scheme === 'https') {
    const tlsMbps = medianMbps(slow);
    const plainMbps = fast ? medianMbps(fast) : 0;
    const cpu = (whose: 'endpoint' | 'client', capacityMbps: number): Decision => ({
      verdict: 'inconclusive',
      basis,
      notes: [
        ...finding.notes,
        { code: 'cpu-bound', tlsLeg: slow.spec.id, tlsMbps: round3(tlsMbps), plainLeg: fast?.spec.id ?? '', plainMbps: round3(plainMbps), whose, capacityMbps: round3(capacityMbps) },
      ],
    });
    const endpoint = input.capacities.endpointTlsMbps ?? 0;
    if (cpuMayLimitTls(tlsMbps, plainMbps, endpoint)) return cpu('endpoint', endpoint);
    const client = input.capacities.clientTlsMbps;
    if (client === undefined) finding = { ...finding, wantsClientCapacity: true };
    else if (cpuMayLimitTls(tlsMbps, plainMbps, client)) return cpu('client', client);
  }
  if (slow && fast && slow.spec.direction === 'down') {
    const shaping = estimateShaping(slow.spec.id, throttledSamples(slow, fast));
    if (shaping) return { ...finding, shaping };
  }
  return finding;
}

/**
 * Rule 11: the slow leg's transfers from the rounds in which it was slower than the other leg
 * by more than the margin: the shaper's rate is what a throttled flow gets while throttled.
 * Throttling that begins after the first megabytes of a flow would otherwise be read as a
 * blend (the lab's 20-to-1.5 Mbit/s scenario read 8.4). Every round when fewer than three qualify.
 */
export function throttledSamples(slow: MeasuredLeg, fast: MeasuredLeg): MeasuredTransfer[] {
  const picked = [...slow.samples.entries()]
    .filter(([round, s]) => {
      const f = fast.samples.get(round);
      return f !== undefined && sustainedMbps(f).mbps > MARGIN_RATIO * sustainedMbps(s).mbps;
    })
    .map(([, s]) => s);
  return picked.length >= 3 ? picked : [...slow.samples.values()];
}

export function medianMbps(leg: MeasuredLeg): number {
  const mbps = [...leg.samples.values()].map((s) => s.mbps);
  return mbps.length ? median(mbps) : 0;
}
