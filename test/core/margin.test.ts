import { describe, expect, it } from 'vitest';
import { MARGIN_RATIO, NOTICEABLE_RATIO, noticeableLean } from '../../src/core/margin.js';
import { MARGIN_RATIO as DECISION_MARGIN } from '../../src/core/decision.js';

describe('noticeableLean', () => {
  it('names the way a ratio leans from a tenth either way, nothing nearer 1', () => {
    expect(noticeableLean(NOTICEABLE_RATIO)).toBe('tls-slower');
    expect(noticeableLean(1.21)).toBe('tls-slower');
    expect(noticeableLean(1 / NOTICEABLE_RATIO)).toBe('tls-faster');
    expect(noticeableLean(0.85)).toBe('tls-faster');
    expect(noticeableLean(1.09)).toBeUndefined();
    expect(noticeableLean(1 / 1.09)).toBeUndefined();
    expect(noticeableLean(NaN)).toBeUndefined();
  });

  it('is a lean inside the margin the decision uses, which is this one', () => {
    expect(DECISION_MARGIN).toBe(MARGIN_RATIO);
    expect(NOTICEABLE_RATIO).toBeLessThan(MARGIN_RATIO);
  });
});
