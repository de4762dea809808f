// The open-data export (GET /v1/export) as files in the data directory, one per format, written
// by one pass over the table in the background (snapshot-cache.ts) and served to every request
// until the next pass. A file, not memory: the export grows with every report (about 1.2 kB a
// report as NDJSON), and a reader holds only an open descriptor, which keeps its version of the
// file readable after the next pass renames a new one over it.
import { randomBytes } from 'node:crypto';
import { readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { MIN_GROUP_REPORTS } from './aggregates.js';
import { csvHeader, csvLine, EXPORT_FORMATS, ndjsonLine, type ExportFormat } from './export-format.js';
import type { ReportStore, StoredReport } from './store.js';
import { openNewFile } from '../private-files.js';

const EXPORT_PAGE_ROWS = 1000;

export interface ExportSnapshot {
  files: Record<ExportFormat, string>;
  takenMs: number;
  rows: number;
}

export async function buildExportSnapshot(store: ReportStore, dir: string, nowMs: () => number = Date.now): Promise<ExportSnapshot> {
  const takenMs = nowMs();
  // The threshold of the aggregates holds here too: a report from a network (and country)
  // with fewer than MIN_GROUP_REPORTS reports in all is exported without its network, since
  // the network of a small organisation could point at the few people in it.
  const totals = new Map<string, number>();
  for (const c of await store.countsByDay('')) {
    const key = `${c.asn ?? ''}|${c.country ?? ''}`;
    totals.set(key, (totals.get(key) ?? 0) + c.count);
  }
  const publishable = (row: StoredReport): StoredReport =>
    (totals.get(`${row.asn ?? ''}|${row.country ?? ''}`) ?? 0) >= MIN_GROUP_REPORTS ? row : { ...row, asn: null, network: null, country: null };

  // A pass cut short by a crash leaves its temporary files; each pass clears those of others.
  for (const name of await readdir(dir)) {
    if (/^export\.(ndjson|csv)\.\d+-[0-9a-f]+\.tmp$/.test(name) && !name.includes(`.${process.pid}-`)) await unlink(join(dir, name)).catch(() => undefined);
  }
  const suffix = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const files = Object.fromEntries(EXPORT_FORMATS.map((f) => [f, join(dir, `export.${f}`)])) as Record<ExportFormat, string>;
  const temps = Object.fromEntries(EXPORT_FORMATS.map((f) => [f, `${files[f]}.${suffix}.tmp`])) as Record<ExportFormat, string>;
  const handles = await Promise.all(EXPORT_FORMATS.map((f) => openNewFile(temps[f], 0o644)));
  const [ndjson, csv] = handles as [Awaited<ReturnType<typeof openNewFile>>, Awaited<ReturnType<typeof openNewFile>>];
  let rows = 0;
  try {
    await csv.write(csvHeader());
    // Paged by position, with a turn of the event loop between pages, so the pass never holds
    // the thread for longer than one page.
    let after = 0;
    for (;;) {
      const page = await store.exportPage(after, EXPORT_PAGE_ROWS);
      if (!page.length) break;
      const shown = page.map(publishable);
      await ndjson.write(shown.map(ndjsonLine).join(''));
      await csv.write(shown.map(csvLine).join(''));
      rows += page.length;
      after = page[page.length - 1]!.seq;
      await new Promise<void>((r) => setImmediate(r));
    }
  } catch (err) {
    await Promise.all(handles.map((h) => h.close()));
    await Promise.all(EXPORT_FORMATS.map((f) => unlink(temps[f]).catch(() => undefined)));
    throw err;
  }
  await Promise.all(handles.map((h) => h.close()));
  for (const f of EXPORT_FORMATS) await rename(temps[f], files[f]);
  return { files, takenMs, rows };
}
