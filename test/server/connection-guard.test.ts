// The guard's rules, one at a time, on fake sockets and a fake clock.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createConnectionGuard, type ConnectionGuard } from '../../src/server/connection-guard.js';

const DEADLINES = { idleMs: 1000, headersTimeoutMs: 500, requestTimeoutMs: 2000, keepAliveMs: 3000 };
let nowMs = 0;
let port = 40000;
let guard: ConnectionGuard;

class FakeSocket extends EventEmitter {
  bytesRead = 0;
  destroyed = false;
  remotePort = port++;
  localPort = 8080;
  constructor(public remoteAddress = '192.0.2.1') {
    super();
  }
  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}

const socket = (address?: string) => new FakeSocket(address) as FakeSocket & Socket;
/** Advances the clock in sweep-sized steps, as the real timer would see it. */
const advance = (ms: number) => {
  for (let left = ms; left > 0; left -= 50) {
    nowMs += Math.min(50, left);
    vi.advanceTimersByTime(Math.min(50, left));
  }
};
function request(s: FakeSocket, complete = true) {
  const req = Object.assign(new EventEmitter(), { socket: s, complete }) as unknown as IncomingMessage;
  const res = new EventEmitter() as unknown as ServerResponse;
  guard.requestStarted(req, res);
  return { req, finish: () => res.emit('finish') };
}

beforeEach(() => {
  vi.useFakeTimers();
  nowMs = 0;
});
afterEach(() => {
  guard.stop();
  vi.useRealTimers();
});

describe('connection caps', () => {
  it('refuses a client past its socket cap and still admits another client', () => {
    guard = createConnectionGuard(DEADLINES, { maxConnections: 10, maxConnectionsPerClient: 2 }, () => nowMs);
    expect([guard.admit(socket()), guard.admit(socket()), guard.admit(socket())]).toEqual([
      { admitted: true },
      { admitted: true },
      { admitted: false, reason: 'this client has 2 connections open, the most allowed at once' },
    ]);
    expect(guard.admit(socket('192.0.2.2')).admitted).toBe(true);
    expect(guard.counts().refused).toBe(1);
  });

  it('refuses everyone past the total cap', () => {
    guard = createConnectionGuard(DEADLINES, { maxConnections: 2, maxConnectionsPerClient: 2 }, () => nowMs);
    expect([guard.admit(socket('192.0.2.1')), guard.admit(socket('192.0.2.2')), guard.admit(socket('192.0.2.3'))]).toEqual([
      { admitted: true },
      { admitted: true },
      { admitted: false, reason: 'the endpoint has 2 connections open, the most it takes at once' },
    ]);
  });

  it('leaves room for another client even when the per-client cap is set at the total', () => {
    guard = createConnectionGuard(DEADLINES, { maxConnections: 3, maxConnectionsPerClient: 3 }, () => nowMs);
    expect([guard.admit(socket()).admitted, guard.admit(socket()).admitted, guard.admit(socket()).admitted]).toEqual([true, true, false]);
    expect(guard.admit(socket('192.0.2.2')).admitted).toBe(true);
  });

  it('counts every address of one IPv6 /64 as one client', () => {
    guard = createConnectionGuard(DEADLINES, { maxConnections: 10, maxConnectionsPerClient: 1 }, () => nowMs);
    expect(guard.admit(socket('2001:db8:1:2::1')).admitted).toBe(true);
    expect(guard.admit(socket('2001:db8:1:2:ffff::9')).admitted).toBe(false);
    expect(guard.admit(socket('2001:db8:1:3::1')).admitted).toBe(true);
  });

  it('gives a closed socket its place back', () => {
    guard = createConnectionGuard(DEADLINES, { maxConnections: 10, maxConnectionsPerClient: 1 }, () => nowMs);
    const first = socket();
    guard.admit(first);
    first.destroy();
    expect(guard.admit(socket()).admitted).toBe(true);
    expect(guard.open()).toBe(1);
  });
});

describe('socket deadlines', () => {
  beforeEach(() => {
    guard = createConnectionGuard(DEADLINES, { maxConnections: 100, maxConnectionsPerClient: 100 }, () => nowMs);
  });

  it('closes a socket that sends nothing after idleMs, not before', () => {
    const s = socket();
    guard.admit(s);
    advance(900);
    expect(s.destroyed).toBe(false);
    advance(300);
    expect([s.destroyed, guard.counts().idle]).toEqual([true, 1]);
  });

  it('closes a socket whose request head is not complete headersTimeoutMs after its first byte', () => {
    const s = socket();
    guard.admit(s);
    advance(400);
    s.bytesRead = 1;
    for (let i = 0; i < 4; i++) {
      advance(100);
      s.bytesRead++; // a byte now and then does not reset the clock
    }
    expect(s.destroyed).toBe(false);
    advance(300);
    expect([s.destroyed, guard.counts().headers]).toEqual([true, 1]);
  });

  it('closes a request whose body has not all arrived after requestTimeoutMs', () => {
    const s = socket();
    guard.admit(s);
    request(s, false);
    advance(1900);
    expect(s.destroyed).toBe(false);
    advance(300);
    expect([s.destroyed, guard.counts().request]).toEqual([true, 1]);
  });

  it('leaves a response that takes long to send alone once its request is complete', () => {
    const s = socket();
    guard.admit(s);
    request(s, true);
    advance(10_000);
    expect(s.destroyed).toBe(false);
  });

  it('closes a kept-alive connection after keepAliveMs without a new request', () => {
    const s = socket();
    guard.admit(s);
    s.bytesRead = 100;
    request(s).finish();
    advance(2900);
    expect(s.destroyed).toBe(false);
    advance(300);
    expect([s.destroyed, guard.counts().keepAlive]).toEqual([true, 1]);
  });

  it('starts the headers clock at the first byte of the next request on a kept-alive connection', () => {
    const s = socket();
    guard.admit(s);
    s.bytesRead = 100;
    request(s).finish();
    advance(2000);
    s.bytesRead = 101;
    advance(400);
    expect(s.destroyed).toBe(false);
    advance(300);
    expect([s.destroyed, guard.counts().headers]).toEqual([true, 1]);
  });

  it('leaves an upgraded socket (a WebSocket) to its own protocol', () => {
    const s = socket();
    guard.admit(s);
    s.bytesRead = 100;
    guard.upgraded(s);
    advance(20_000);
    expect(s.destroyed).toBe(false);
  });
});
