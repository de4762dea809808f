import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildExportSnapshot } from '../../../src/server/collector/export-snapshot.js';
import { openSqliteStore } from '../../../src/server/collector/sqlite-store.js';
import { sampleReport } from '../../support/report-fixtures.js';

describe('export snapshot', () => {
  it('writes both formats, every row, and clears temporary files a crashed pass left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ttd-export-'));
    writeFileSync(join(dir, 'export.csv.999999-abcdef.tmp'), 'left by a crash');
    const store = openSqliteStore(dir);
    try {
      await store.insertMany(Array.from({ length: 3 }, () => ({ receivedHour: '2026-11-24T08:00:00Z', asn: null, network: null, country: null, report: sampleReport() })));
      const snap = await buildExportSnapshot(store, dir);
      expect(snap.rows).toBe(3);
      expect(readdirSync(dir).filter((n) => n.startsWith('export')).sort()).toEqual(['export.csv', 'export.ndjson']);
    } finally {
      await store.close();
    }
  });
});
