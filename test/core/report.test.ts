import { describe, expect, it } from 'vitest';
import { buildReport, hourOf, MAX_REPORT_BYTES, validateReport } from '../../src/core/report.js';
import { sampleMeta, sampleReport, sampleResult } from '../support/report-fixtures.js';

describe('buildReport', () => {
  it('reports the hour the run ended in, not the minute', () => {
    const report = buildReport(sampleResult(), sampleMeta({ endedAtMs: Date.parse('2026-11-24T08:47:13.512Z') }));
    expect(report.hour).toBe('2026-11-24T08:00:00Z');
  });

  it('carries verdict, cause, ratio with its interval, per-leg medians and counts, shaping, duration and bytes', () => {
    const report = buildReport(sampleResult(), sampleMeta());
    expect(report).toMatchObject({
      schemaVersion: 1,
      verdict: 'tls-throttled',
      cause: 'protocol',
      ratio: 2.04,
      ci95: [1.81, 2.31],
      rounds: 8,
      durationMs: 23_500,
      bytesUsed: 41_235_000,
      shaping: { leg: 'https-8443-down-random', rateMbps: 4.81, burstBytes: 1_230_000 },
    });
    expect(report.legs).toEqual([
      { scheme: 'https', port: 8443, direction: 'down', payload: 'random', transfers: 2, medianMbps: 4.81 },
      { scheme: 'http', port: 8080, direction: 'down', payload: 'random', transfers: 2, medianMbps: 9.84 },
    ]);
  });

  it('reports an M-Lab run, whose shaped leg is a WebSocket leg', () => {
    const mlab = sampleResult({ shaping: { leg: 'wss-443-down-random', rateMbps: 10, burstBytes: 0 } });
    const report = buildReport(mlab, sampleMeta({ endpointId: 'mlab' }));
    expect(report.shaping?.leg).toBe('wss-443-down-random');
    expect(validateReport(JSON.parse(JSON.stringify(report))).ok).toBe(true);
  });

  it('keeps a tiny p-value tiny instead of rounding it to zero or up', () => {
    expect(buildReport(sampleResult(), sampleMeta()).pValue).toBe(0.00012);
  });

  it('never carries the measured URL, the warnings or an error text', () => {
    const text = JSON.stringify(buildReport(sampleResult({ error: { code: 'stalled', detail: 'download of 4000000 bytes stalled' } }), sampleMeta()));
    expect(text).not.toContain('home-nas');
    expect(text).not.toContain('warning');
    expect(text).not.toContain('stalled');
  });

  it('reports a failed run with nulls where it measured nothing', () => {
    const failed = sampleResult({ verdict: 'failed', cause: undefined, ratio: NaN, ci95: [NaN, NaN], pValue: NaN, legs: [], comparisons: [], shaping: undefined });
    const report = buildReport(failed, sampleMeta());
    expect([report.verdict, report.ratio, report.ci95, report.pValue, report.cause, report.shaping]).toEqual(['failed', null, null, null, null, null]);
  });

  it('refuses an endpoint id that is a hostname rather than a listed id', () => {
    expect(() => buildReport(sampleResult(), sampleMeta({ endpointId: 'home-nas.lan' }))).toThrow(/endpoint/);
  });

  it('stays far below the collector size limit', () => {
    expect(JSON.stringify(sampleReport()).length).toBeLessThan(MAX_REPORT_BYTES / 4);
  });
});

describe('validateReport', () => {
  it('accepts what buildReport makes, after a JSON round trip', () => {
    expect(validateReport(JSON.parse(JSON.stringify(sampleReport()))).ok).toBe(true);
  });

  it('rejects an unknown field, so nothing extra can ride along', () => {
    const r = validateReport({ ...sampleReport(), note: 'my address is 10 Main St' });
    expect(r.ok).toBe(false);
  });

  it('rejects a __proto__ key from JSON.parse', () => {
    const text = JSON.stringify(sampleReport()).replace('{', '{"__proto__":{"admin":true},');
    expect(validateReport(JSON.parse(text)).ok).toBe(false);
  });

  it('rejects free text in a field that takes an enum', () => {
    const r = validateReport({ ...sampleReport(), trigger: 'manual, from my office at ACME' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.join()).toContain('trigger');
  });

  it('rejects another schema version', () => {
    expect(validateReport({ ...sampleReport(), schemaVersion: 2 }).ok).toBe(false);
  });

  it('rejects an hour with minutes', () => {
    expect(validateReport({ ...sampleReport(), hour: '2026-11-24T08:47:00Z' }).ok).toBe(false);
  });
});

describe('hourOf', () => {
  it('rounds down to the hour in UTC', () => {
    expect(hourOf(Date.parse('2026-01-01T00:59:59.999Z'))).toBe('2026-01-01T00:00:00Z');
  });
});
