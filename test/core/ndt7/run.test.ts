// runNdt7Measurement on a simulated M-Lab (test/support/sim-ndt7.ts): the rules of the method
// as the M-Lab provider applies them, one by one, in virtual time. The same runs against real
// ndt7 servers on loopback are in test/server/ndt7/mlab-run.test.ts.
import { describe, expect, it } from 'vitest';
import { MIN_ROUNDS } from '../../../src/core/interval-rule.js';
import { MIN_FLOW_BYTES } from '../../../src/core/needs-rounds.js';
import { runNdt7Measurement, type Ndt7Deps, type Ndt7Options, type Ndt7Result } from '../../../src/core/ndt7/run.js';
import type { Note, NoteCode } from '../../../src/core/notes.js';
import { xoshiro128 } from '../../../src/core/payload.js';
import {
  SIM_LOCATE_URL,
  simNdt7,
  type SimNdt7,
  type SimNdt7Leg,
  type SimNdt7LegKey,
  type SimNdt7Machine,
  type SimNdt7Options,
} from '../../support/sim-ndt7.js';

const OPTS: Ndt7Options = { locateUrl: SIM_LOCATE_URL, diagnose: 'auto', budgetBytes: 60e6, maxDurationMs: 60_000, clientVersion: 'test' };

/** A machine whose legs run at 50 Mbit/s down and 20 up unless the test says otherwise. */
function machine(name: string, legs: Partial<Record<SimNdt7LegKey, SimNdt7Leg>> = {}, extra: Partial<SimNdt7Machine> = {}): SimNdt7Machine {
  return {
    machine: name,
    legs: {
      'wss-down': { mbps: 50, noise: 0.05 },
      'ws-down': { mbps: 50, noise: 0.05 },
      'wss-up': { mbps: 20, noise: 0.05 },
      'ws-up': { mbps: 20, noise: 0.05 },
      ...legs,
    },
    ...extra,
  };
}

async function run(
  machines: SimNdt7Machine[],
  opts: Partial<Ndt7Options> = {},
  sim: Partial<SimNdt7Options> = {},
  deps: (net: SimNdt7) => Partial<Ndt7Deps> = () => ({}),
): Promise<{ result: Ndt7Result; net: SimNdt7 }> {
  const net = simNdt7({ machines, ...sim });
  const rnd = xoshiro128(7);
  const result = await net.clock.run(() =>
    runNdt7Measurement(
      { fetch: net.fetch, webSocket: net.webSocket, clock: net.clock, random: () => rnd() / 2 ** 32, ...deps(net) },
      { ...OPTS, ...opts },
    ),
  );
  return { result, net };
}

const codes = (notes: Note[]): NoteCode[] => notes.map((n) => n.code);
/**
 * Payload bytes the servers delivered (downloads) or the client sent (uploads), on every test,
 * whatever became of it. The run's bytesUsed must cover them all: the budget is the user's
 * line (src/core/engine/driver.ts, Measured.bytesUsed). The measurements' text sent during
 * uploads is left out, as subtest.ts counts an upload by what the client sent.
 */
const payloadMoved = (net: SimNdt7) => net.tests.reduce((s, t) => s + t.bytes, 0);
const note = <C extends NoteCode>(notes: Note[], code: C) => notes.find((n): n is Extract<Note, { code: C }> => n.code === code);
/** Bytes each screening leg's flow carried: one ndt7 test is one flow (src/core/ndt7/driver.ts). */
const longestFlow = (r: Ndt7Result, scheme: 'https' | 'http') =>
  Math.max(...r.legs.find((l) => l.scheme === scheme && l.direction === 'down')!.transfers.map((t) => t.bytes));

