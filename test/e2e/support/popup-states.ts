// Stored results for every state the popup's card can be in, and a running test, for the
// screenshots (scripts/screenshots.ts) and the rendered-page checks (test/e2e/popup-ui.test.ts).
// The numbers are those of runs like the lab's (bench/RESULTS.md): a 10 Mbit/s shaper on
// HTTPS against a 47 Mbit/s line, a noisy line that spent its budget, and so on.
import type { Page } from 'playwright-core';
import type { Note, RunError } from '../../../src/core/notes.js';
import type { Result } from '../../../src/core/types.js';
import type { RunState } from '../../../src/extension/shared/messages.js';
import type { StoredEntry } from './extension-browser.js';

const HTTPS = 'https-443-down-random';
const HTTP = 'http-80-down-random';
const BASE_MS = Date.UTC(2026, 10, 24, 9, 0);

/** Transfers around a median, varying the way a real line does (deterministic). */
function transfers(medianMbps: number, rounds: number, spread: number, seed: number) {
  return Array.from({ length: rounds }, (_, i) => {
    const wobble = Math.sin(seed * 7.1 + i * 2.3) * spread;
    const mbps = Math.max(0.5, medianMbps * (1 + wobble));
    return { bytes: 4_000_000, ms: Math.round((4_000_000 * 8) / (mbps * 1000)), mbps };
  });
}

interface Shape {
  verdict: Result['verdict'];
  httpsMbps: number;
  httpMbps: number;
  rounds: number;
  ci95: [number, number];
  spread?: number;
  cause?: Result['cause'];
  shaping?: Result['shaping'];
  warnings?: Note[];
  error?: RunError;
  seed?: number;
}

export function result(s: Shape): Result {
  const noLegs = s.verdict === 'failed';
  const legs = noLegs
    ? []
    : [
        { id: HTTPS, scheme: 'https', port: 443, direction: 'down', payload: 'random', medianMbps: s.httpsMbps, transfers: transfers(s.httpsMbps, s.rounds, s.spread ?? 0.08, s.seed ?? 1) },
        { id: HTTP, scheme: 'http', port: 80, direction: 'down', payload: 'random', medianMbps: s.httpMbps, transfers: transfers(s.httpMbps, s.rounds, s.spread ?? 0.08, (s.seed ?? 1) + 3) },
      ] as Result['legs'];
  const ratio = noLegs || s.verdict === 'interfered' ? NaN : s.httpMbps / s.httpsMbps;
  return {
    verdict: s.verdict,
    cause: s.cause,
    ratio,
    ci95: noLegs ? [NaN, NaN] : s.ci95,
    pValue: 0.01,
    rounds: s.rounds,
    bytesUsed: s.rounds * 8_000_000,
    durationMs: s.rounds * 2600,
    endpoint: 'https://endpoint.example/',
    legs,
    comparisons: noLegs
      ? []
      : [{ id: 'screen', suspectLeg: HTTPS, referenceLeg: HTTP, ratio, ci95: s.ci95, pValue: 0.01, rounds: s.rounds, outcome: 'slower' }],
    shaping: s.shaping,
    warnings: s.warnings ?? [],
    error: s.error,
  };
}

export const STATES = {
  'tls-throttled': result({
    verdict: 'tls-throttled', httpsMbps: 9.8, httpMbps: 47.0, rounds: 8, ci95: [4.1, 5.6], cause: 'protocol',
    shaping: { leg: HTTPS, rateMbps: 9.6, burstBytes: 1_500_000 },
  }),
  'plaintext-throttled': result({ verdict: 'plaintext-throttled', httpsMbps: 52.3, httpMbps: 18.4, rounds: 9, ci95: [0.3, 0.41] }),
  // Every "no difference" names the size of the downloads it compared (decision-notes.ts burstScopeNotes).
  'no-difference': result({
    verdict: 'no-difference', httpsMbps: 48.2, httpMbps: 49.9, rounds: 12, ci95: [0.97, 1.09], spread: 0.05,
    warnings: [{ code: 'burst-scope', transferBytes: 1_210_000, rounds: 12 }],
  }),
  inconclusive: result({
    verdict: 'inconclusive', httpsMbps: 21.4, httpMbps: 28.9, rounds: 6, ci95: [0.58, 6.06], spread: 0.6,
    warnings: [{ code: 'budget-spent', rounds: 6 }],
  }),
  interfered: result({
    verdict: 'interfered', httpsMbps: 40.1, httpMbps: 38.0, rounds: 1, ci95: [NaN, NaN],
    error: { code: 'interfered', detail: 'the plain download of 4000000 bytes came back as 5120 bytes of text/html' },
  }),
  failed: result({
    verdict: 'failed', httpsMbps: 0, httpMbps: 0, rounds: 0, ci95: [NaN, NaN],
    error: { code: 'unreachable', detail: 'cannot reach https://endpoint.example/info: connection refused after 10000 ms' },
  }),
  cancelled: result({
    verdict: 'failed', httpsMbps: 0, httpMbps: 0, rounds: 0, ci95: [NaN, NaN],
    error: { code: 'aborted', detail: 'cancelled after 4180 ms' },
  }),
} satisfies Record<string, Result>;

