import { describe, expect, it } from 'vitest';
import { affordRound, MIN_TEST_BYTES, MIN_TEST_MS, testAllowance } from '../../../src/core/ndt7/budget.js';
import { ndt7LegId, ndt7Plan } from '../../../src/core/ndt7/legs.js';

describe('testAllowance', () => {
  const base = { remainingMs: 50_000, remainingBytes: 48e6, legs: 2, rounds: 8, overheadMs: 200, overheadBytes: 0 };

  it('gives each test of the coming rounds an equal share of time and bytes', () => {
    expect(testAllowance(base)).toEqual({ durationMs: 2925, maxBytes: 3_000_000, overheadBytes: 0 });
  });

  it('keeps back the bytes that arrive after the client closes', () => {
    expect(testAllowance({ ...base, overheadBytes: 500_000 }).maxBytes).toBe(2_500_000);
  });

  it('never lets a test run past the spec’s 10 s', () => {
    expect(testAllowance({ ...base, remainingMs: 1e9 }).durationMs).toBe(10_000);
  });

  it('never plans a test shorter than 1 s or smaller than 256 KiB: the budget check stops the run instead', () => {
    const a = testAllowance({ ...base, remainingMs: 1000, remainingBytes: 1000 });
    expect(a.durationMs).toBe(MIN_TEST_MS);
    expect(a.maxBytes).toBe(MIN_TEST_BYTES);
  });
});

describe('affordRound', () => {
  const a = { durationMs: 2000, maxBytes: 3e6, overheadBytes: 1e6 };
  const budget = { maxDurationMs: 60_000, budgetBytes: 60e6 };

  it('pays for a round that fits both budgets', () => {
    expect(affordRound([a, a], 300, { elapsedMs: 50_000, bytes: 50e6 }, budget)).toBe(true);
  });

  it('refuses a round that would run past the time budget', () => {
    expect(affordRound([a, a], 300, { elapsedMs: 56_000, bytes: 0 }, budget)).toBe(false);
  });

  it('counts the bytes after the close against the byte budget', () => {
    expect(affordRound([a, a], 300, { elapsedMs: 0, bytes: 53e6 }, budget)).toBe(false);
  });
});

describe('ndt7 legs', () => {
  const target = {
    machine: 'mlab1-abc01',
    wsDownload: 'ws://ndt-mlab1-abc01.test/ndt/v7/download?access_token=t',
    wssDownload: 'wss://ndt-mlab1-abc01.test/ndt/v7/download?access_token=t',
    wsUpload: 'ws://ndt-mlab1-abc01.test/ndt/v7/upload?access_token=t',
    wssUpload: 'wss://ndt-mlab1-abc01.test/ndt/v7/upload?access_token=t',
  };

  it('names legs <ws|wss>-<port>-<direction>-random, with the default ports 443 and 80', () => {
    const plan = ndt7Plan(target);
    expect(plan.screening[0]).toMatchObject({
      id: 'screen',
      suspect: { id: 'wss-443-down-random', scheme: 'https', port: 443, direction: 'down', payload: 'random' },
      reference: { id: 'ws-80-down-random', scheme: 'http', port: 80, direction: 'down', payload: 'random' },
    });
    expect(plan.diagnosis[0]).toMatchObject({ id: 'upload', suspect: { id: 'wss-443-up-random' }, reference: { id: 'ws-80-up-random' } });
  });

  it('takes the port from the URL when it names one', () => {
    expect(ndt7Plan({ ...target, wssDownload: 'wss://ndt-mlab1-abc01.test:4443/ndt/v7/download' }).screening[0]!.suspect.id).toBe('wss-4443-down-random');
    expect(ndt7LegId(false, 8080, 'up')).toBe('ws-8080-up-random');
  });

  it('has no upload pair when the server offers no upload URLs', () => {
    expect(ndt7Plan({ ...target, wsUpload: undefined, wssUpload: undefined }).diagnosis).toEqual([]);
  });
});
