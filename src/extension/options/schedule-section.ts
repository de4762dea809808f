// Scheduled checks: how often, whether metered connections may be used, and what the last
// scheduled checks did (run, or skipped and why).
import { el } from '../shared/dom.js';
import { SCHEDULES, type Schedule } from '../shared/storage-schema.js';
import { confirmSaved } from './saved-status.js';
import type { OptionsContext, OptionsSection } from './section.js';

async function renderLog(list: HTMLElement, ctx: OptionsContext): Promise<void> {
  const log = await ctx.store.scheduleLog();
  if (!log.length) {
    list.replaceChildren(el('li', { class: 'muted' }, ctx.t('scheduleLogEmpty')));
    return;
  }
  list.replaceChildren(
    ...log
      .slice(-10)
      .reverse()
      .map((entry) => {
        const when = new Date(entry.at).toLocaleString();
        const text = entry.outcome === 'started' ? ctx.t('scheduleStarted', [when]) : ctx.t('scheduleSkipped', [when, entry.reason ?? '']);
        return el('li', { 'data-outcome': entry.outcome }, text);
      }),
  );
}

export const scheduleSection: OptionsSection = {
  id: 'schedule-section',
  async mount(root, ctx) {
    const select = root.querySelector<HTMLSelectElement>('#schedule')!;
    const metered = root.querySelector<HTMLInputElement>('#allow-metered')!;
    const log = root.querySelector<HTMLElement>('#schedule-log')!;
    const settings = await ctx.store.settings();
    select.value = settings.schedule;
    metered.checked = settings.allowMetered;
    const status = root.querySelector<HTMLElement>('#schedule-status')!;
    select.addEventListener('change', () => {
      if ((SCHEDULES as readonly string[]).includes(select.value)) {
        confirmSaved(status, ctx, ctx.store.saveSettings({ schedule: select.value as Schedule }));
      }
    });
    metered.addEventListener('change', () => confirmSaved(status, ctx, ctx.store.saveSettings({ allowMetered: metered.checked })));
    ctx.onStored((keys) => {
      if (keys.includes('scheduleLog')) void renderLog(log, ctx);
    });
    await renderLog(log, ctx);
  },
};
