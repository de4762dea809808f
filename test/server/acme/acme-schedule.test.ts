import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../../src/server/acme/acme-manager.js';
import { renewAtMs } from '../../../src/server/acme/certificate-facts.js';
import { challengeResponses } from '../../../src/server/acme/challenge-route.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

describe('renewal and retry schedule', () => {
  it('renews a 90-day certificate 30 days before it ends', () => {
    const day = 86_400_000;
    expect(renewAtMs({ notBeforeMs: 0, notAfterMs: 90 * day, serialNumber: '1', issuer: 'x' }, 1 / 3)).toBe(60 * day);
  });

  it('doubles the retry delay from the minimum up to the maximum', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 10].map((n) => backoffMs(n, 60_000, 600_000, mid))).toEqual([60_000, 120_000, 240_000, 480_000, 600_000]);
  });

  it('jitters the retry delay by at most 10%', () => {
    expect(backoffMs(1, 1000, 10_000, () => 0)).toBe(900);
    expect(backoffMs(1, 1000, 10_000, () => 1)).toBe(1100);
    expect(backoffMs(20, 1000, 10_000, () => 1)).toBe(10_000);
  });
});

function fakeRes() {
  const r = { status: 0, headers: {} as Record<string, unknown>, body: '' };
  const res = {
    writeHead(status: number, headers: Record<string, unknown> = {}) {
      r.status = status;
      r.headers = headers;
      return res;
    },
    end(body?: string) {
      r.body = body ?? '';
    },
  };
  return { r, res: res as unknown as ServerResponse };
}

const ctx = (path: string) => ({ scheme: 'http' as const, port: 80, remoteAddress: '127.0.0.1', url: new URL(path, 'http://endpoint'), transferStallMs: 20_000 });
const get = { method: 'GET' } as IncomingMessage;

describe('HTTP-01 challenge route', () => {
  it('answers a known token with its key authorization', async () => {
    const c = challengeResponses();
    c.set('tok_en-1', 'tok_en-1.thumb');
    const { r, res } = fakeRes();
    expect(await c.route(get, res, ctx('/.well-known/acme-challenge/tok_en-1'))).toBe(true);
    expect(r).toMatchObject({ status: 200, body: 'tok_en-1.thumb' });
  });

  it('answers 404 for an unknown or removed token', async () => {
    const c = challengeResponses();
    c.set('t', 't.k');
    c.delete('t');
    const { r, res } = fakeRes();
    await c.route(get, res, ctx('/.well-known/acme-challenge/t'));
    expect(r.status).toBe(404);
  });

  it('leaves every other path to the next route', async () => {
    const { res } = fakeRes();
    expect(await challengeResponses().route(get, res, ctx('/info'))).toBe(false);
  });
});
