import { describe, expect, it } from 'vitest';
import { csvCell } from '../../../src/server/collector/export-format.js';

describe('CSV cells', () => {
  it.each(['=HYPERLINK("x")', '+1', '-1+1', '@SUM(A1)', '\tx', '\rx'])('defuses a cell a spreadsheet would run as a formula: %j', (text) => {
    expect(csvCell(text).replace(/^"/, '').startsWith("'")).toBe(true);
  });

  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvCell('Cloudflare, Inc. "CF"\nx')).toBe('"Cloudflare, Inc. ""CF""\nx"');
  });

  it('writes numbers as they are and null as an empty cell', () => {
    expect([csvCell(-0.5), csvCell(null), csvCell('plain')]).toEqual(['-0.5', '', 'plain']);
  });
});
