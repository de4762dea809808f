import { describe, expect, it } from 'vitest';
import {
  createReportQueue,
  emptyQueue,
  enqueue,
  FIRST_BACKOFF_MS,
  MAX_BACKOFF_MS,
  MAX_PENDING,
  MAX_QUEUE_AGE_MS,
  outcomeForStatus,
  parseQueueState,
  recordOutcome,
  retryDelayMs,
  type QueueState,
  type SendOutcome,
} from '../../src/core/report-queue.js';
import type { Report } from '../../src/core/report.js';
import { sampleReport } from '../support/report-fixtures.js';

const half = () => 0.5;

/** A queue over an in-memory "storage" that round-trips through JSON, as storage.local does. */
function harness(outcomes: SendOutcome[] = []) {
  let stored: unknown = undefined;
  let now = 1_000_000;
  let consent = true;
  const sent: Report[] = [];
  const queue = createReportQueue({
    load: async () => (stored === undefined ? undefined : JSON.parse(stored as string)),
    save: async (s) => {
      stored = JSON.stringify(s);
    },
    send: async (r) => {
      sent.push(r);
      return outcomes.shift() ?? { kind: 'sent' };
    },
    nowMs: () => now,
    random: half,
    hasConsent: () => consent,
  });
  return {
    queue,
    sent,
    advance: (ms: number) => (now += ms),
    withdraw: () => (consent = false),
    stored: () => parseQueueState(stored === undefined ? undefined : JSON.parse(stored as string)),
  };
}

describe('retry schedule', () => {
  it('tries three times quickly: at once, after 2 s, after 10 s', () => {
    expect([retryDelayMs(1, half), retryDelayMs(2, half)]).toEqual([2_000, 10_000]);
  });

  it('then backs off exponentially from 15 minutes', () => {
    expect([3, 4, 5].map((n) => retryDelayMs(n, half))).toEqual([FIRST_BACKOFF_MS, 2 * FIRST_BACKOFF_MS, 4 * FIRST_BACKOFF_MS]);
  });

  it('never waits more than a day', () => {
    expect(retryDelayMs(40, half)).toBe(MAX_BACKOFF_MS);
  });

  it('spreads clients by +-10% so an outage does not end in one wave', () => {
    expect(retryDelayMs(3, () => 0)).toBe(0.9 * FIRST_BACKOFF_MS);
    expect(retryDelayMs(3, () => 0.999999) / FIRST_BACKOFF_MS).toBeCloseTo(1.1, 4);
  });
});

describe('outcomeForStatus', () => {
  it('counts 201 and a duplicate 200 as sent', () => {
    expect([outcomeForStatus(201, null), outcomeForStatus(200, null)]).toEqual([{ kind: 'sent' }, { kind: 'sent' }]);
  });

  it('retries after 429 and 503, as long as Retry-After says', () => {
    expect(outcomeForStatus(429, '120')).toEqual({ kind: 'retry', error: 'the collector answered 429', retryAfterMs: 120_000 });
    expect(outcomeForStatus(503, null)).toEqual({ kind: 'retry', error: 'the collector answered 503' });
  });

  it('ignores a Retry-After that is not a number of seconds', () => {
    expect(outcomeForStatus(503, 'Wed, 21 Oct 2026 07:28:00 GMT')).toEqual({ kind: 'retry', error: 'the collector answered 503' });
  });

  it('gives up on 413 and 422: the report will not change', () => {
    expect([outcomeForStatus(413, null).kind, outcomeForStatus(422, null).kind]).toEqual(['rejected', 'rejected']);
  });
});

describe('queue state', () => {
  it('keeps one entry per reportId', () => {
    const r = sampleReport();
    expect(enqueue(enqueue(emptyQueue(), r, 0), r, 5).pending).toHaveLength(1);
  });

  it('drops the oldest when full', () => {
    let s: QueueState = emptyQueue();
    const reports = Array.from({ length: MAX_PENDING + 1 }, () => sampleReport());
    for (const r of reports) s = enqueue(s, r, 0);
    expect(s.pending.map((p) => p.report.reportId)).toEqual(reports.slice(1).map((r) => r.reportId));
  });

  it('drops a report the collector rejected (4xx): retrying cannot help', () => {
    const r = sampleReport();
    const s = recordOutcome(enqueue(emptyQueue(), r, 0), r.reportId, { kind: 'rejected', error: '422' }, 10, half);
    expect([s.pending.length, s.sent.length]).toEqual([0, 0]);
  });

  it('honours a Retry-After longer than its own delay', () => {
    const r = sampleReport();
    const s = recordOutcome(enqueue(emptyQueue(), r, 0), r.reportId, { kind: 'retry', error: '429', retryAfterMs: 60_000 }, 10, half);
    expect(s.pending[0]!.nextAttemptMs).toBe(10 + 60_000);
  });

  it('reads garbage from storage as an empty queue', () => {
    expect(parseQueueState({ schemaVersion: 1, pending: 'x', sent: [{ report: 1 }] })).toEqual(emptyQueue());
    expect(parseQueueState('{')).toEqual(emptyQueue());
  });

  it('drops a stored entry whose report no longer validates and keeps the rest', () => {
    const good = sampleReport();
    const s = parseQueueState({
      schemaVersion: 1,
      pending: [
        { report: { ...sampleReport(), extra: 1 }, queuedMs: 0, attempts: 0, nextAttemptMs: 0 },
        { report: good, queuedMs: 0, attempts: 0, nextAttemptMs: 0 },
      ],
      sent: [],
    });
    expect(s.pending.map((p) => p.report.reportId)).toEqual([good.reportId]);
  });
});

