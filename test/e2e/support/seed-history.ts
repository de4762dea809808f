// A history of many plausible results, written straight into the extension's storage: for the
// popup's speed with a full history (e2e test and bench/popup.ts).
import type { Page } from 'playwright-core';
import type { StoredEntry } from './extension-browser.js';

export function plausibleHistory(count: number): StoredEntry[] {
  const transfers = (mbps: number) => Array.from({ length: 12 }, () => ({ bytes: 4_000_000, ms: 700, mbps }));
  const legs = [
    { id: 'https-443-down-random', scheme: 'https', port: 443, direction: 'down', payload: 'random', medianMbps: 48, transfers: transfers(48) },
    { id: 'http-80-down-random', scheme: 'http', port: 80, direction: 'down', payload: 'random', medianMbps: 50, transfers: transfers(50) },
  ] as const;
  const start = Date.UTC(2026, 0, 1);
  return Array.from({ length: count }, (_, i) => ({
    id: `seed-${i}`,
    startedAt: start + i * 3_600_000,
    finishedAt: start + i * 3_600_000 + 20_000,
    endpoint: { id: 'seed', name: 'Seed', url: 'https://127.0.0.1/' },
    trigger: i % 2 ? 'scheduled' : 'manual',
    result: {
      verdict: 'no-difference',
      ratio: 1.04,
      ci95: [0.98, 1.1],
      pValue: 0.2,
      rounds: 12,
      bytesUsed: 96_000_000,
      durationMs: 20_000,
      endpoint: 'https://127.0.0.1/',
      legs: legs.map((l) => ({ ...l, transfers: [...l.transfers] })),
      comparisons: [
        { id: 'screen', suspectLeg: legs[0].id, referenceLeg: legs[1].id, ratio: 1.04, ci95: [0.98, 1.1], pValue: 0.2, rounds: 12, outcome: 'same' },
      ],
      warnings: [],
    },
  }));
}

/** Writes `count` results, one an hour, 12 rounds each, through an extension page. */
export async function seedHistory(page: Page, count: number): Promise<void> {
  // The popup's index of the history is removed with it, so the popup rebuilds it from this
  // history (src/extension/shared/history-index.ts).
  await page.evaluate(async (history) => {
    await chrome.storage.local.remove('historyIndex');
    await chrome.storage.local.set({ history });
  }, plausibleHistory(count));
}
