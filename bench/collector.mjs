// Collector throughput and latency: the shipped CLI (`node dist/cli.js serve --collector`,
// build first) under autocannon, each request a new valid report, over SQLite and over
// PostgreSQL (a throwaway cluster, or DATABASE_URL when set). Prints reports/s and latency
// percentiles, and checks that every acknowledged report was stored.
// Run: node bench/collector.mjs [seconds=10] [connections=32]
import { register } from 'tsx/esm/api';
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The fixtures and the PostgreSQL helper are TypeScript, shared with the tests.
register();
const { sampleReport } = await import('../test/support/report-fixtures.ts');
const { startTestPostgres } = await import('../test/support/postgres.ts');

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 32);

async function freePort() {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  s.close();
  await once(s, 'close');
  return port;
}

async function startCollectorProcess(dataDir, databaseUrl) {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/cli.js', 'serve', '--collector', '--host', '127.0.0.1', '--ports', String(port), '--data-dir', dataDir], {
    env: { ...process.env, TTD_COLLECTOR_RATE_LIMIT: 'off', DATABASE_URL: databaseUrl ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (d) => (output += d));
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      output += d;
      if (output.includes('Try: ')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`collector exited with ${code}: ${output}`)));
  });
  return { child, port };
}

async function measure(port) {
  const acked = [];
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/v1/reports',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req, context) => {
          const report = sampleReport('no-difference');
          context.id = report.reportId;
          return { ...req, body: JSON.stringify(report) };
        },
        onResponse: (status, _body, context) => {
          if (status === 201) acked.push(context.id);
        },
      },
    ],
  });
  const exported = await fetch(`http://127.0.0.1:${port}/v1/export`).then((r) => r.text());
  const stored = exported.trim() ? exported.trim().split('\n').length : 0;
  return { result, acked: acked.length, stored };
}

async function bench(kind, databaseUrl) {
  const dataDir = mkdtempSync(join(tmpdir(), 'ttd-bench-collector-'));
  const { child, port } = await startCollectorProcess(dataDir, databaseUrl);
  try {
    const { result, acked, stored } = await measure(port);
    return {
      store: kind,
      'reports/s': Math.round(result.requests.average),
      'p50 ms': result.latency.p50,
      'p99 ms': result.latency.p99,
      'max ms': result.latency.max,
      acknowledged: acked,
      stored,
      'non-2xx': result.non2xx,
      errors: result.errors,
    };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const rows = [];
rows.push(await bench('sqlite'));
let cluster;
try {
  let url = process.env.DATABASE_URL;
  if (!url) {
    cluster = await startTestPostgres();
    url = await cluster.freshDatabase();
  }
  rows.push(await bench('postgresql', url));
} finally {
  await cluster?.stop();
}
console.log(`Collector under autocannon: ${connections} connections, ${seconds} s, a new report per request, durable before the 201`);
console.table(rows);
const lost = rows.filter((r) => r.stored < r.acknowledged);
if (lost.length) {
  console.error(`acknowledged reports missing from the store: ${lost.map((r) => r.store).join(', ')}`);
  process.exit(1);
}