/** Memoises a run that two tests read: one for what the run did, one for what it counted. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= make());
}

/** A test cut off in the middle of the third round's first test, and nothing else. */
const cutOnce = once(() => {
  let cut = false;
  return run([machine('mlab1-sim01')], {}, {}, (net) => ({
    onProgress: (p) => {
      if (!cut && p.phase === 'rounds' && p.round === 3 && !p.transferDone && p.bytes! > 1e6) {
        cut = true;
        net.cutTests('mlab1-sim01');
      }
    },
  }));
});

/** The server goes away in the middle of the fourth round's wss test. */
const goneMidRun = once(() =>
  run([machine('mlab1-sim01')], {}, {}, (net) => ({
    onProgress: (p) => {
      if (p.phase === 'rounds' && p.round === 4 && !p.transferDone && p.leg?.startsWith('wss') && p.bytes! > 1e6) net.cutTests('mlab1-sim01', true);
    },
  })),
);

/** Uploads at 20 Mbit/s on a server that sends no measurements during them. */
const clientTimedUploads = once(() =>
  run([machine('mlab1-sim01', {}, { uploadMeasurements: false })], { diagnose: 'always', budgetBytes: 150e6 }),
);

/** TLS uploads capped at a fifth, uploads asked for, on a budget that fits 6 rounds of 4 legs. */
const uploadCapOnSmallBudget = once(() =>
  run([machine('mlab1-sim01', { 'wss-up': { mbps: 5, noise: 0.05 }, 'ws-up': { mbps: 25, noise: 0.05 } })], { diagnose: 'always' }),
);
/** The same under the interval rule, whose findings must hold at two looks in a row (decision.ts rule 5). */
const uploadCapOnSmallBudgetTwoLooks = once(() =>
  run([machine('mlab1-sim01', { 'wss-up': { mbps: 5, noise: 0.05 }, 'ws-up': { mbps: 25, noise: 0.05 } })], { diagnose: 'always', stoppingRule: 'interval' }),
);

/** wss runs and ws is refused, on both servers. */
const plainRefusedTwice = once(() => {
  const plainRefused = { 'ws-down': { mbps: 50, refuse: 'http-503' as const } };
  return run([machine('mlab1-a', plainRefused), machine('mlab2-b', plainRefused)]);
});

