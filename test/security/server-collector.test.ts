// Attacks on the collector against the real server on loopback: exports and aggregates asked
// for over and over, reports that lie about their hour or their own figures, and one address
// trying to publish a network's row alone.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_NETWORK_CEILING, DEFAULT_READ_CACHE, DEFAULT_READ_RATE_LIMIT } from '../../src/server/collector/index.js';
import { startTestCollector, type TestCollector } from '../server/collector/harness.js';
import { sampleReport } from '../support/report-fixtures.js';
import { attackFromChild, infoLatencyWhile, timedRequest } from './attack-kit.js';

/** The collector as `serve --collector` runs it: every limit at its default. */
const AS_SHIPPED = { readRateLimit: DEFAULT_READ_RATE_LIMIT, networkCeiling: DEFAULT_NETWORK_CEILING, readCache: DEFAULT_READ_CACHE };
const NETWORK_A = '127.0.0.2'; // 64501, Example Net A (harness.ts)
const OTHER = '127.0.0.3';

let c: TestCollector;
afterEach(() => c.close());

const post = (body: unknown, localAddress = NETWORK_A) =>
  timedRequest(c.port, '/v1/reports', { method: 'POST', localAddress, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('read attacks on the collector', () => {
  it('40 exports of 14,000 reports at once: one pass over the table serves them all, and /info answers within a second', async () => {
    c = await startTestCollector('sqlite', AS_SHIPPED);
    const hour = `${new Date().toISOString().slice(0, 13)}:00:00Z`;
    for (let i = 0; i < 14; i++) {
      const rows = Array.from({ length: 1000 }, (_, j) => ({ receivedHour: hour, asn: 64501 + (j % 3), network: 'X', country: 'CA', report: sampleReport() }));
      await c.collector.store.insertMany(rows);
    }
    const pages = vi.spyOn(c.collector.store, 'exportPage');
    const exports = attackFromChild(
      c.port,
      Array.from({ length: 40 }, (_, i) => ({ path: `/v1/export?format=${i % 2 ? 'csv' : 'ndjson'}`, localAddress: i % 2 ? '127.0.0.4' : '127.0.0.5' })),
    );
    const info = await infoLatencyWhile(c.port, exports);
    const answers = await exports;
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(200));
    expect(new Set(answers.filter((_, i) => i % 2 === 0).map((a) => a.bytes)).size).toBe(1);
    expect(answers[0]!.bytes).toBeGreaterThan(14_000 * 500);
    // 14 pages of 1000 and the empty one that ends the pass: one pass, not forty.
    expect(pages).toHaveBeenCalledTimes(15);
    expect(info.statuses).toEqual(new Set([200]));
    expect(info.worstMs).toBeLessThan(1000);
  });

  it('one address asking for aggregates again and again is refused with 429 and a JSON error after its burst, others are served', async () => {
    c = await startTestCollector('sqlite', AS_SHIPPED);
    const statuses: number[] = [];
    let refused;
    for (let i = 0; i < 60; i++) {
      const a = await timedRequest(c.port, '/v1/aggregates?window=all', { localAddress: '127.0.0.1' });
      statuses.push(a.status);
      if (a.status === 429) refused = a;
    }
    expect(statuses).toEqual([...Array(30).fill(200), ...Array(30).fill(429)]);
    expect(JSON.parse(refused!.text).error).toMatch(/^too many requests from this address; try again in \d+ s$/);
    expect(Number(refused!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await timedRequest(c.port, '/v1/aggregates?window=all', { localAddress: OTHER })).status).toBe(200);
  });
});

describe('report attacks on the collector', () => {
  it('refuses a report with an impossible hour and stores nothing', async () => {
    c = await startTestCollector('sqlite', AS_SHIPPED);
    const res = await post({ ...sampleReport(), hour: '0000-00-00T00:00:00Z' });
    expect([res.status, JSON.parse(res.text).error]).toEqual([422, "the report's hour 0000-00-00T00:00:00Z is not a real hour"]);
    expect(await c.collector.store.reportIds()).toEqual([]);
  });

  it('refuses tls-throttled at ratio 1.02 and stores nothing', async () => {
    c = await startTestCollector('sqlite', AS_SHIPPED);
    const res = await post({ ...sampleReport('tls-throttled'), ratio: 1.02, ci95: [0.97, 1.08] });
    expect(res.status).toBe(422);
    expect(JSON.parse(res.text).error).toBe("the verdict tls-throttled needs an interval wholly above 1.25, and the report's figures are ratio 1.02, interval 0.97-1.08");
    expect(await c.collector.store.reportIds()).toEqual([]);
  });

  it('one address sending 30 reports about its network gets 4 stored, so it cannot publish the network alone', async () => {
    c = await startTestCollector('sqlite', AS_SHIPPED);
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await post(sampleReport())).status);
    expect(statuses).toEqual([...Array(4).fill(201), ...Array(26).fill(429)]);
    expect(JSON.parse((await post(sampleReport())).text).error).toMatch(/^this address has sent the 4 reports about this network it may send at once; try again in \d+ s$/);
    const agg = JSON.parse((await timedRequest(c.port, '/v1/aggregates?window=day&days=1', { localAddress: OTHER })).text) as { groups: unknown[] };
    expect(agg.groups).toEqual([]);
    // Another network's reporter is not held back by it.
    expect((await post(sampleReport(), OTHER)).status).toBe(201);
  });
});
