import { describe, expect, it } from 'vitest';
import { controlNameFor, isServerName } from '../../../src/core/sni/control-name.js';
import { LISTED_SNI_NAMES } from '../../../src/core/sni/names.js';

const fixed = (x: number) => () => x;

describe('control name', () => {
  it('is a random label under example.com about as long as the name', () => {
    const c = controlNameFor('redirector.googlevideo.com', Math.random);
    expect(c).toMatch(/^[a-z]{14}\.example\.com$/);
    expect(c.length).toBe('redirector.googlevideo.com'.length);
  });

  it('keeps a label of at least 3 letters for a short name', () => {
    expect(controlNameFor('t.co', fixed(0))).toBe('aaa.example.com');
  });

  it('never leaves the alphabet, even at the top of the random range', () => {
    expect(controlNameFor('twitter.com', fixed(0.9999999))).toBe('zzz.example.com');
  });

  it('differs from run to run', () => {
    expect(controlNameFor('twitter.com', Math.random)).not.toBe(controlNameFor('twitter.com', Math.random));
  });

  it('accepts DNS host names and refuses what a ClientHello must not carry', () => {
    for (const n of LISTED_SNI_NAMES) expect(isServerName(n)).toBe(true);
    for (const bad of ['', '10.0.0.1', 'a..b', '-x.com', 'x_y.com', 'twitter.com.', 'a b.com', 'x'.repeat(64) + '.com']) {
      expect(isServerName(bad), bad).toBe(false);
    }
  });
});
