// Rule 8's notes (decision.ts): what a verdict says of itself in numbers. Why an open screening
// pair is open; how a finding was read where not from all rounds; what a "no difference" does
// not cover (references unchecked, transfers that ended in slow start, a burst allowance).
import { median } from 'simple-statistics';
import { FRESH_MIN_ROUNDS } from './fresh-flows.js';
import { round3 } from './figures.js';
import { MIN_ROUNDS } from './interval-rule.js';
import { MARGIN_RATIO, noticeableLean } from './margin.js';
import type { Note } from './notes.js';
import { pathRttMs, type MeasuredLeg } from './paired-rounds.js';
import type { ComparisonId, PairSpec } from './plan.js';
import { slowStartBound } from './slow-start.js';
import { SOME_ROUNDS_SPREAD } from './some-rounds.js';
import type { Comparison } from './types.js';

/** A run's comparisons by their id. */
export type ById = Partial<Record<ComparisonId, Comparison>>;

/** A run's comparisons by their pair's id. */
export function byId(comparisons: readonly Comparison[]): ById {
  const c: ById = {};
  for (const x of comparisons) c[x.id as ComparisonId] = x;
  return c;
}

/**
 * A pair of the low-entropy reference that can make no finding: rule 8 finds a classifier of
 * encrypted-looking flows only when TLS and random plaintext are both slower than the
 * low-entropy body, so once either pair has shown no difference the other cannot complete
 * one, whatever it reads. While screening has a finding the entropy pair names its cause
 * (rule 9) and runs on. The engine stops measuring such a pair (engine.ts moot): its rounds
 * beside screening's last had cost a leg each (docs/method.md, "Legs and pairs").
 */
export function lowEntropyPairMoot(id: string, c: ById): boolean {
  const partner = id === 'entropy' ? c['tls-vs-low-entropy'] : id === 'tls-vs-low-entropy' ? c['entropy'] : undefined;
  const screen = c['screen']?.outcome;
  return partner?.outcome === 'same' && screen !== 'slower' && screen !== 'faster';
}

/** The references whose pair can make a finding of its own beside equal downloads (rule 8). */
export const FINDING_REFERENCES = ['tls-vs-low-entropy', 'upload'] as const;

/**
 * The references a run held but measured in fewer rounds than any interval needs (the budget
 * or the time ended first; engine.ts withinReach): "no difference" then speaks of downloads
 * alone, and the answer says so rather than let silence read as "uploads checked too".
 */
export function uncheckedReferences(c: ById): Note[] {
  const notes: Note[] = [];
  for (const id of FINDING_REFERENCES) {
    const pair = c[id];
    // A classifier its partner ruled out was checked, by that partner's rounds.
    if (pair && pair.outcome !== 'same' && pair.rounds < MIN_ROUNDS && !lowEntropyPairMoot(id, c)) notes.push({ code: 'reference-unchecked', pair: id, rounds: pair.rounds, minRounds: MIN_ROUNDS });
  }
  return notes;
}

/**
 * Rule 3's words for the references: a "no difference" whose screening pair read alike may
 * stand beside a reference whose estimate leaned a tenth or more one way inside the margin,
 * settled there or left open (one open past the margin makes the run inconclusive,
 * `pair-unsettled`). The headline's ratio is screening's, and a classifier of random-looking
 * traffic that slows TLS and random plaintext alike shows only in the low-entropy reference:
 * "the same speed" alone would leave out the one figure that leaned. In the lab such a
 * classifier at two thirds of a 91 Mbit/s line held TLS at 64 Mbit/s beside plain text at
 * 72-77 (the line drifting): 1.19x over 35 rounds, interval 1.13-1.22x, inside the margin
 * (bench/RESULTS.md, 2026-12-05 14:04).
 */
export function referenceLeanNotes(c: ById): Note[] {
  const notes: Note[] = [];
  for (const id of FINDING_REFERENCES) {
    const pair = c[id];
    const lean = pair && noticeableLean(pair.ratio);
    // Its 95% interval wholly on that side of 1 as well: on simulated unshaped lines the
    // references' estimates alone leaned a tenth in 105 of 927 "no difference" runs.
    const clear = lean === 'tls-slower' ? pair!.ci95[0] > 1 : lean === 'tls-faster' ? pair!.ci95[1] < 1 : false;
    if ((pair?.outcome === 'same' || pair?.outcome === 'unclear') && pair.rounds >= MIN_ROUNDS && clear) {
      notes.push({ code: 'pair-lean', pair: id, rounds: pair.rounds, ratio: round3(pair.ratio), ci95: [round3(pair.ci95[0]), round3(pair.ci95[1])] });
    }
  }
  return notes;
}

/**
 * Rule 8: equal downloads whose transfers were slow start throughout (slow-start.ts) speak
 * only of caps slow enough to bind before they ended; the answer names the fastest such cap.
 */
export function slowStartNotes(screening: PairSpec, legs: ReadonlyMap<string, MeasuredLeg>): Note[] {
  const suspect = legs.get(screening.suspect.id);
  const reference = legs.get(screening.reference.id);
  if (!suspect || !reference) return [];
  const bound = slowStartBound(suspect, reference, pathRttMs(suspect, reference), MARGIN_RATIO);
  if (!bound) return [];
  return [
    {
      code: 'slow-start-bound',
      detectableMbps: round3(bound.detectableMbps),
      reachedMbps: round3(bound.reachedMbps),
      rttMs: Math.round(bound.rttMs),
      rounds: bound.rounds,
      totalRounds: bound.totalRounds,
    },
  ];
}