export type StateName = keyof typeof STATES;

/** A run the browser moved to HTTP/3 mid-way (src/extension/platform/extension-io.ts). */
export const OVER_QUIC = result({
  verdict: 'failed', httpsMbps: 0, httpMbps: 0, rounds: 0, ci95: [NaN, NaN],
  error: {
    code: 'not-tcp',
    detail: 'https://endpoint.example/payload?bytes=4000000&n=7 went over h3 (Resource Timing nextHopProtocol): HTTP/3 runs on QUIC over UDP, not TLS over TCP like the plain leg, so the two legs would compare transports, not encryption',
  },
});

/** A gigabit line's answer: the next test is expected to use more than the run budget. */
export const FAST_LINE = result({
  verdict: 'no-difference', httpsMbps: 912.4, httpMbps: 936.8, rounds: 10, ci95: [0.96, 1.08], spread: 0.05,
  warnings: [{ code: 'fast-line', lineMbps: 937, targetMs: 40, budgetBytes: 172_000_000, capBytes: 250_000_000, neededBytes: 172_000_000, fullBytes: 812_000_000 }],
});

/**
 * A test by name under a wildcard zone (src/core/sni/zone-runner.ts) against a shaper that
 * holds names containing "googlevideo" to 128 kbit/s, as the SNI lab's substring scenario does.
 */
export function sniZoneResult(): Result {
  const name = 'redirector-googlevideo-com.sni.endpoint.example';
  const controlName = 'qhvzkrnbtwpxalmfdoeyjucsig.sni.endpoint.example';
  const leg = (id: string, scheme: 'http' | 'https', port: number, mbps: number, rounds: number, seed: number, sni?: 'name' | 'control') =>
    ({ id, scheme, port, direction: 'down', payload: 'random', medianMbps: mbps, transfers: transfers(mbps, rounds, 0.05, seed), ...(sni ? { sni } : {}) }) as Result['legs'][number];
  const named = `${HTTPS}-sni-name`;
  const control = `${HTTPS}-sni-control`;
  return {
    verdict: 'sni-throttled',
    ratio: 148.2,
    ci95: [139.5, 161.0],
    pValue: 0.016,
    rounds: 7,
    bytesUsed: 17_700_000,
    durationMs: 31_600,
    endpoint: 'https://endpoint.example/',
    legs: [leg(control, 'https', 443, 19.4, 7, 1, 'control'), leg(HTTP, 'http', 80, 18.9, 7, 2), leg(named, 'https', 443, 0.128, 7, 3, 'name')],
    comparisons: [
      { id: 'screen', suspectLeg: control, referenceLeg: HTTP, ratio: 0.97, ci95: [0.93, 1.02], pValue: 0.4, rounds: 7, outcome: 'same' },
      { id: 'sni', suspectLeg: named, referenceLeg: control, ratio: 148.2, ci95: [139.5, 161.0], pValue: 0.016, rounds: 7, outcome: 'slower' },
    ],
    shaping: { leg: named, rateMbps: 0.13, burstBytes: 60_000 },
    sni: { name, controlName, rateMbps: 0.13 },
    warnings: [],
  };
}

