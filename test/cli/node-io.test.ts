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

/** The Connection header of every request, in order. */
const connectionHeaders: (string | undefined)[] = [];

/** A server that answers each request with the number of the socket it arrived on. */
async function socketNumbering(): Promise<string> {
  const ids = new WeakMap<Socket, number>();
  let next = 0;
  connectionHeaders.length = 0;
  server = createServer((req, res) => {
    let id = ids.get(req.socket);
    if (id === undefined) ids.set(req.socket, (id = next++));
    connectionHeaders.push(req.headers.connection);
    // As our endpoint's close=1 (src/server/endpoint-routes.ts): the server ends the connection.
    if (req.url?.includes('close=1')) res.setHeader('connection', 'close');
    res.end(String(id));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function socketOf(url: string, flow?: string, closeConnection = false, path = '/x'): Promise<number> {
  const res = await io!.fetch(`${url}${path}`, { method: 'GET', ...(flow ? { flow } : {}), ...(closeConnection ? { closeConnection } : {}) });
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

  it('ends a flow\'s connection when asked, and only that flow\'s (a renewed leg, decision.ts rule 1f)', async () => {
    const url = await socketNumbering();
    io = nodeFetch({});
    expect(io.endsConnections).toBe(true);
    const random = await socketOf(url, 'http-80-down-random');
    const text = await socketOf(url, 'http-80-down-text');
    // The last request on the first connection asks the server to end it, as any HTTP/1.1 server obeys.
    expect(await socketOf(url, 'http-80-down-random', true)).toBe(random);
    expect(connectionHeaders.at(-1)).toBe('close');
    const renewed = await socketOf(url, 'http-80-down-random');
    expect(renewed).not.toBe(random);
    expect(renewed).not.toBe(text);
    expect(connectionHeaders.at(-1)).toBe('keep-alive');
    expect(await socketOf(url, 'http-80-down-random')).toBe(renewed);
    expect(await socketOf(url, 'http-80-down-text')).toBe(text);
  });

  it('keeps the connection a flow opens after the server ended its last one', async () => {
    const url = await socketNumbering();
    io = nodeFetch({});
    const first = await socketOf(url, 'http-80-down-random');
    expect(await socketOf(url, 'http-80-down-random', false, '/x?close=1')).toBe(first);
    const sockets = [];
    for (let i = 0; i < 4; i++) sockets.push(await socketOf(url, 'http-80-down-random'));
    expect(sockets[0]).not.toBe(first);
    expect(new Set(sockets).size).toBe(1);
  });
});
