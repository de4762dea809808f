// Under load every acknowledged report is in the database; a kill -9 in the middle of the load
// loses none of them; and the client's address is nowhere in the database files or the log.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPgStore } from '../../../src/server/collector/pg-store.js';
import { openSqliteStore } from '../../../src/server/collector/sqlite-store.js';
import type { ReportStore } from '../../../src/server/collector/store.js';
import { sampleReport } from '../../support/report-fixtures.js';
import { httpRequest, STORE_KINDS, startTestCollector, stopTestPostgres, testPostgres, type StoreKind } from './harness.js';

afterAll(stopTestPostgres);

/** autocannon against POST /v1/reports, each request a new report; returns the acknowledged ids. */
async function load(port: number, durationS: number, connections: number) {
  const acked: string[] = [];
  let refused = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: durationS,
    requests: [
      {
        method: 'POST',
        path: '/v1/reports',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req, context) => {
          const report = sampleReport('no-difference');
          (context as { id?: string }).id = report.reportId;
          return { ...req, body: JSON.stringify(report) };
        },
        onResponse: (status, _body, context) => {
          if (status === 201) acked.push((context as { id: string }).id);
          else refused++;
        },
      },
    ],
  });
  return { acked, refused, result };
}

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...(await allFiles(p)));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

describe.each(STORE_KINDS)('load over %s', (kind) => {
  it('has every acknowledged report in the database', async () => {
    const c = await startTestCollector(kind);
    try {
      const { acked, refused, result } = await load(c.port, 3, 16);
      const stored = new Set(await c.collector.store.reportIds());
      expect(acked.length).toBeGreaterThan(100);
      expect(acked.filter((id) => !stored.has(id))).toEqual([]);
      expect(result.errors).toBe(0);
      console.log(`${kind}: ${acked.length} acknowledged in 3 s (${Math.round(result.requests.average)} reports/s, p99 ${result.latency.p99} ms), ${refused} refused, all stored`);
    } finally {
      await c.close();
    }
  });
});

/** Starts the collector in a child process and waits for its port. */
async function startChild(dataDir: string, databaseUrl?: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'collector-child.ts'), dataDir, ...(databaseUrl ? [databaseUrl] : [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`collector child exited with ${code} before listening: ${stderr}`)));
  });
  return { child, port, stderr: () => stderr };
}

describe.each(STORE_KINDS)('kill -9 over %s', (kind: StoreKind) => {
  it('loses no acknowledged report when the collector is killed during load', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ttd-kill-'));
    const databaseUrl = kind === 'postgresql' ? await (await testPostgres()).freshDatabase() : undefined;
    const { child, port } = await startChild(dataDir, databaseUrl);
    const acked: string[] = [];
    let stop = false;
    let inFlight = 0;
    // 24 clients post reports back to back until the collector dies under them.
    const client = async () => {
      while (!stop) {
        const report = sampleReport('tls-throttled');
        inFlight++;
        const res = await httpRequest(port, '/v1/reports', {
          method: 'POST',
          body: JSON.stringify(report),
          headers: { 'content-type': 'application/json' },
        }).catch(() => null);
        inFlight--;
        if (res?.status === 201) acked.push(report.reportId);
        else if (res === null) return;
      }
    };
    const clients = Array.from({ length: 24 }, client);
    const exited = new Promise((r) => child.once('exit', r));
    await new Promise((r) => setTimeout(r, 2500));
    const ackedBeforeKill = acked.length;
    const inFlightAtKill = inFlight;
    child.kill('SIGKILL');
    await exited;
    stop = true;
    await Promise.all(clients);
    const store: ReportStore = databaseUrl ? await openPgStore(databaseUrl) : openSqliteStore(dataDir);
    try {
      const stored = new Set(await store.reportIds());
      expect(ackedBeforeKill).toBeGreaterThan(100);
      expect(acked.filter((id) => !stored.has(id))).toEqual([]);
      console.log(`${kind}: killed with ${inFlightAtKill} requests in flight; ${acked.length} acknowledged, ${stored.size} stored, 0 acknowledged lost`);
    } finally {
      await store.close();
    }
  });
});

describe.each(STORE_KINDS)('client address over %s', (kind) => {
  it('appears in no database file and no log line', async () => {
    // A distinctive loopback address, so a match cannot be a coincidence; rate limit on.
    const address = '127.84.61.23';
    const c = await startTestCollector(kind, { rateLimit: { burst: 50, perHour: 60 } });
    try {
      for (let i = 0; i < 20; i++) expect((await c.post(sampleReport(), { localAddress: address })).status).toBe(201);
      await c.get('/v1/export?format=csv');
      if (c.databaseUrl) {
        // Push everything from the WAL into the table files too, so both are searched.
        const client = new pg.Client({ connectionString: c.databaseUrl });
        await client.connect();
        await client.query('CHECKPOINT');
        await client.end();
      }
    } finally {
      await c.close();
    }
    const n = (127 * 2 ** 24 + 84 * 2 ** 16 + 61 * 2 ** 8 + 23) >>> 0;
    const needles = [
      Buffer.from(address),
      Buffer.from([127, 84, 61, 23]),
      Buffer.from([23, 61, 84, 127]),
      Buffer.from(String(n)),
      Buffer.from('7f543d17'),
      Buffer.from('::ffff:127.84.61.23'),
    ];
    const dirs = [c.dataDir, ...(kind === 'postgresql' ? [(await testPostgres()).dir] : [])];
    const files = (await Promise.all(dirs.map(allFiles))).flat();
    const hits = files.flatMap((f) => {
      const bytes = readFileSync(f);
      return needles.filter((needle) => bytes.includes(needle)).map((needle) => `${f} contains ${JSON.stringify(needle.toString('latin1'))}`);
    });
    expect(files.length).toBeGreaterThan(kind === 'postgresql' ? 100 : 2);
    expect(hits).toEqual([]);
    expect(c.logLines.filter((l) => l.includes(address))).toEqual([]);
  });
});
