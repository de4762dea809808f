// Rules of the endpoint's routes that need no socket: the handler is called with small fakes.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { endpointRoutes } from '../../src/server/endpoint-routes.js';
import { drainOrStall, type RequestContext } from '../../src/server/http-util.js';
import { DEFAULT_LIMITS } from '../../src/server/limits.js';

class FakeResponse extends EventEmitter {
  status = 0;
  headersSent = false;
  destroyed = false;
  body = '';
  writeHead(status: number) {
    this.status = status;
    this.headersSent = true;
    return this;
  }
  write() {
    return true;
  }
  end(text?: string) {
    this.body += text ?? '';
  }
  destroy() {
    this.destroyed = true;
    this.emit('close');
  }
}

async function get(route: ReturnType<typeof endpointRoutes>, path: string, remoteAddress: string) {
  const res = new FakeResponse();
  const url = new URL(path, 'http://endpoint');
  const ctx: RequestContext = { scheme: 'http', port: 80, remoteAddress, url, transferStallMs: 1000 };
  await route({ method: 'GET', headers: {} } as IncomingMessage, res as unknown as ServerResponse, ctx);
  return res;
}

afterEach(() => vi.useRealTimers());

describe('endpoint routes', () => {
  const state = (over = {}) => ({ version: 't', ports: () => [80], limits: { ...DEFAULT_LIMITS, ...over }, tlsCapacityMbps: () => 0 });

  it('counts every address of one IPv6 /64 against one request budget', async () => {
    const route = endpointRoutes(state({ requestsPerMinute: 2 }));
    const statuses = [];
    for (const a of ['2001:db8:5:6::1', '2001:db8:5:6::2', '2001:db8:5:6:abcd::3']) statuses.push((await get(route, '/info', a)).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect((await get(route, '/info', '2001:db8:5:7::1')).status).toBe(200);
  });

  it('answers a seed that is not a whole number with 400 and a JSON error', async () => {
    const route = endpointRoutes(state());
    for (const seed of ['abc', '-1', '1.5', '']) {
      const res = await get(route, `/payload?bytes=10&seed=${seed}`, '192.0.2.1');
      expect([res.status, JSON.parse(res.body).error]).toEqual([400, `seed must be a whole number from 0 to 4294967295, not "${seed}"`]);
    }
  });

  it('takes seed 0 when none is given', async () => {
    const route = endpointRoutes(state());
    const res = await get(route, '/payload?bytes=10', '192.0.2.1');
    expect(res.status).toBe(200);
  });
});

describe('drainOrStall', () => {
  it('resolves drained when the client reads in time', async () => {
    const res = new FakeResponse();
    const outcome = drainOrStall(res as unknown as ServerResponse, 1000);
    res.emit('drain');
    expect(await outcome).toBe('drained');
    expect(res.destroyed).toBe(false);
  });

  it('destroys the response once the client has read nothing for the stall deadline', async () => {
    vi.useFakeTimers();
    const res = new FakeResponse();
    const outcome = drainOrStall(res as unknown as ServerResponse, 1000);
    vi.advanceTimersByTime(999);
    expect(res.destroyed).toBe(false);
    vi.advanceTimersByTime(1);
    expect([await outcome, res.destroyed]).toEqual(['stalled', true]);
  });

  it('resolves closed when the client goes away first', async () => {
    const res = new FakeResponse();
    const outcome = drainOrStall(res as unknown as ServerResponse, 1000);
    res.destroy();
    expect(await outcome).toBe('closed');
  });
});