/**
 * Results whose notes a user reads in the popup (the card's reason and its details list), to
 * look at in plain words: a long path that left rounds and the extra checks out, a budget no
 * round fitted, a fast line (FAST_LINE), and an answer still open when the data ran out.
 */
function uploadFinding(): Result {
  const base = result({
    verdict: 'tls-throttled', httpsMbps: 43.1, httpMbps: 43.1, rounds: 17, ci95: [2.85, 2.96], spread: 0.02, cause: 'port',
    warnings: [
      { code: 'reference-unchecked', pair: 'tls-vs-low-entropy', rounds: 0, minRounds: 6 },
      { code: 'upload-only', downloads: 'same' },
    ],
  });
  const up = (id: string, port: number, scheme: string, mbps: number) => ({
    id, scheme, port, direction: 'up', payload: 'random', medianMbps: mbps,
    transfers: Array.from({ length: 10 }, (_, i) => ({ bytes: 55_296, ms: Math.round((55_296 * 8) / (mbps * (1 + 0.02 * Math.sin(i)) * 1000)), mbps })),
  });
  return {
    ...base,
    ratio: 2.908,
    legs: [...base.legs, up('https-443-up-random', 443, 'https', 1.63), up('http-80-up-random', 80, 'http', 4.84)] as Result['legs'],
    comparisons: [
      { id: 'screen', suspectLeg: HTTPS, referenceLeg: HTTP, ratio: 1.0, ci95: [0.87, 1.01], pValue: 0.9, rounds: 7, outcome: 'same' },
      { id: 'upload', suspectLeg: 'https-443-up-random', referenceLeg: 'http-80-up-random', ratio: 2.908, ci95: [2.85, 2.96], pValue: 0.002, rounds: 10, outcome: 'slower' },
    ],
  };
}

