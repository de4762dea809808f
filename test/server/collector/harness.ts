// A collector behind a real endpoint server on loopback, over either store, for the tests.
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type Collector, type CollectorOptions } from '../../../src/server/collector/index.js';
import { UNKNOWN_NETWORK, type IpLookup } from '../../../src/server/collector/ip-geo.js';
import { devCertificate } from '../../../src/server/dev-ca.js';
import { startEndpointServer } from '../../../src/server/endpoint-server.js';
import { startTestPostgres, type TestPostgres } from '../../support/postgres.js';

export type StoreKind = 'sqlite' | 'postgresql';
export const STORE_KINDS: StoreKind[] = ['sqlite', 'postgresql'];

/** Loopback source addresses stand for clients on different networks (RFC 5398 ASNs). */
export const TEST_NETWORKS: Record<string, { asn: number; network: string; country: string }> = {
  '127.0.0.2': { asn: 64501, network: 'Example Net A', country: 'CA' },
  '127.0.0.3': { asn: 64502, network: 'Example "Net" B, =SUM(1)', country: 'DE' },
};
export const testLookup: IpLookup = (address) => TEST_NETWORKS[address] ?? UNKNOWN_NETWORK;

let cluster: Promise<TestPostgres> | undefined;
/** One PostgreSQL cluster per test file; each collector gets its own database on it. */
export function testPostgres(): Promise<TestPostgres> {
  cluster ??= startTestPostgres();
  return cluster;
}
export async function stopTestPostgres(): Promise<void> {
  if (cluster) await (await cluster).stop();
  cluster = undefined;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): unknown;
}

export function httpRequest(
  port: number,
  path: string,
  opts: { method?: string; body?: string | Buffer; headers?: Record<string, string>; localAddress?: string } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, localAddress: opts.localAddress, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export interface TestCollector {
  kind: StoreKind;
  port: number;
  dataDir: string;
  databaseUrl?: string;
  collector: Collector;
  logLines: string[];
  post(body: unknown, opts?: { localAddress?: string; headers?: Record<string, string> }): Promise<HttpAnswer>;
  get(path: string): Promise<HttpAnswer>;
  close(): Promise<void>;
}

export async function startTestCollector(kind: StoreKind, extra: Partial<CollectorOptions> = {}): Promise<TestCollector> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ttd-collector-'));
  const databaseUrl = kind === 'postgresql' ? await (await testPostgres()).freshDatabase() : undefined;
  const logLines: string[] = [];
  const collector = await startCollector({
    dataDir,
    log: (l) => logLines.push(l),
    // An empty string means "no PostgreSQL" even when DATABASE_URL is set in the environment.
    databaseUrl: databaseUrl ?? '',
    lookup: testLookup,
    rateLimit: false,
    networkCeiling: false,
    readRateLimit: false,
    // Every read sees the reports stored before it (the snapshot is rebuilt when stale).
    readCache: { maxStaleMs: 0 },
    ...extra,
  });
  const dev = await devCertificate(dataDir, []);
  const server = await startEndpointServer({
    host: '127.0.0.1',
    ports: [0],
    certPem: dev.certPem,
    keyPem: dev.keyPem,
    version: 'test',
    skipCapacityCheck: true,
    routes: [collector.route],
  });
  const port = server.ports[0]!;
  return {
    kind,
    port,
    dataDir,
    databaseUrl,
    collector,
    logLines,
    post: (body, opts = {}) =>
      httpRequest(port, '/v1/reports', {
        method: 'POST',
        body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
        headers: { 'content-type': 'application/json', ...opts.headers },
        localAddress: opts.localAddress,
      }),
    get: (path) => httpRequest(port, path),
    close: async () => {
      await server.close(0);
      await collector.close();
    },
  };
}