describe('runNdt7Measurement on a simulated M-Lab', () => {
  it('finds no difference on an even line, within budget, with wss and ws interleaved', async () => {
    const order: string[] = [];
    const { result, net } = await run([machine('mlab1-sim01')], {}, {}, () => ({
      onProgress: (p) => void (p.phase === 'rounds' && p.transferDone && order.push(p.leg!)),
    }));
    expect(result.verdict).toBe('no-difference');
    expect(result.rounds).toBeGreaterThanOrEqual(MIN_ROUNDS);
    expect(result.ci95[0]).toBeGreaterThan(0.8);
    expect(result.ci95[1]).toBeLessThan(1.25);
    expect(result.bytesUsed).toBeLessThanOrEqual(OPTS.budgetBytes);
    expect(result.durationMs).toBeLessThanOrEqual(OPTS.maxDurationMs);
    expect(result.endpoint).toBe('mlab:mlab1-sim01');
    expect(result.legs.map((l) => l.id)).toEqual(['wss-443-down-random', 'ws-80-down-random']);
    // Interleaved: one of each in every round, in an order drawn per round (plan.ts roundOrder).
    expect(order).toHaveLength(2 * result.rounds);
    for (let r = 0; r < result.rounds; r++) expect([...order.slice(2 * r, 2 * r + 2)].sort()).toEqual(['ws-80-down-random', 'wss-443-down-random']);
    // Each ndt7 test is a flow of its own, far short of MIN_FLOW_BYTES: the answer says so.
    expect(codes(result.warnings)).toEqual(['mlab-scope', 'short-flow', 'burst-scope']);
    expect(note(result.warnings, 'short-flow')!.carriedBytes).toBeLessThan(MIN_FLOW_BYTES);
    // Downloads were even, so 'auto' never added the uploads.
    expect(net.tests.some((t) => t.leg.endsWith('-up'))).toBe(false);
    expect(result.mlab).toMatchObject({ machine: 'mlab1-sim01', noCapacity: false, serversTried: [{ machine: 'mlab1-sim01' }] });
    expect(result.mlab.testIds.length).toBeGreaterThanOrEqual(2 * result.rounds);
  });

  it('finds TLS throttled to a fifth, with the ratio near 5 and the shaped rate', async () => {
    const { result } = await run([machine('mlab1-sim01', { 'wss-down': { mbps: 10, noise: 0.05 } })]);
    expect(result.verdict).toBe('tls-throttled');
    expect(result.ratio).toBeGreaterThan(4);
    expect(result.ratio).toBeLessThan(6);
    expect(result.ci95[0]).toBeGreaterThan(1.25);
    expect(result.shaping?.leg).toBe('wss-443-down-random');
    expect(result.shaping?.rateMbps).toBeGreaterThan(9);
    expect(result.shaping?.rateMbps).toBeLessThan(11);
  });

  it('finds plaintext throttled when ws is the slow one', async () => {
    const { result } = await run([machine('mlab1-sim01', { 'wss-down': { mbps: 40, noise: 0.05 }, 'ws-down': { mbps: 10, noise: 0.05 } })]);
    expect(result.verdict).toBe('plaintext-throttled');
    expect(result.ratio).toBeGreaterThan(0.2);
    expect(result.ratio).toBeLessThan(0.3);
    expect(result.ci95[1]).toBeLessThan(1 / 1.25);
  });

  it('follows a difference in downloads with the uploads under diagnose "auto"', async () => {
    // Uploads last a second at least (the server times them in 250 ms steps): a budget as the lab's.
    const { result, net } = await run([machine('mlab1-sim01', { 'wss-down': { mbps: 10, noise: 0.05 } })], { budgetBytes: 150e6 });
    expect(result.verdict).toBe('tls-throttled');
    expect(result.comparisons.map((c) => c.id)).toEqual(['screen', 'upload']);
    expect(net.tests.some((t) => t.leg === 'wss-up')).toBe(true);
    expect(net.tests.some((t) => t.leg === 'ws-up')).toBe(true);
  });

  it('finds an upload-only cap with diagnose "always", and says the difference is in uploads', async () => {
    const legs = { 'wss-up': { mbps: 5, noise: 0.05 }, 'ws-up': { mbps: 25, noise: 0.05 } };
    const { result } = await run([machine('mlab1-sim01', legs)], { diagnose: 'always', budgetBytes: 150e6 });
    expect(result.verdict).toBe('tls-throttled');
    expect(note(result.warnings, 'upload-only')).toEqual({ code: 'upload-only', downloads: 'same' });
    const upload = result.comparisons.find((c) => c.id === 'upload')!;
    expect(upload.outcome).toBe('slower');
    expect(result.ratio).toBe(upload.ratio);
    expect(upload.ratio).toBeGreaterThan(4);
    expect(upload.ratio).toBeLessThan(6);
    // The server's 250 ms counts timed every upload.
    expect(codes(result.warnings)).not.toContain('upload-client-timed');
    expect(codes(result.warnings)).not.toContain('upload-untimed');
  });

  it('leaves an upload difference unclear when its second look does not fit the budget (interval rule)', async () => {
    const { result } = await uploadCapOnSmallBudgetTwoLooks();
    expect(codes(result.warnings)).toContain('budget-spent');
    const upload = result.comparisons.find((c) => c.id === 'upload')!;
    expect(upload.outcome).toBe('unclear');
    expect(upload.pendingRound).toBe(true);
    expect(upload.ci95[0]).toBeGreaterThan(1.25);
  });

  it('times uploads on the client, and says so, when the server sends no measurements', async () => {
    const { result } = await clientTimedUploads();
    expect(codes(result.warnings)).toContain('upload-client-timed');
    const up = result.legs.filter((l) => l.direction === 'up');
    expect(up).toHaveLength(2);
    for (const leg of up) expect(leg.medianMbps).toBeGreaterThan(0);
  });

  it('notes that a server without upload URLs cannot compare uploads', async () => {
    const m = machine('mlab1-sim01');
    delete m.legs['wss-up'];
    delete m.legs['ws-up'];
    const { result } = await run([m], { diagnose: 'always' });
    expect(result.verdict).toBe('no-difference');
    expect(note(result.warnings, 'mlab-no-uploads')).toEqual({ code: 'mlab-no-uploads', machine: 'mlab1-sim01' });
    expect(result.comparisons.map((c) => c.id)).toEqual(['screen']);
  });

  it('moves on to the second server when the first refuses the test, and lists both', async () => {
    const { result } = await run([machine('mlab1-full', { 'wss-down': { mbps: 50, refuse: 'http-503' } }), machine('mlab2-free')]);
    expect(result.verdict).toBe('no-difference');
    expect(result.endpoint).toBe('mlab:mlab2-free');
    expect(result.mlab.serversTried).toEqual([{ machine: 'mlab1-full', error: expect.stringContaining('503') }, { machine: 'mlab2-free' }]);
    expect(result.mlab.noCapacity).toBe(false);
  });

  it('fails as refused, with no capacity, when every server closes the test at once (1013)', async () => {
    const refusing = { 'wss-down': { mbps: 50, refuse: 'close-1013' as const }, 'ws-down': { mbps: 50, refuse: 'close-1013' as const } };
    const { result } = await run([machine('mlab1-a', refusing), machine('mlab2-b', refusing), machine('mlab3-c', refusing)]);
    expect(result.verdict).toBe('failed');
    expect(result.error?.code).toBe('mlab-refused');
    expect(result.mlab.noCapacity).toBe(true);
    expect(result.mlab.serversTried.map((s) => s.machine)).toEqual(['mlab1-a', 'mlab2-b', 'mlab3-c']);
    expect(result.mlab.serversTried.every((s) => s.error?.includes('1013'))).toBe(true);
    expect(result.bytesUsed).toBe(0);
  });

  it('tries no more servers than maxServers', async () => {
    const refusing = { 'wss-down': { mbps: 50, refuse: 'http-503' as const } };
    const { result, net } = await run([machine('mlab1-a', refusing), machine('mlab2-b', refusing), machine('mlab3-c')], { maxServers: 2 });
    expect(result.error?.code).toBe('mlab-refused');
    expect(result.mlab.serversTried.map((s) => s.machine)).toEqual(['mlab1-a', 'mlab2-b']);
    expect(net.tests.some((t) => t.machine === 'mlab3-c')).toBe(false);
  });

  it('calls it interfered when wss runs but ws is refused on two servers', async () => {
    const { result, net } = await plainRefusedTwice();
    expect(result.verdict).toBe('interfered');
    expect(result.error?.code).toBe('interfered');
    expect(result.mlab.serversTried.map((s) => s.machine)).toEqual(['mlab1-a', 'mlab2-b']);
    // The wss test did run on both.
    expect(net.tests.filter((t) => t.leg === 'wss-down' && t.outcome === 'completed').map((t) => t.machine)).toEqual(['mlab1-a', 'mlab2-b']);
  });

  it('does not call one server refusing ws interference when the next one serves it', async () => {
    const { result } = await run([machine('mlab1-a', { 'ws-down': { mbps: 50, refuse: 'http-503' } }), machine('mlab2-b')]);
    expect(result.verdict).toBe('no-difference');
    expect(result.endpoint).toBe('mlab:mlab2-b');
  });

  it('fails with no capacity when the locate service has none, by 503 or by an empty list', async () => {
    for (const locateNoCapacity of ['503', 'empty'] as const) {
      const { result, net } = await run([machine('mlab1-sim01')], {}, { locateNoCapacity });
      expect(result.verdict).toBe('failed');
      expect(result.error?.code).toBe('mlab-no-capacity');
      expect(result.mlab.noCapacity).toBe(true);
      expect(net.tests).toHaveLength(0);
    }
  });

  it('does not claim what it could not see: a throttle after 7 MB of a flow is past every ndt7 test', async () => {
    // Wehe's T-Mobile case (needs-rounds.ts MIN_FLOW_BYTES): 20 Mbit/s, then 1.5 after about 7 MB.
    const legs = { 'wss-down': { mbps: 20, noise: 0.05, slowAfterBytes: 7e6, slowMbps: 1.5 }, 'ws-down': { mbps: 20, noise: 0.05 } };
    const { result, net } = await run([machine('mlab1-sim01', legs)], { diagnose: 'never' });
    // No test reached the threshold, so the throttle never showed ...
    expect(Math.max(...net.tests.filter((t) => t.leg === 'wss-down').map((t) => t.bytes))).toBeLessThan(7e6);
    // ... and the answer carries how far the flows went, in bytes.
    expect(result.verdict).toBe('no-difference');
    const short = note(result.warnings, 'short-flow')!;
    expect(short).toBeDefined();
    expect(short.minFlowBytes).toBe(MIN_FLOW_BYTES);
    expect(short.carriedBytes).toBe(Math.min(longestFlow(result, 'https'), longestFlow(result, 'http')));
    expect(short.carriedBytes).toBeLessThan(7e6);
  });

  it('keeps the complete rounds, and notes it stopped early, when the server goes away mid-test', async () => {
    const { result, net } = await goneMidRun();
    expect(net.tests.filter((t) => t.outcome === 'dropped')).toHaveLength(1);
    expect(result.verdict).not.toBe('failed');
    expect(result.error).toBeUndefined();
    expect(result.rounds).toBe(3);
    expect(note(result.warnings, 'stopped-early')).toMatchObject({ code: 'stopped-early', rounds: 3 });
    for (const leg of result.legs) expect(leg.transfers).toHaveLength(3);
    // Three rounds allow no 95% interval.
    expect(result.verdict).toBe('inconclusive');
    expect(note(result.warnings, 'too-few-rounds')).toEqual({ code: 'too-few-rounds', rounds: 3, minRounds: MIN_ROUNDS });
  });

  it('retries a test cut off once mid-run, and carries on', async () => {
    const { result, net } = await cutOnce();
    expect(net.tests.filter((t) => t.outcome === 'dropped')).toHaveLength(1);
    expect(result.verdict).toBe('no-difference');
    expect(codes(result.warnings)).not.toContain('stopped-early');
    for (const leg of result.legs) expect(leg.transfers).toHaveLength(result.rounds);
  });

  it('fails, naming the drop, when the server goes away before a round is complete', async () => {
    const { result, net } = await run([machine('mlab1-sim01', {}, { downAtMs: 200 })]);
    expect(net.tests[0]).toMatchObject({ leg: 'wss-down', outcome: 'dropped' });
    expect(result.verdict).toBe('failed');
    expect(result.error?.code).toBe('dropped');
    expect(result.rounds).toBe(0);
  });

  it('fails, naming the drop, when the server cuts every test off', async () => {
    const { result, net } = await run([machine('mlab1-sim01', { 'wss-down': { mbps: 50, dropAfterBytes: 200_000 } })]);
    expect(result.verdict).toBe('failed');
    expect(result.error?.code).toBe('dropped');
    // A drop is the path's or the server's trouble mid-test, not a refusal: no other server is tried.
    expect(result.mlab.serversTried).toEqual([{ machine: 'mlab1-sim01', error: expect.any(String) }]);
    // Cut in the message that would have crossed 200 kB: whole messages before it arrived.
    const dropped = net.tests.filter((t) => t.outcome === 'dropped');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]!.bytes).toBeGreaterThan(150_000);
    expect(dropped[0]!.bytes).toBeLessThanOrEqual(200_000);
  });

  it('fails when the client turns ws:// into wss:// (an upgrade-insecure-requests CSP would)', async () => {
    const { result } = await run([machine('mlab1-sim01'), machine('mlab2-sim02')], {}, {}, (net) => ({
      webSocket: (url, protocol) => net.webSocket(url.replace(/^ws:/, 'wss:'), protocol),
    }));
    expect(result.verdict).toBe('failed');
    expect(result.error?.code).toBe('not-plaintext');
    // The path's doing is not the server's: no other server is tried.
    expect(result.mlab.serversTried).toHaveLength(1);
  });

  it('fails as aborted when the caller cancels mid-run', async () => {
    const abort = new AbortController();
    const { result } = await run([machine('mlab1-sim01')], {}, {}, (net) => {
      net.clock.setTimer(() => abort.abort(), 4_000);
      return { signal: abort.signal };
    });
    expect(result.verdict).toBe('failed');
    expect(result.error?.code).toBe('aborted');
  });

  it('never spends more than the byte or time budget, and counts every byte it moved', async () => {
    const cases: { legs: Partial<Record<SimNdt7LegKey, SimNdt7Leg>>; opts: Partial<Ndt7Options> }[] = [
      // A fast line: the byte allowance ends each test, and more arrives after the Close.
      { legs: { 'wss-down': { mbps: 400, noise: 0.2 }, 'ws-down': { mbps: 400, noise: 0.2 } }, opts: { budgetBytes: 60e6 } },
      { legs: { 'wss-down': { mbps: 50, noise: 0.4 }, 'ws-down': { mbps: 50, noise: 0.4 } }, opts: { budgetBytes: 20e6 } },
      { legs: { 'wss-down': { mbps: 10, noise: 0.05 } }, opts: { budgetBytes: 30e6, diagnose: 'always' } },
      { legs: { 'wss-down': { mbps: 3, noise: 0.3 }, 'ws-down': { mbps: 3, noise: 0.3 } }, opts: { maxDurationMs: 30_000 } },
    ];
    for (const [i, c] of cases.entries()) {
      const { result, net } = await run([machine('mlab1-sim01', c.legs)], c.opts, { seed: i + 1 });
      const budgetBytes = c.opts.budgetBytes ?? OPTS.budgetBytes;
      expect(result.bytesUsed, `case ${i}`).toBeLessThanOrEqual(budgetBytes);
      expect(result.durationMs, `case ${i}`).toBeLessThanOrEqual(c.opts.maxDurationMs ?? OPTS.maxDurationMs);
      expect(result.bytesUsed, `case ${i}`).toBeGreaterThanOrEqual(payloadMoved(net));
    }
  });

  it('asks for fresh access tokens before they expire on a long run, so no test is refused', async () => {
    // A 10 Mbit/s line makes the run last; tokens last 15 s and are renewed after 10.
    const legs = { 'wss-down': { mbps: 10, noise: 0.05 }, 'ws-down': { mbps: 10, noise: 0.05 } };
    const { result, net } = await run([machine('mlab1-sim01', legs)], { tokenRefreshMs: 10_000 }, { tokenTtlMs: 15_000 });
    expect(result.durationMs).toBeGreaterThan(30_000);
    expect(net.locateRequests.length).toBeGreaterThanOrEqual(3);
    expect(net.tests.filter((t) => t.outcome === 'token-refused')).toHaveLength(0);
    expect(codes(result.warnings)).not.toContain('mlab-retried');
    expect(result.verdict).toBe('no-difference');
  });

  it('retries a test refused for its token with fresh ones, once, and carries on', async () => {
    let expired = false;
    const { result, net } = await run([machine('mlab1-sim01')], {}, {}, (n) => ({
      onProgress: (p) => {
        if (!expired && p.phase === 'rounds' && p.round === 2 && p.transferDone) {
          expired = true;
          n.expireTokens();
        }
      },
    }));
    expect(net.tests.filter((t) => t.outcome === 'token-refused')).toHaveLength(1);
    expect(net.locateRequests).toHaveLength(2);
    expect(note(result.warnings, 'mlab-retried')).toMatchObject({ code: 'mlab-retried', machine: 'mlab1-sim01' });
    expect(result.verdict).toBe('no-difference');
  });
});

