// "Saved." under a setting once its write has landed in storage, so a user knows a change took
// without closing the page and opening it again.
import type { OptionsContext } from './section.js';

export function confirmSaved(status: HTMLElement, ctx: OptionsContext, write: Promise<unknown>): void {
  status.textContent = '';
  status.dataset.state = '';
  void write.then(
    () => {
      status.dataset.state = 'ok';
      status.textContent = ctx.t('savedConfirmation');
    },
    (err: unknown) => {
      status.dataset.state = 'error';
      status.textContent = err instanceof Error ? err.message : String(err);
    },
  );
}
