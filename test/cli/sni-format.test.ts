// What a person reads after `tls-throttle run --sni`: the figures of runs in the SNI lab
// (bench/accuracy-2026-12-01-1701-sni.txt), worded by the CLI.
import { describe, expect, it } from 'vitest';
import { formatHuman } from '../../src/cli/format.js';
import type { LegResult, Result } from '../../src/core/types.js';

const leg = (id: string, scheme: 'http' | 'https', port: number, medianMbps: number, n: number, sni?: 'name' | 'control'): LegResult => ({
  id,
  scheme,
  port,
  direction: 'down',
  payload: 'random',
  ...(sni ? { sni } : {}),
  transfers: Array.from({ length: n }, () => ({ bytes: 16384, ms: 1000, mbps: medianMbps })),
  medianMbps,
});

const base: Result = {
  verdict: 'sni-throttled',
  ratio: 151.95,
  ci95: [146.58, 170.05],
  pValue: 0.016,
  rounds: 14,
  bytesUsed: 17.7e6,
  durationMs: 31_600,
  endpoint: 'https://10.80.0.1',
  legs: [
    leg('https-443-down-random-sni-control', 'https', 443, 19.4, 14, 'control'),
    leg('http-80-down-random', 'http', 80, 18.9, 14),
    leg('https-443-down-random-sni-name', 'https', 443, 0.128, 7, 'name'),
  ],
  comparisons: [],
  shaping: { leg: 'https-443-down-random-sni-name', rateMbps: 0.1297, burstBytes: 0 },
  sni: { name: 'twitter.com', controlName: 'ytt.example.com', rateMbps: 0.1297 },
  warnings: [],
};

describe('formatHuman, runs by server name', () => {
  it('names the name, the control and the rate in kbit/s, once', () => {
    expect(formatHuman(base).split('\n')).toEqual([
      'SNI THROTTLED: connections naming twitter.com were 151.95x slower than the same server under a control name (95% CI 146.58x-170.05x)',
      'Server name: twitter.com, compared with the control name ytt.example.com; connections naming it were held to about 130 kbit/s.',
      '  https-443-down-random-sni-control median     19.4 Mbit/s over 14 transfers',
      '  http-80-down-random               median     18.9 Mbit/s over 14 transfers',
      '  https-443-down-random-sni-name    median    0.128 Mbit/s over 7 transfers',
      '14 rounds, 17.7 MB, 31.6 s, p = 0.016',
      'One test is one moment on one path: repeat it at other times before drawing conclusions.',
    ]);
  });

  it('gives the name against the control beside a verdict about TLS', () => {
    const r: Result = {
      ...base,
      verdict: 'no-difference',
      ratio: 0.98,
      ci95: [0.93, 1.0],
      shaping: undefined,
      sni: { name: 'twitter.com', controlName: 'von.example.com' },
      comparisons: [{ id: 'sni', suspectLeg: 'a', referenceLeg: 'b', ratio: 1.03, ci95: [0.97, 1.15], pValue: 0.5, rounds: 6, outcome: 'same' }],
    };
    expect(formatHuman(r)).toContain('The name against the control: 1.03x (95% CI 0.97x-1.15x, 6 rounds).');
  });

  it('says the name was blocked, not that plain traffic was altered, when its connections fail', () => {
    const r: Result = {
      ...base,
      verdict: 'interfered',
      ratio: NaN,
      ci95: [NaN, NaN],
      shaping: undefined,
      sni: { name: 'twitter.com', controlName: 'enc.example.com' },
      error: { code: 'interfered', detail: 'connections naming twitter.com failed (... stalled: no byte for 10000 ms ...)' },
    };
    const text = formatHuman(r);
    expect(text).toMatch(/^INTERFERED: connections naming twitter\.com were blocked or cut on the path/);
    expect(text).toContain('Seen: connections naming twitter.com failed');
    expect(text).not.toContain('plain traffic');
  });
});
