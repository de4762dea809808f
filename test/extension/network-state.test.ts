import { describe, expect, it } from 'vitest';
import { networkState } from '../../src/extension/platform/network-state.js';

describe('networkState', () => {
  it('treats a cellular connection as metered', () => {
    expect(networkState({ onLine: true, connection: { type: 'cellular' } })).toEqual({ online: true, metered: true, saveData: false });
  });

  it('reads Save-Data', () => {
    expect(networkState({ onLine: true, connection: { type: 'wifi', saveData: true } }).saveData).toBe(true);
  });

  it('reports not metered where the browser has no Network Information API (Firefox)', () => {
    expect(networkState({ onLine: false })).toEqual({ online: false, metered: false, saveData: false });
  });
});
