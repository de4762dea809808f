// Each leg its own flow: the CLI's fetch keeps one connection per flow, and never lets two
// flows share one (src/cli/node-io.ts; docs/method.md, "One flow per leg").
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeFetch, type NodeIo } from '../../src/cli/node-io.js';

let server: Server | undefined;
let io: NodeIo | undefined;

afterEach(async () => {
  await io?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = io = undefined;
});

/** A server that answers each request with the number of the socket it arrived on. */
async function socketNumbering(): Promise<string> {
  const ids = new WeakMap<Socket, number>();
  let next = 0;
  server = createServer((req, res) => {
    let id = ids.get(req.socket);
    if (id === undefined) ids.set(req.socket, (id = next++));
    res.end(String(id));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function socketOf(url: string, flow?: string): Promise<number> {
  const res = await io!.fetch(`${url}/x`, { method: 'GET', ...(flow ? { flow } : {}) });
  return Number(await res.text());
}

describe('nodeFetch flows', () => {
  it('keeps one connection for all requests of a flow', async () => {
    const url = await socketNumbering();
    io = nodeFetch({});
    const sockets = [];
    for (let i = 0; i < 4; i++) sockets.push(await socketOf(url, 'http-80-down-random'));
    expect(new Set(sockets).size).toBe(1);
  });

  it('gives flows of one origin distinct connections, each kept across the other\'s requests', async () => {
    const url = await socketNumbering();
    io = nodeFetch({});
    const random: number[] = [];
    const text: number[] = [];
    for (let i = 0; i < 3; i++) {
      random.push(await socketOf(url, 'http-80-down-random'));
      text.push(await socketOf(url, 'http-80-down-text'));
    }
    expect(new Set(random).size).toBe(1);
    expect(new Set(text).size).toBe(1);
    expect(random[0]).not.toBe(text[0]);
  });

  it('keeps requests with no flow off every flow\'s connection', async () => {
    const url = await socketNumbering();
    io = nodeFetch({});
    const leg = await socketOf(url, 'http-80-down-random');
    const other = await socketOf(url);
    expect(other).not.toBe(leg);
    expect(await socketOf(url, 'http-80-down-random')).toBe(leg);
  });
});