// Each of these once failed: bytes moved by tests cut short, and by probes on servers given up,
// went uncounted; client-timed uploads read the send buffer after it drained; and equal
// downloads answered no-difference while the uploads asked for stood 5x apart.
describe('runNdt7Measurement, accounting and upload rules', () => {
  it('counts what a browser hides after its Close, and stops the run when the Close is slow', async () => {
    // A browser shows no message once closing; the bytes still cross the line. Held 50 ms, the
    // hidden bytes were a third of what the run moved (46.3 MB counted of 72.5 without the
    // estimate); held 3 s (a browser too busy reading to send it), they are seconds of the
    // line, and the run says where the data went.
    for (const heldMs of [50, 3_000]) {
      const legs = { 'wss-down': { mbps: 200, noise: 0.05 }, 'ws-down': { mbps: 200, noise: 0.05 } };
      const { result, net } = await run([machine('mlab1-sim01', legs)], {}, { browserClose: { heldMs } });
      expect(result.bytesUsed, `held ${heldMs} ms`).toBeGreaterThanOrEqual(payloadMoved(net));
      // An estimate, not a tally: within a fifth of what the servers sent.
      expect(result.bytesUsed, `held ${heldMs} ms`).toBeLessThanOrEqual(payloadMoved(net) * 1.2 + 1e6);
      const slow = note(result.warnings, 'mlab-slow-close');
      if (heldMs < 1_000) {
        expect(slow).toBeUndefined();
        expect(result.verdict).toBe('no-difference');
      } else {
        expect(slow!.closeWaitMs).toBeGreaterThanOrEqual(3_000);
        expect(slow!.unseenBytes).toBeGreaterThan(60e6);
        expect(result.rounds).toBe(0);
        // The first probe alone spent the budget: the run asks for no further test, and says
        // what a run would cost on this browser and line.
        expect(net.tests).toHaveLength(1);
        expect(result.verdict).toBe('inconclusive');
        expect(note(result.warnings, 'budget-too-small')!.neededBytes).toBeGreaterThan(1e9);
      }
    }
  });

  it('counts the bytes of a test cut off and retried', async () => {
    const { result, net } = await cutOnce();
    expect(result.bytesUsed).toBeGreaterThanOrEqual(payloadMoved(net));
  });

  it('counts the bytes of the test a server going away cut short', async () => {
    const { result, net } = await goneMidRun();
    expect(result.bytesUsed).toBeGreaterThanOrEqual(payloadMoved(net));
  });

  it('counts the bytes of the wss tests on servers that refused ws', async () => {
    const { result, net } = await plainRefusedTwice();
    expect(result.bytesUsed).toBeGreaterThanOrEqual(payloadMoved(net));
  });

  it('times uploads on the client at the line\'s rate', async () => {
    const { result } = await clientTimedUploads();
    for (const leg of result.legs.filter((l) => l.direction === 'up')) {
      expect(leg.medianMbps).toBeGreaterThan(16);
      expect(leg.medianMbps).toBeLessThan(24);
    }
  });

  it('does not answer no-difference while the uploads it was asked for stand 5x apart', async () => {
    const { result } = await uploadCapOnSmallBudget();
    expect(result.verdict).toBe('inconclusive');
    expect(result.warnings).toContainEqual(expect.objectContaining({ code: 'pair-unsettled', pair: 'upload' }));
  });
});
