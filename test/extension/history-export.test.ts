import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvCell, historyCsv, historyJson } from '../../src/extension/shared/history-export.js';
import { entry, failedResult, sampleResult, uploadFindingResult } from './sample-result.js';

describe('historyCsv', () => {
  it('writes a header and one row a run, with the screening medians', () => {
    const lines = historyCsv([entry(1)]).split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    const row = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, lines[1]!.split(',')[i]]));
    expect(row).toMatchObject({ verdict: 'tls-throttled', cause: 'protocol', ratio: '4.8', httpsMedianMbps: '5', httpMedianMbps: '24', mediansOf: 'downloads' });
  });

  it("writes the upload pair's medians for a finding in uploads alone, and says so", () => {
    // Beside a ratio of 2.95, the screening downloads' 5 and 24 Mbit/s would be another run's story.
    const lines = historyCsv([entry(1, uploadFindingResult())]).split('\r\n');
    const row = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, lines[1]!.split(',')[i]]));
    expect(row).toMatchObject({ verdict: 'tls-throttled', ratio: '2.95', httpsMedianMbps: '1.6', httpMedianMbps: '4.8', mediansOf: 'uploads' });
    // The new column is the last: a sheet that reads the columns by place finds the old ones where they were.
    expect(CSV_COLUMNS.indexOf('error')).toBe(14);
  });

  it('leaves the numbers of a failed run empty and quotes its reason', () => {
    const csv = historyCsv([entry(1, failedResult('refused, "twice"'))]);
    expect(csv).toContain(',failed,,,,,,0,');
    expect(csv).toContain('"refused, ""twice"""');
  });

  it('defuses a cell a spreadsheet would run as a formula', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('-1+2')).toBe("'-1+2");
  });

  it('writes only the header for an empty history', () => {
    expect(historyCsv([])).toBe(`${CSV_COLUMNS.join(',')}\r\n`);
  });
});

describe('historyJson', () => {
  it('keeps every Result in full, with ISO times and null for a missing ratio', () => {
    const parsed = JSON.parse(historyJson([entry(1), entry(2, failedResult())]));
    expect(parsed[0].result).toEqual(JSON.parse(JSON.stringify(sampleResult())));
    expect(parsed[0].finishedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(parsed[1].result.ratio).toBeNull();
  });
});