export const NOTE_STATES = {
  'long-path': result({
    verdict: 'inconclusive', httpsMbps: 14.2, httpMbps: 17.9, rounds: 4, ci95: [0.71, 2.38], spread: 0.4,
    warnings: [
      { code: 'references-skipped', transferBytes: 1_500_000, wantedBytes: 8_400_000, budgetBytes: 60_000_000 },
      { code: 'window-limited', rounds: 5 },
      { code: 'too-few-rounds', rounds: 4, minRounds: 6 },
      { code: 'straddles-margin', rounds: 4, ci95: [0.71, 2.38], marginRatio: 1.25 },
    ],
  }),
  'budget-too-small': {
    ...result({ verdict: 'inconclusive', httpsMbps: 0, httpMbps: 0, rounds: 0, ci95: [NaN, NaN] }),
    ratio: NaN,
    legs: [],
    comparisons: [],
    warnings: [{ code: 'budget-too-small', roundBytes: 43_900_000, rounds: 16, neededBytes: 704_000_000, budgetBytes: 12_000_000 }],
  },
  // Firefox held an M-Lab test's Close for 8.5 s on a fast line: the probe alone spent the
  // data limit (src/core/ndt7/subtest.ts unseenAfterClose).
  'mlab-slow-close': {
    ...result({ verdict: 'inconclusive', httpsMbps: 0, httpMbps: 0, rounds: 0, ci95: [NaN, NaN] }),
    endpoint: 'mlab:mlab1-lga0t',
    ratio: NaN,
    bytesUsed: 702_000_000,
    legs: [],
    comparisons: [],
    warnings: [
      { code: 'mlab-scope' },
      { code: 'mlab-slow-close', closeWaitMs: 8_460, unseenBytes: 698_000_000 },
      { code: 'budget-too-small', roundBytes: 1_400_000_000, rounds: 16, neededBytes: 23_100_000_000, budgetBytes: 60_000_000 },
    ],
  },
  'fast-line': FAST_LINE,
  // A slow line 51 ms away: ten round trips a transfer cost more than the 60 MB bought, so the
  // budget was raised for them; only uploads joined late (the WAN lab's fresh draw, fw-15 in
  // bench/RESULTS.md 2026-12-06 22:05). The words name the path, not a fast connection.
  'path-plan': {
    ...result({
      verdict: 'no-difference', httpsMbps: 12.1, httpMbps: 12.1, rounds: 7, ci95: [1.0, 1.01], spread: 0.02,
      warnings: [
        { code: 'reference-unchecked', pair: 'tls-vs-low-entropy', rounds: 0, minRounds: 6 },
        { code: 'fast-line', lineMbps: 12, targetMs: 508, budgetBytes: 76_051_053, capBytes: 250_000_000, neededBytes: 76_051_053, fullBytes: 76_051_053, rttMs: 51, pathTargetMs: 508 },
      ],
    }),
    bytesUsed: 51_139_673,
    durationMs: 26_065,
  },
  // The first click's default: a public file, which offers no low-entropy body and no upload
  // (core/mirror); the meaning line covers downloads of that file.
  mirror: result({
    verdict: 'no-difference', httpsMbps: 48.2, httpMbps: 48.9, rounds: 12, ci95: [0.99, 1.03], spread: 0.04,
    warnings: [{ code: 'mirror-checked', checks: ['the same length and validators on both schemes', 'Range honoured', 'no redirect', 'the same server address'] }],
  }),
  // The default stopping rule's open answer: its interval holds whenever a run stops, so it is
  // wider than the 95% one beside it (decision.ts rule 2r).
  'still-open': result({
    verdict: 'inconclusive', httpsMbps: 38.1, httpMbps: 47.9, rounds: 9, ci95: [1.08, 1.52], spread: 0.3,
    warnings: [
      { code: 'budget-spent', rounds: 9 },
      { code: 'repeated-straddles', rounds: 9, levelPercent: 99.3, interval: [0.98, 1.71], ci95: [1.08, 1.52], marginRatio: 1.25 },
    ],
  }),
  // Plain HTTP far slower in the busy rounds, TLS slower in the least busy ones: a class that
  // keeps TLS at its cap apart from the line's other traffic (repeated-rule.ts againstLessBusy;
  // the throttle lab's fresh draw, bench/RESULTS.md 2026-12-06).
  'traffic-against': result({
    verdict: 'inconclusive', httpsMbps: 59.0, httpMbps: 42.5, rounds: 43, ci95: [0.61, 0.84], spread: 0.4,
    warnings: [
      { code: 'budget-spent', rounds: 43 },
      { code: 'less-busy-against', rounds: 22, ratio: 0.42, totalRounds: 43, marginRatio: 1.25, lessBusyRounds: 22, lessBusyRatio: 1.377, lessBusyCi95: [1.209, 1.415] },
    ],
  }),
  // A long path's minute ended as screening settled: "no difference" for downloads, and the
  // checks that had too few rounds named (decision-notes.ts uncheckedReferences).
  'unchecked': result({
    verdict: 'no-difference', httpsMbps: 4.9, httpMbps: 5.0, rounds: 8, ci95: [0.88, 1.12], spread: 0.1,
    warnings: [
      { code: 'budget-spent', rounds: 8 },
      { code: 'reference-unchecked', pair: 'tls-vs-low-entropy', rounds: 2, minRounds: 6 },
      { code: 'reference-unchecked', pair: 'upload', rounds: 2, minRounds: 6 },
    ],
  }),
  // A 194 ms path whose downloads were still speeding up when they ended (TCP slow start):
  // "no difference" names the fastest limit it could have seen (src/core/slow-start.ts).
  'slow-start': result({
    verdict: 'no-difference', httpsMbps: 12.4, httpMbps: 12.2, rounds: 7, ci95: [0.97, 1.04], spread: 0.03,
    warnings: [{ code: 'slow-start-bound', detectableMbps: 18.6, reachedMbps: 20.8, rttMs: 194, rounds: 7, totalRounds: 7 }],
  }),
  // What a "no difference" does not cover, read with the details open (notes-burst-scope-en.png).
  'burst-scope': result({
    verdict: 'no-difference', httpsMbps: 48.2, httpMbps: 49.9, rounds: 12, ci95: [0.97, 1.09], spread: 0.05,
    warnings: [{ code: 'burst-scope', transferBytes: 1_210_000, rounds: 12 }],
  }),
  // A port cap a little below the line's speed: HTTPS held at 22.3 Mbit/s beside plain HTTP's
  // 27.0, 1.21x, inside the margin (the lab's fresh draw, bench/RESULTS.md 2026-12-04 06:25).
  // "The same speed" beside those two figures would read as a mistake (core/margin.ts).
  'small-difference': result({
    verdict: 'no-difference', httpsMbps: 22.3, httpMbps: 27.0, rounds: 25, ci95: [0.94, 1.24], spread: 0.1,
    warnings: [{ code: 'burst-scope', transferBytes: 620_000, rounds: 28 }],
  }),
  // A classifier of random-looking traffic at two thirds of a drifting line: both screening
  // legs alike, TLS 1.19x slower than low-entropy text, inside the margin (the lab's wide
  // fresh draw, bench/RESULTS.md 2026-12-05 14:04). The headline's figures read alike; the
  // note names the one that leaned (decision-notes.ts referenceLeanNotes).
  'reference-lean': result({
    verdict: 'no-difference', httpsMbps: 64.0, httpMbps: 64.8, rounds: 35, ci95: [1.01, 1.2], spread: 0.1,
    warnings: [
      { code: 'pair-lean', pair: 'tls-vs-low-entropy', rounds: 35, ratio: 1.186, ci95: [1.128, 1.22] },
      { code: 'burst-scope', transferBytes: 623_616, rounds: 35 },
    ],
  }),
  // Uploads leaning past the margin with an interval when the limit came.
  'lean': result({
    verdict: 'inconclusive', httpsMbps: 47.1, httpMbps: 48.0, rounds: 14, ci95: [0.96, 1.07], spread: 0.05,
    warnings: [
      { code: 'budget-spent', rounds: 14 },
      { code: 'pair-unsettled', pair: 'upload', rounds: 6, ratio: 4.9, ci95: [1.1, 7.3] },
    ],
  }),
  // The throttle lab's tbf run: HTTPS at the line's rate while the bucket held, then 9.6 Mbit/s;
  // the finding rests on the rounds after the turn (decision.ts rule 4t).
  'since-turn': result({
    verdict: 'tls-throttled', httpsMbps: 9.6, httpMbps: 26.0, rounds: 10, ci95: [1.92, 3.73], spread: 0.3,
    shaping: { leg: HTTPS, rateMbps: 9.6, burstBytes: 160_000 },
    warnings: [{ code: 'since-turn', rounds: 10, roundsBefore: 13 }],
  }),
  // A bucket on TLS alone that ran dry in some rounds and not in others: the finding rests on
  // the rounds slowed (decision.ts rule 4m, some-rounds.ts), 11 of 26.
  'some-rounds': result({
    verdict: 'tls-throttled', httpsMbps: 9.8, httpMbps: 46.0, rounds: 11, ci95: [4.31, 4.92], spread: 0.1,
    shaping: { leg: HTTPS, rateMbps: 9.8, burstBytes: 1_900_000 },
    warnings: [{ code: 'some-rounds', rounds: 11, totalRounds: 26 }],
  }),
  // A long path's difference on the first connections, not shown on the renewed ones when the
  // time came (decision.ts rule 1f).
  'fresh-unconfirmed': result({
    verdict: 'inconclusive', httpsMbps: 24.8, httpMbps: 37.6, rounds: 14, ci95: [1.38, 1.66], spread: 0.2,
    warnings: [
      { code: 'budget-spent', rounds: 14 },
      { code: 'fresh-unconfirmed', rounds: 4, minRounds: 3, ratio: 1.04, marginRatio: 1.25 },
    ],
  }),
  // The same for a finding from some rounds slowed (rule 4m): its confirmation counts such
  // rounds on the new connections, and the note gives the counts.
  'fresh-some-rounds': result({
    verdict: 'inconclusive', httpsMbps: 21.3, httpMbps: 38.9, rounds: 23, ci95: [0.97, 2.74], spread: 0.5,
    warnings: [
      { code: 'budget-spent', rounds: 23 },
      { code: 'fresh-unconfirmed', rounds: 7, minRounds: 3, ratio: 1.09, marginRatio: 1.25, slowedRounds: { up: 2, down: 0, farRatio: 2.5 } },
    ],
  }),
  // An upload cap found once screening had its answer, on a 26 ms path where the references
  // did not fit beside it (engine.ts admitDeferredReferences; the lab's wide fresh draw,
  // bench/RESULTS.md 2026-12-05 17:59): downloads alike at 43 Mbit/s, TLS uploads at a third,
  // and the low-entropy check left out, named.
  'upload-finding': uploadFinding(),
  // Legs alike while one still climbed when the limit came (decision.ts rule 1s): no "no difference".
  'rising-alike': result({
    verdict: 'inconclusive', httpsMbps: 15.9, httpMbps: 16.4, rounds: 9, ci95: [0.94, 1.12], spread: 0.1,
    warnings: [
      { code: 'budget-spent', rounds: 9 },
      { code: 'rising-alike', leg: 'http-80-down-random', firstMbps: 8.25, lastMbps: 16.35, rounds: 9 },
    ],
  }),
  // Uploads leaning in the one round they had when the limit came: no "no difference".
  'lean-few': result({
    verdict: 'inconclusive', httpsMbps: 19.8, httpMbps: 20.1, rounds: 11, ci95: [0.95, 1.06], spread: 0.05,
    warnings: [
      { code: 'budget-spent', rounds: 11 },
      { code: 'pair-unsettled', pair: 'upload', rounds: 1, ratio: 4.16, ci95: [NaN, NaN] },
    ],
  }),
} satisfies Record<string, Result>;

