// The collector's behaviour, the same suite over SQLite and PostgreSQL.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AggregateGroup } from '../../../src/server/collector/aggregates.js';
import { CSV_COLUMNS } from '../../../src/server/collector/export-format.js';
import { sampleReport } from '../../support/report-fixtures.js';
import { httpRequest, STORE_KINDS, startTestCollector, stopTestPostgres, type TestCollector } from './harness.js';

afterAll(stopTestPostgres);

const A = '127.0.0.2';
const B = '127.0.0.3';

describe.each(STORE_KINDS)('collector over %s', (kind) => {
  let c: TestCollector;
  beforeEach(async () => {
    c = await startTestCollector(kind);
  });
  afterEach(() => c.close());

  async function postMany(n: number, verdict: Parameters<typeof sampleReport>[0], localAddress: string) {
    for (let i = 0; i < n; i++) expect((await c.post(sampleReport(verdict), { localAddress })).status).toBe(201);
  }
  const aggregates = async (query = 'window=all&days=7') => (await c.get(`/v1/aggregates?${query}`)).json() as { groups: AggregateGroup[]; minReports: number };

  it('stores a valid report and answers 201', async () => {
    const r = sampleReport();
    const res = await c.post(r, { localAddress: A });
    expect([res.status, res.json()]).toEqual([201, { stored: true, duplicate: false }]);
    expect(await c.collector.store.reportIds()).toEqual([r.reportId]);
  });

  it('stores a retried upload once and still acknowledges it', async () => {
    const r = sampleReport();
    await c.post(r);
    const again = await c.post(r);
    expect([again.status, again.json()]).toEqual([200, { stored: true, duplicate: true }]);
    expect(await c.collector.store.reportIds()).toHaveLength(1);
  });

  it('answers 422 with the failing fields for a report that breaks the schema', async () => {
    const res = await c.post({ ...sampleReport(), verdict: 'slow' });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.json())).toContain('verdict');
  });

  it('refuses a report from the future and one older than 30 days', async () => {
    const future = sampleReport('no-difference', { endedAtMs: Date.now() + 3 * 3600_000 });
    const old = sampleReport('no-difference', { endedAtMs: Date.now() - 31 * 86_400_000 });
    expect([(await c.post(future)).status, (await c.post(old)).status]).toEqual([422, 422]);
    expect(await c.collector.store.reportIds()).toEqual([]);
  });

  it('answers 503 with Retry-After when the database fails, and keeps serving', async () => {
    await c.collector.store.close();
    const res = await c.post(sampleReport());
    expect([res.status, res.headers['retry-after']]).toEqual([503, '60']);
    expect(c.logLines.some((l) => l.startsWith('collector: storing a report failed (1 so far)'))).toBe(true);
    expect((await c.get('/v1/')).status).toBe(200);
  });

  it('answers a CORS preflight for the extension', async () => {
    const res = await httpRequest(c.port, '/v1/reports', { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-headers']).toBe('content-type');
  });

  it('aggregates per network and country, with counts and shares of each verdict', async () => {
    await postMany(6, 'tls-throttled', A);
    await postMany(2, 'no-difference', A);
    const { groups } = await aggregates();
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ asn: 64501, network: 'Example Net A', country: 'CA', reports: 8 });
    expect(groups[0]!.verdicts['tls-throttled']).toEqual({ count: 6, share: 0.75 });
    expect(groups[0]!.verdicts['no-difference']).toEqual({ count: 2, share: 0.25 });
    expect(groups[0]!.verdicts.failed).toEqual({ count: 0, share: 0 });
  });

  it('stores and counts findings by server name as their own verdict', async () => {
    await postMany(5, 'sni-throttled', A);
    const { groups } = await aggregates();
    expect(groups[0]!.verdicts['sni-throttled']).toEqual({ count: 5, share: 1 });
    expect(groups[0]!.verdicts['tls-throttled']).toEqual({ count: 0, share: 0 });
    const lines = (await c.get('/v1/export')).text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ verdict: 'sni-throttled', sni: { name: 'twitter.com', rateMbps: 0.128 } });
  });

  it('leaves out a group with fewer than 5 reports', async () => {
    await postMany(5, 'no-difference', A);
    await postMany(4, 'tls-throttled', B);
    const res = await aggregates();
    expect(res.minReports).toBe(5);
    expect(res.groups.map((g) => g.asn)).toEqual([64501]);
  });

  it('groups clients on private or unknown addresses as an unknown network', async () => {
    await postMany(5, 'inconclusive', '127.0.0.1');
    expect((await aggregates()).groups).toMatchObject([{ asn: null, network: null, country: null, reports: 5 }]);
  });

  it('windows by day, week and month, and labels weeks by their Monday', async () => {
    await postMany(5, 'no-difference', A);
    const today = new Date().toISOString().slice(0, 10);
    const dow = (new Date().getUTCDay() + 6) % 7;
    const monday = new Date(Date.now() - dow * 86_400_000).toISOString().slice(0, 10);
    expect((await aggregates('window=day&days=1')).groups[0]!.windowStart).toBe(today);
    expect((await aggregates('window=week&days=7')).groups[0]!.windowStart).toBe(monday);
    expect((await aggregates('window=month&days=1')).groups[0]!.windowStart).toBe(`${today.slice(0, 7)}-01`);
  });

  it('refuses an unknown window or span', async () => {
    expect((await c.get('/v1/aggregates?window=year')).status).toBe(400);
    expect((await c.get('/v1/aggregates?days=0')).status).toBe(400);
    expect((await c.get('/v1/aggregates?days=1e3')).status).toBe(400);
  });

  it('exports every report as NDJSON with its network and without its reportId', async () => {
    const reports = [sampleReport('tls-throttled'), sampleReport('no-difference'), sampleReport(), sampleReport(), sampleReport()];
    for (const r of reports) await c.post(r, { localAddress: A });
    const res = await c.get('/v1/export?format=ndjson');
    expect(res.headers['content-type']).toContain('application/x-ndjson');
    const lines = res.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.verdict)).toEqual(['tls-throttled', 'no-difference', 'tls-throttled', 'tls-throttled', 'tls-throttled']);
    expect(lines[0]).toMatchObject({ asn: 64501, network: 'Example Net A', country: 'CA', ratio: reports[0]!.ratio, legs: reports[0]!.legs });
    expect(res.text).not.toContain(reports[0]!.reportId);
  });

  it('exports a report from a network with fewer than 5 reports without its network', async () => {
    for (let i = 0; i < 4; i++) await c.post(sampleReport(), { localAddress: A });
    const lines = (await c.get('/v1/export')).text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.asn, l.network, l.country])).toEqual(Array(4).fill([null, null, null]));
  });

  it('exports CSV with a header and quotes a network name that could run as a formula', async () => {
    for (let i = 0; i < 5; i++) await c.post(sampleReport(), { localAddress: B });
    const res = await c.get('/v1/export?format=csv');
    const [header, row] = res.text.split('\r\n');
    expect(header).toBe(CSV_COLUMNS.join(','));
    expect(row).toContain(`"Example ""Net"" B, =SUM(1)"`);
    expect(row!.split(',')[CSV_COLUMNS.indexOf('verdict') + 1]).toBe('tls-throttled');
  });

  it('exports more rows than one page holds', async () => {
    const rows = Array.from({ length: 1205 }, () => ({ receivedHour: '2026-11-24T08:00:00Z', asn: null, network: null, country: null, report: sampleReport() }));
    await c.collector.store.insertMany(rows);
    const res = await c.get('/v1/export');
    expect(res.text.trim().split('\n')).toHaveLength(1205);
  });

  it('serves the public page and its script under a policy that allows nothing from elsewhere', async () => {
    const page = await c.get('/v1/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<script src="/v1/aggregates.js">');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const script = await c.get('/v1/aggregates.js');
    expect(script.text).not.toContain('innerHTML');
    expect(script.text).toContain('textContent');
    expect((await c.get('/aggregates.html')).text).toBe(page.text);
  });

  it('refuses GET on /v1/reports and POST on the read-only paths', async () => {
    expect((await c.get('/v1/reports')).status).toBe(405);
    expect((await httpRequest(c.port, '/v1/export', { method: 'POST', body: '{}' })).status).toBe(405);
  });
});

describe('rate limit', () => {
  let c: TestCollector;
  afterEach(() => c.close());

  it('answers 429 with Retry-After once a client has used its burst, and other clients go on', async () => {
    c = await startTestCollector('sqlite', { rateLimit: { burst: 3, perHour: 60 } });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await c.post(sampleReport(), { localAddress: A })).status);
    expect(codes).toEqual([201, 201, 201, 429]);
    const limited = await c.post(sampleReport(), { localAddress: A });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await c.post(sampleReport(), { localAddress: B })).status).toBe(201);
    expect(await c.collector.store.reportIds()).toHaveLength(4);
  });
});
