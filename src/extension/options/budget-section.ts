// The data budget: a monthly cap for scheduled checks, and the most one test may use.
import type { OptionsContext, OptionsSection } from './section.js';

async function renderUsage(node: HTMLElement, ctx: OptionsContext): Promise<void> {
  const [usage, settings] = await Promise.all([ctx.store.usage(ctx.now()), ctx.store.settings()]);
  node.textContent = ctx.t('usageLine', [(usage.bytes / 1e6).toFixed(0), String(settings.monthlyBudgetMb), usage.month]);
}

function bindNumber(input: HTMLInputElement, value: number, save: (n: number) => Promise<unknown>): void {
  input.value = String(value);
  input.addEventListener('change', () => {
    const n = Number(input.value);
    const valid = Number.isFinite(n) && n >= Number(input.min || 0);
    input.setAttribute('aria-invalid', String(!valid));
    if (valid) void save(Math.round(n));
  });
}

export const budgetSection: OptionsSection = {
  id: 'budget-section',
  async mount(root, ctx) {
    const settings = await ctx.store.settings();
    bindNumber(root.querySelector<HTMLInputElement>('#monthly-budget')!, settings.monthlyBudgetMb, (n) =>
      ctx.store.saveSettings({ monthlyBudgetMb: n }),
    );
    bindNumber(root.querySelector<HTMLInputElement>('#run-budget')!, settings.runBudgetMb, (n) => ctx.store.saveSettings({ runBudgetMb: n }));
    const usage = root.querySelector<HTMLElement>('#usage')!;
    ctx.onStored((keys) => {
      if (keys.includes('usage') || keys.includes('settings')) void renderUsage(usage, ctx);
    });
    await renderUsage(usage, ctx);
  },
};
