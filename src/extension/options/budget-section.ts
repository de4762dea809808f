// The data budget: a monthly cap for scheduled checks, and the most one test may use. A value
// is saved only when it is a whole number of at least 1 (storage-schema.ts would otherwise put
// the default back silently); each field says "Saved" or why it was refused.
import { confirmSaved } from './saved-status.js';
import type { OptionsContext, OptionsSection } from './section.js';

async function renderUsage(node: HTMLElement, ctx: OptionsContext): Promise<void> {
  const [usage, settings] = await Promise.all([ctx.store.usage(ctx.now()), ctx.store.settings()]);
  const count = new Intl.NumberFormat(ctx.t('htmlLang') || undefined, { maximumFractionDigits: 0 });
  node.textContent = ctx.t('usageLine', [count.format(usage.bytes / 1e6), count.format(settings.monthlyBudgetMb), usage.month]);
}

/** A budget typed by the user, or undefined when it is not a whole number of at least 1. */
export function parseBudgetMb(text: string): number | undefined {
  if (!/^\s*\d+\s*$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= 1 ? n : undefined;
}

function bindBudget(input: HTMLInputElement, status: HTMLElement, value: number, save: (n: number) => Promise<unknown>, ctx: OptionsContext): void {
  input.value = String(value);
  input.addEventListener('change', () => {
    const n = parseBudgetMb(input.value);
    input.setAttribute('aria-invalid', String(n === undefined));
    status.dataset.state = n === undefined ? 'error' : 'ok';
    if (n === undefined) {
      status.textContent = ctx.t('budgetInvalid');
      return;
    }
    confirmSaved(status, ctx, save(n));
  });
}

export const budgetSection: OptionsSection = {
  id: 'budget-section',
  async mount(root, ctx) {
    const settings = await ctx.store.settings();
    const field = (id: string) => [root.querySelector<HTMLInputElement>(`#${id}`)!, root.querySelector<HTMLElement>(`#${id}-status`)!] as const;
    bindBudget(...field('monthly-budget'), settings.monthlyBudgetMb, (n) => ctx.store.saveSettings({ monthlyBudgetMb: n }), ctx);
    bindBudget(...field('run-budget'), settings.runBudgetMb, (n) => ctx.store.saveSettings({ runBudgetMb: n }), ctx);
    bindBudget(...field('fast-line-budget'), settings.fastLineBudgetMb, (n) => ctx.store.saveSettings({ fastLineBudgetMb: n }), ctx);
    const usage = root.querySelector<HTMLElement>('#usage')!;
    ctx.onStored((keys) => {
      if (keys.includes('usage') || keys.includes('settings')) void renderUsage(usage, ctx);
    });
    await renderUsage(usage, ctx);
  },
};
