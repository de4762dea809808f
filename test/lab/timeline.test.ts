import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from './run-scenario.js';
import { connectionsByLeg, idleBeforeDownloads } from './timeline.js';

const get = (at: number, end: number, scheme: 'http' | 'https', port: number, kind = 'random', conn = port + 50000): TimelineEntry => ({ at, end, conn, method: 'GET', scheme, port, path: '/payload', kind, bytes: 1e6 });

describe('idleBeforeDownloads', () => {
  it('counts from the end of the last download, whichever leg, and an upload as idle downstream', () => {
    const timeline: TimelineEntry[] = [
      get(0, 100, 'https', 443),
      get(110, 200, 'http', 80),
      { at: 205, end: 400, conn: 50443, method: 'POST', scheme: 'https', port: 443, path: '/upload', kind: null, bytes: 1e5 },
      get(420, 500, 'https', 443),
      get(500, 600, 'http', 80, 'text'),
      { at: 600, end: 601, conn: 50443, method: 'GET', scheme: 'https', port: 443, path: '/info', kind: null, bytes: 0 },
    ];
    const idle = idleBeforeDownloads(timeline);
    expect(idle.get('https-443-random')).toEqual([220]);
    expect(idle.get('http-80-random')).toEqual([10]);
    expect(idle.get('http-80-text')).toEqual([0]);
  });

  it('reads requests in the order they arrived, not the order they were logged (by their end)', () => {
    const idle = idleBeforeDownloads([get(50, 300, 'http', 80), get(0, 40, 'https', 443)]);
    expect(idle.get('http-80-random')).toEqual([10]);
    expect(idle.has('https-443-random')).toBe(false);
  });
});

describe('connectionsByLeg', () => {
  it('counts the distinct connections each download leg came on, uploads apart', () => {
    const conns = connectionsByLeg([
      get(0, 100, 'https', 443, 'random', 1000),
      get(110, 200, 'https', 443, 'random', 1000),
      get(210, 300, 'https', 443, 'random', 1001),
      get(310, 400, 'http', 80, 'random', 2000),
      { at: 405, end: 500, conn: 3000, method: 'POST', scheme: 'https', port: 443, path: '/upload', kind: null, bytes: 1e5 },
    ]);
    expect(conns.get('https-443-random')).toBe(2);
    expect(conns.get('http-80-random')).toBe(1);
    expect(conns.size).toBe(2);
  });
});
