import { describe, expect, it } from 'vitest';
import { shownTranslation } from '../../src/extension/shared/dom.js';

const messages = (dir: 'ltr' | 'rtl') => (key: string, subs?: string[]) => (key === 'htmlDir' ? dir : `${key}: ${(subs ?? []).join(', ')}`);

describe('shownTranslation', () => {
  it('isolates every value put into a sentence of a right-to-left page', () => {
    const t = shownTranslation(messages('rtl'));
    expect(t('runFigures', ['۹', '۷۲٫۰ MB', '۲۳'])).toBe('runFigures: \u2068۹\u2069, \u2068۷۲٫۰ MB\u2069, \u2068۲۳\u2069');
    expect(t('verdictFailed')).toBe('verdictFailed: ');
  });

  it('leaves a left-to-right page\'s sentences as the plain translation has them', () => {
    const plain = messages('ltr');
    expect(shownTranslation(plain)).toBe(plain);
  });
});
