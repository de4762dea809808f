// Several endpoints of ours on loopback, one behind a proxy that holds every chunk for 40 ms:
// `run auto` measures against the one that answers sooner, and, once that one is stopped,
// against the other, naming each time the server used and the one passed over.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuto } from '../../src/cli/auto-choice.js';
import { nodeClock, nodeFetch, nodeHasher } from '../../src/cli/node-io.js';
import { runMeasurement } from '../../src/core/runner.js';
import { devCertificate } from '../../src/server/dev-ca.js';
import { startEndpointServer, type EndpointServer } from '../../src/server/endpoint-server.js';
import type { Note } from '../../src/core/notes.js';
import { noteText } from '../../src/cli/note-text.js';

/** The notes as the CLI words them. */
const said = (notes: Note[]) => notes.map(noteText);


const DELAY_MS = 40;

/** A TCP relay that delivers each chunk, both ways, DELAY_MS late (a farther server). */
async function slowRelay(targetPort: number): Promise<Server> {
  const relay = createServer((client: Socket) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    const late = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => void setTimeout(() => to.destroyed || to.write(chunk), DELAY_MS));
    late(client, upstream);
    late(upstream, client);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => setTimeout(() => b.destroy(), DELAY_MS * 2));
    }
  });
  relay.listen(0, '127.0.0.1');
  await once(relay, 'listening');
  return relay;
}

let dir: string;
let caPath: string;
let near: EndpointServer;
let far: EndpointServer;
let relay: Server;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ttd-fleet-'));
  const dev = await devCertificate(dir, []);
  caPath = dev.caPath;
  const start = () =>
    startEndpointServer({ host: '127.0.0.1', ports: [0, 0], certPem: dev.certPem, keyPem: dev.keyPem, version: 'test', skipCapacityCheck: true });
  near = await start();
  far = await start();
  relay = await slowRelay(far.ports[1]!);
});

afterAll(async () => {
  relay?.close();
  await far?.close(0);
  await near?.close(0).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function auto() {
  const io = nodeFetch({ caFile: caPath });
  try {
    const candidates = [
      { id: 'far', kind: 'endpoint' as const, url: `https://127.0.0.1:${(relay.address() as { port: number }).port}/` },
      { id: 'near', kind: 'endpoint' as const, url: `https://127.0.0.1:${near.ports[1]}/` },
    ];
    return await runAuto(
      io,
      candidates,
      (url, budgetBytes) =>
        runMeasurement(
          { fetch: io.fetch, clock: nodeClock, hasher: nodeHasher, random: Math.random },
          // The cap a fast line may raise the budget to, as the CLI's default --max-budget-mb gives
          // (its plain port is direct loopback, gigabits, beside a delayed TLS port).
          { url, diagnose: 'never', budgetBytes: Math.min(budgetBytes, 20e6), capBytes: 250e6, maxDurationMs: 5000 },
        ),
      60e6,
      () => undefined,
    );
  } finally {
    await io.close();
  }
}

describe('a fleet of endpoints', () => {
  it('measures against the endpoint that answers sooner, and names it', async () => {
    const r = await auto();
    expect(r.verdict).not.toBe('failed');
    expect(said(r.warnings)[0]).toMatch(/^server: near \(endpoint https:\/\/127.0.0.1:\d+\/\), chosen by its connection time of \d+ ms/);
    const ms = (id: string) => Number(new RegExp(`server: ${id} .* of (\\d+) ms`).exec(said(r.warnings)[0]!)?.[1]);
    expect(ms('near')).toBeLessThan(DELAY_MS);
  }, 60_000);

  it('falls back to the other endpoint once the nearer one is stopped', async () => {
    await near.close(0);
    const r = await auto();
    expect(r.verdict).not.toBe('failed');
    expect(said(r.warnings)[0]).toMatch(/^server: far .* chosen by its connection time of \d+ ms/);
    expect(said(r.warnings).some((w) => /^passed over: near .* was skipped: cannot reach/.test(w))).toBe(true);
  }, 60_000);
});
