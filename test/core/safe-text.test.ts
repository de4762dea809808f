import { describe, expect, it } from 'vitest';
import { SAFE_TEXT_MAX_CHARS, safeText, safeTextDeep } from '../../src/core/safe-text.js';

describe('safeText', () => {
  it('leaves ordinary text as it is', () => {
    expect(safeText('1.1 proxy.example (squid/5.7)')).toBe('1.1 proxy.example (squid/5.7)');
  });

  it('keeps non-Latin letters and emoji', () => {
    expect(safeText('Zürich, 東京 🚀')).toBe('Zürich, 東京 🚀');
  });

  it('gives an empty string for empty input', () => {
    expect(safeText('')).toBe('');
  });

  it('turns what is not a string into its text', () => {
    expect(safeText(404)).toBe('404');
    expect(safeText(undefined)).toBe('undefined');
  });

  it('removes a CSI sequence whole (clear screen, colours, cursor moves)', () => {
    expect(safeText('a\x1b[2Jb\x1b[31mred\x1b[0m\x1b[10;20H')).toBe('abred');
  });

  it('removes an OSC sequence ended by BEL (window title)', () => {
    expect(safeText('before\x1b]0;pwned\x07after')).toBe('beforeafter');
  });

  it('removes an OSC sequence ended by ST (ESC backslash)', () => {
    expect(safeText('a\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\b')).toBe('alinkb');
  });

  it('removes an unterminated OSC sequence up to the next control', () => {
    expect(safeText('a\x1b]0;title')).toBe('a');
  });

  it('removes two-character escapes (ESC c resets the terminal)', () => {
    expect(safeText('x\x1bcy\x1b7z')).toBe('xyz');
  });

  it('removes a lone ESC at the end', () => {
    expect(safeText('x\x1b')).toBe('x');
  });

  it('removes C1 CSI (U+009B) with its parameters', () => {
    expect(safeText('a\u009b2Jb')).toBe('ab');
  });

  it('removes the other C1 controls', () => {
    expect(safeText('a\u0080\u0090\u009cb')).toBe('ab');
  });

  it('removes C0 controls: NUL, bell, backspace, DEL', () => {
    expect(safeText('a\x00b\x07c\x08d\x7fe')).toBe('abcde');
  });

  it('turns line breaks, tabs, NEL and the Unicode separators into one space', () => {
    expect(safeText('one\r\ntwo\tthree\u0085four\u2028five\u2029six')).toBe('one two three four five six');
  });

  it('removes bidi overrides, embeddings, isolates and marks', () => {
    expect(safeText('a\u202eb\u202ac\u2066d\u2069e\u200ff\u061cg')).toBe('abcdefg');
  });

  it('removes a byte order mark and lone surrogates', () => {
    expect(safeText('\ufeffa\ud800b\udc00c')).toBe('abc');
  });

  it('collapses runs of spaces and trims', () => {
    expect(safeText('   a    b   ')).toBe('a b');
  });

  it('caps at 200 characters by default, the last one an ellipsis', () => {
    const out = safeText('x'.repeat(5000));
    expect(SAFE_TEXT_MAX_CHARS).toBe(200);
    expect(out).toHaveLength(200);
    expect(out.endsWith('\u2026')).toBe(true);
  });

  it('does not cut text of exactly the cap', () => {
    expect(safeText('y'.repeat(50), 50)).toBe('y'.repeat(50));
  });

  it('cuts text one longer than the cap', () => {
    expect(safeText('y'.repeat(51), 50)).toBe(`${'y'.repeat(49)}\u2026`);
  });

  it('counts the cap after removing controls', () => {
    expect(safeText(`${'\x1b[2J'.repeat(30)}ok`, 10)).toBe('ok');
  });

  it('never splits a surrogate pair at the cut', () => {
    const out = safeText(`abc${'😀'.repeat(10)}`, 5);
    expect(out).toBe('abc\u2026');
  });

  it('bounds the work on a huge input and still says it was cut', () => {
    const huge = `start ${'\x1b[2J'.repeat(1_000_000)}`;
    const t0 = performance.now();
    const out = safeText(huge);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(out).toBe('start\u2026');
  });

  it('leaves the visible words of a hostile receipt, without a control character', () => {
    const out = safeText('\x1b]0;pwned\x07\x1b[2J\x1b[H\x1b[31mYOUR ISP IS THROTTLING\x1b[0m\u202e\u009b6n\r\x08');
    expect(out).toBe('YOUR ISP IS THROTTLING');
  });
});

describe('safeTextDeep', () => {
  it('cleans every string of an object, in arrays and nested objects', () => {
    const out = safeTextDeep({ error: 'a\x1b[2Jb', warnings: ['c\u202ed'], mlab: { serversTried: [{ machine: 'm\x07', error: 'e' }] } });
    expect(out).toEqual({ error: 'ab', warnings: ['cd'], mlab: { serversTried: [{ machine: 'm', error: 'e' }] } });
  });

  it('leaves numbers, NaN, booleans and null as they are', () => {
    const out = safeTextDeep({ ratio: NaN, ci95: [1, 2], ok: true, none: null });
    expect(out.ratio).toBeNaN();
    expect(out.ci95).toEqual([1, 2]);
    expect(out.ok).toBe(true);
    expect(out.none).toBeNull();
  });

  it('applies the cap given to every string', () => {
    expect(safeTextDeep(['z'.repeat(30)], 10)).toEqual([`${'z'.repeat(9)}\u2026`]);
  });
});