/**
 * What "no difference" covers: downloads the size of the TLS leg's. A token bucket on TLS alone
 * that holds more than one transfer and refills while the leg waits for the others passes every
 * transfer at the line's rate (docs/method.md, "What the method cannot see"): the answer names
 * the size its transfers had, so that it is not read as ruling out a burst allowance.
 */
export function burstScopeNotes(screening: PairSpec, legs: ReadonlyMap<string, MeasuredLeg>): Note[] {
  const suspect = legs.get(screening.suspect.id);
  const bytes = suspect ? [...suspect.samples.values()].map((s) => s.bytes).filter((b) => b > 0) : [];
  if (!bytes.length) return [];
  return [{ code: 'burst-scope', transferBytes: Math.round(median(bytes)), rounds: bytes.length }];
}

/** How a finding was read, where not from all rounds: the less busy ones (rule 4r), those after a turn (rule 4t) or those slowed (rule 4m). */
export function readingNotes(basis: Comparison): Note[] {
  if (basis.roundsBeforeTurn) return [{ code: 'since-turn', rounds: basis.rounds, roundsBefore: basis.roundsBeforeTurn }];
  if (basis.someRoundsOf) return [{ code: 'some-rounds', rounds: basis.rounds, totalRounds: basis.someRoundsOf }];
  if (!basis.busyRoundsLeftOut) return [];
  return [{ code: 'less-busy-finding', rounds: basis.rounds, totalRounds: basis.rounds + basis.busyRoundsLeftOut }];
}

/** Why an unclear screening pair is unclear, in numbers. */
export function whyUnclear(screen: Comparison): Note[] {
  const limited: Note[] = screen.windowLimitedRounds ? [{ code: 'window-limited', rounds: screen.windowLimitedRounds }] : [];
  if (screen.rounds < MIN_ROUNDS) return [...limited, { code: 'too-few-rounds', rounds: screen.rounds, minRounds: MIN_ROUNDS }];
  const ci95: [number, number] = [round3(screen.ci95[0]), round3(screen.ci95[1])];
  if (screen.pendingRound) return [{ code: 'pending-second-look', ci95, marginRatio: MARGIN_RATIO }];
  if (screen.freshFlows && !screen.freshFlows.confirmed) {
    const { rounds, ratio, someRounds } = screen.freshFlows;
    // A finding from some rounds slowed is confirmed by counting such rounds, not by the
    // ratio of all of them (fresh-flows.ts someRoundsShowAgain): the note names the counts.
    const slowedRounds = someRounds ? { slowedRounds: { ...someRounds, farRatio: MARGIN_RATIO * SOME_ROUNDS_SPREAD } } : {};
    return [
      {
        code: 'fresh-unconfirmed',
        rounds,
        minRounds: FRESH_MIN_ROUNDS,
        ...(rounds >= FRESH_MIN_ROUNDS && ratio !== undefined ? { ratio } : {}),
        marginRatio: MARGIN_RATIO,
        ...slowedRounds,
      },
    ];
  }
  if (screen.slowLegRising) return [{ code: 'still-rising', ...screen.slowLegRising }];
  if (screen.risingWhileAlike) return [{ code: 'rising-alike', ...screen.risingWhileAlike }];
  if (screen.lessBusyAgainst) {
    const a = screen.lessBusyAgainst;
    return [
      {
        code: 'less-busy-against',
        rounds: a.rounds,
        ratio: round3(a.ratio),
        totalRounds: screen.rounds,
        marginRatio: MARGIN_RATIO,
        lessBusyRounds: a.lessBusyRounds,
        lessBusyRatio: round3(a.lessBusyRatio),
        lessBusyCi95: [round3(a.lessBusyCi95[0]), round3(a.lessBusyCi95[1])],
      },
    ];
  }
  if (screen.lessBusyLean) {
    const q = screen.lessBusyLean;
    return [
      {
        code: 'less-busy-lean',
        rounds: screen.rounds,
        ci95,
        marginRatio: MARGIN_RATIO,
        lessBusyRounds: q.rounds,
        lessBusyRatio: round3(q.ratio),
        lessBusyCi95: [round3(q.ci95[0]), round3(q.ci95[1])],
      },
    ];
  }
  if (screen.repeatedCi) {
    // Rule 2r decided on the repeated interval: say so, with the 95% one beside it.
    const r = screen.repeatedCi;
    const levelPercent = Math.round(r.level * 1000) / 10;
    if (!(r.bounds[0] > 0 && Number.isFinite(r.bounds[1]))) {
      // The exact interval of n rounds reaches at most 1 - 2 / 2^n; before its design's first
      // look a pair has no level yet (1), and that look is what it needs.
      const reach = r.level < 1 ? Math.ceil(Math.log2(2 / (1 - r.level))) : screen.rounds + 1;
      const minRounds = Math.max(reach, r.firstLook ?? 0, screen.rounds + 1);
      return [{ code: 'repeated-too-few', rounds: screen.rounds, levelPercent, minRounds, ci95 }];
    }
    const interval: [number, number] = [round3(r.bounds[0]), round3(r.bounds[1])];
    return [{ code: 'repeated-straddles', rounds: screen.rounds, levelPercent, interval, ci95, marginRatio: MARGIN_RATIO }];
  }
  // An interval inside the margin is unclear only for a reason given elsewhere (rule 6).
  if (screen.ci95[0] > 1 / MARGIN_RATIO && screen.ci95[1] < MARGIN_RATIO) return [];
  return [{ code: 'straddles-margin', rounds: screen.rounds, ci95, marginRatio: MARGIN_RATIO }];
}