export type NoteStateName = keyof typeof NOTE_STATES;

export function historyEntry(i: number, r: Result, at = BASE_MS + i * 3 * 3_600_000): StoredEntry {
  return {
    id: `state-${i}`,
    startedAt: at - r.durationMs,
    finishedAt: at,
    endpoint: { id: 'example', name: 'endpoint.example', url: 'https://endpoint.example/' },
    trigger: i % 3 === 2 ? 'scheduled' : 'manual',
    result: r,
  };
}

/** Twenty runs over a week: mostly throttled in the evening, some clean, a few unsettled. */
export function twentyResults(): StoredEntry[] {
  const plan: StateName[] = [
    'no-difference', 'tls-throttled', 'no-difference', 'inconclusive', 'tls-throttled', 'failed', 'tls-throttled',
    'no-difference', 'tls-throttled', 'cancelled', 'inconclusive', 'tls-throttled', 'no-difference', 'tls-throttled',
    'interfered', 'tls-throttled', 'no-difference', 'inconclusive', 'tls-throttled', 'tls-throttled',
  ];
  return plan.map((name, i) => {
    const base = STATES[name];
    // Each throttled run a little different, so the whiskers are not all one line.
    const k = 1 + 0.15 * Math.sin(i * 1.7);
    const r: Result = Number.isFinite(base.ratio)
      ? { ...base, ratio: base.ratio * k, ci95: [base.ci95[0] * k, base.ci95[1] * k] }
      : base;
    return historyEntry(i, r, BASE_MS + i * 8 * 3_600_000);
  });
}

