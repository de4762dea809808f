import { describe, expect, it } from 'vitest';
import { buildReport, validateReport } from '../../src/core/report.js';
import { LISTED_SNI_NAMES } from '../../src/core/sni/names.js';
import { SAMPLE_SNI, sampleMeta, sampleResult } from '../support/report-fixtures.js';
import { checkVerdictFigures } from '../../src/server/collector/report-rules.js';
import { csvLine, CSV_COLUMNS } from '../../src/server/collector/export-format.js';

const sniResult = (name: string) =>
  sampleResult({
    verdict: 'sni-throttled',
    cause: undefined,
    ratio: 7.8,
    ci95: [6.9, 8.6],
    sni: { ...SAMPLE_SNI, name },
    legs: [
      { id: 'https-443-down-random-sni-name', scheme: 'https', port: 443, direction: 'down', payload: 'random', sni: 'name', transfers: [{ bytes: 1e6, ms: 1000, mbps: 1 }], medianMbps: 0.128 },
      { id: 'https-443-down-random-sni-control', scheme: 'https', port: 443, direction: 'down', payload: 'random', sni: 'control', transfers: [{ bytes: 1e6, ms: 1000, mbps: 1 }], medianMbps: 1 },
      { id: 'http-80-down-random', scheme: 'http', port: 80, direction: 'down', payload: 'random', transfers: [{ bytes: 1e6, ms: 1000, mbps: 1 }], medianMbps: 1 },
    ],
    comparisons: [
      { id: 'sni', suspectLeg: 'https-443-down-random-sni-name', referenceLeg: 'https-443-down-random-sni-control', ratio: 7.8, ci95: [6.9, 8.6], pValue: 0.001, rounds: 8, outcome: 'slower' },
    ],
    shaping: { leg: 'https-443-down-random-sni-name', rateMbps: 0.1281, burstBytes: 0 },
  });

describe('reports of a run by server name', () => {
  it('carries a listed name, its rate and the legs by role', () => {
    const report = buildReport(sniResult('twitter.com'), sampleMeta());
    expect(report.verdict).toBe('sni-throttled');
    expect(report.sni).toEqual({ name: 'twitter.com', rateMbps: 0.128 });
    expect(report.legs.map((l) => l.sni)).toEqual(['name', 'control', undefined]);
    expect(report.shaping?.leg).toBe('https-443-down-random-sni-name');
    expect(report.comparisons[0]!.id).toBe('sni');
    expect(validateReport(JSON.parse(JSON.stringify(report))).ok).toBe(true);
  });

  it('never carries a name the user gave that is not on the built-in list', () => {
    const report = buildReport(sniResult('files.my-own-company.example'), sampleMeta());
    expect(report.sni).toEqual({ name: null, rateMbps: 0.128 });
    expect(JSON.stringify(report)).not.toContain('my-own-company');
  });

  it('takes a listed name whatever its case', () => {
    expect(buildReport(sniResult('Twitter.COM'), sampleMeta()).sni?.name).toBe('twitter.com');
  });

  it('refuses a hand-made report naming a server off the list', () => {
    const report = { ...buildReport(sniResult('t.co'), sampleMeta()), sni: { name: 'my-nas.example', rateMbps: 0.1 } };
    expect(validateReport(report).ok).toBe(false);
  });

  it('offers only names with a public account of their throttling', () => {
    expect(LISTED_SNI_NAMES).toEqual(['twitter.com', 't.co', 'redirector.googlevideo.com']);
  });

  it('holds an sni-throttled report to the margin like a TLS finding, and to its sni field', () => {
    expect(checkVerdictFigures({ verdict: 'sni-throttled', ratio: 7.8, ci95: [6.9, 8.6], sni: { name: null, rateMbps: null } })).toEqual({ ok: true });
    expect(checkVerdictFigures({ verdict: 'sni-throttled', ratio: 1.3, ci95: [1.1, 1.5], sni: { name: null, rateMbps: null } }).ok).toBe(false);
    expect(checkVerdictFigures({ verdict: 'sni-throttled', ratio: 7.8, ci95: [6.9, 8.6] }).ok).toBe(false);
  });

  it('exports the listed name and its rate in CSV, and the control leg as the HTTPS median', () => {
    const report = buildReport(sniResult('t.co'), sampleMeta());
    const cells = csvLine({ receivedHour: report.hour, asn: 1, network: 'n', country: 'CA', report }).trimEnd().split(',');
    expect(cells[CSV_COLUMNS.indexOf('sni_name')]).toBe('t.co');
    expect(cells[CSV_COLUMNS.indexOf('sni_rate_mbps')]).toBe('0.128');
    expect(cells[CSV_COLUMNS.indexOf('https_median_mbps')]).toBe('1');
  });
});