describe('createReportQueue', () => {
  it('sends a report on the first flush and records it as sent', async () => {
    const h = harness();
    const r = sampleReport();
    await h.queue.add(r);
    const summary = await h.queue.flush();
    expect(summary).toEqual({ sent: 1, retrying: 0, rejected: 0, nextWakeMs: null });
    expect(h.stored().sent.map((s) => s.report.reportId)).toEqual([r.reportId]);
  });

  it('makes three quick tries, then waits 15 minutes', async () => {
    const fail: SendOutcome = { kind: 'retry', error: 'ECONNREFUSED 127.0.0.1:9' };
    const h = harness([fail, fail, fail]);
    await h.queue.add(sampleReport());
    await h.queue.flush();
    h.advance(2_000);
    await h.queue.flush();
    h.advance(10_000);
    const third = await h.queue.flush();
    expect(h.sent).toHaveLength(3);
    expect(third.nextWakeMs).toBe(1_000_000 + 12_000 + FIRST_BACKOFF_MS);
    h.advance(FIRST_BACKOFF_MS - 1);
    await h.queue.flush();
    expect(h.sent).toHaveLength(3);
    h.advance(1);
    await h.queue.flush();
    expect([h.sent.length, h.stored().pending.length]).toEqual([4, 0]);
  });

  it('keeps the last error for the popup', async () => {
    const h = harness([{ kind: 'retry', error: 'collector answered 503 after 812 ms' }]);
    await h.queue.add(sampleReport());
    await h.queue.flush();
    expect(h.stored().pending[0]!.lastError).toBe('collector answered 503 after 812 ms');
  });

  it('treats a send that throws as a retry, never as a crash', async () => {
    let stored: unknown;
    const queue = createReportQueue({
      load: async () => stored,
      save: async (s) => {
        stored = s;
      },
      send: async () => {
        throw new Error('offline');
      },
      nowMs: () => 0,
      random: half,
      hasConsent: () => true,
    });
    await queue.add(sampleReport());
    expect(await queue.flush()).toMatchObject({ sent: 0, retrying: 1 });
    expect((await queue.snapshot()).pending[0]).toMatchObject({ attempts: 1, lastError: 'offline' });
  });

  it('survives a restart: a new queue over the same storage still has the report', async () => {
    const h = harness([{ kind: 'retry', error: 'offline' }]);
    const r = sampleReport();
    await h.queue.add(r);
    await h.queue.flush();
    expect(h.stored().pending.map((p) => p.report.reportId)).toEqual([r.reportId]);
  });

  it('sends nothing and empties itself once consent is withdrawn', async () => {
    const h = harness();
    await h.queue.add(sampleReport());
    h.withdraw();
    await h.queue.flush();
    expect([h.sent.length, h.stored().pending.length]).toEqual([0, 0]);
  });

  it('clear() forgets every pending report', async () => {
    const h = harness([{ kind: 'retry', error: 'offline' }]);
    await h.queue.add(sampleReport());
    await h.queue.add(sampleReport());
    await h.queue.clear();
    expect(h.stored().pending).toEqual([]);
  });

  it('does not lose a report added while a flush is sending', async () => {
    let release!: () => void;
    let stored: unknown;
    const queue = createReportQueue({
      load: async () => stored,
      save: async (s) => {
        stored = structuredClone(s);
      },
      send: () => new Promise<SendOutcome>((r) => (release = () => r({ kind: 'sent' }))),
      nowMs: () => 0,
      random: half,
      hasConsent: () => true,
    });
    await queue.add(sampleReport());
    const flushing = queue.flush();
    await new Promise((r) => setTimeout(r, 10));
    const late = sampleReport();
    await queue.add(late);
    release();
    await flushing;
    expect((await queue.snapshot()).pending.map((p) => p.report.reportId)).toEqual([late.reportId]);
  });

  it('drops reports older than a week instead of sending them', async () => {
    const h = harness([{ kind: 'retry', error: 'offline' }]);
    await h.queue.add(sampleReport());
    await h.queue.flush();
    h.advance(MAX_QUEUE_AGE_MS + 1);
    await h.queue.flush();
    expect([h.sent.length, h.stored().pending.length]).toEqual([1, 0]);
  });
});