export async function setHistory(page: Page, history: StoredEntry[]): Promise<void> {
  // Without its index, which the popup then rebuilds (src/extension/shared/history-index.ts).
  await page.evaluate(async (h) => {
    await chrome.storage.local.remove('historyIndex');
    await chrome.storage.local.set({ history: h });
  }, history);
}

/** A run in its fourth round, 38 s in, as the background broadcasts it. */
export function runningState(nowMs: number, runId = 'screenshot-run', trigger: 'manual' | 'scheduled' = 'manual'): RunState {
  return {
    status: 'running',
    runId,
    trigger,
    endpoint: { id: 'example', name: 'endpoint.example', url: 'https://endpoint.example/' },
    startedAt: nowMs - 38_000,
    progress: {
      phase: 'rounds',
      round: 4,
      budgetShare: 0.41,
      leg: HTTPS,
      legs: { [HTTPS]: { mbps: 9.7, bytes: 12_000_000 }, [HTTP]: { mbps: 46.2, bytes: 12_000_000 } },
    },
  };
}

/**
 * Shows `state` in an open popup as the background would: a broadcast from another extension
 * page (runtime messages reach every extension page but the sender's).
 */
export async function broadcastState(sender: Page, state: RunState): Promise<void> {
  await sender.evaluate((s) => chrome.runtime.sendMessage({ event: 'state', state: s }).catch(() => undefined), state);
}
