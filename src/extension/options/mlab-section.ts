// M-Lab tests: what M-Lab does with a test, in plain words (its consent text and a
// link to its privacy policy), and the switch that turns the provider on. On, it asks for the
// locate service's host at that moment (a user gesture; least privilege: nothing M-Lab is
// granted at install) and makes M-Lab the endpoint tests use. Off, it gives the host back;
// the background refuses M-Lab runs without consent (background/mlab-retry.ts).
import { MLAB_PRIVACY_URL } from '../../core/ndt7/disclosure.js';
import type { StoragePort } from '../platform/ports.js';
import { isMlabEndpoint } from '../shared/endpoints.js';
import { locateUrlFor, MLAB_KEY, mlabPermissionOrigins, readMlab, type MlabState } from '../shared/mlab-state.js';
import type { OptionsSection } from './section.js';

export function mlabSection(storage: StoragePort): OptionsSection {
  const read = async (): Promise<MlabState> => readMlab((await storage.get([MLAB_KEY]))[MLAB_KEY]);
  const save = async (patch: Partial<MlabState>): Promise<MlabState> => {
    const next = readMlab({ ...(await read()), ...patch });
    await storage.set({ [MLAB_KEY]: next });
    return next;
  };

  return {
    id: 'mlab-section',
    async mount(root, ctx) {
      const endpoint = ctx.defaults.find((e) => isMlabEndpoint(e));
      // A build whose config lists no M-Lab entry does not offer it.
      root.hidden = !endpoint;
      if (!endpoint) return;
      const consent = root.querySelector<HTMLInputElement>('#mlab-consent')!;
      const status = root.querySelector<HTMLElement>('#mlab-status')!;
      root.querySelector<HTMLAnchorElement>('#mlab-privacy')!.href = MLAB_PRIVACY_URL;
      // Kept current, so that a click can ask for the permission before any await.
      let state = await read();

      const render = (error?: string): void => {
        consent.checked = state.consent;
        status.dataset.state = error ? 'error' : state.consent ? 'on' : 'off';
        status.textContent = error ?? ctx.t(state.consent ? 'mlabOn' : 'mlabOff');
      };

      consent.addEventListener('change', () => {
        const wanted = consent.checked;
        const locateUrl = locateUrlFor(endpoint, state);
        const origins = mlabPermissionOrigins(locateUrl);
        // permissions.request only works while the click's user activation lasts (MDN,
        // "permissions.request()"): first thing, before any await.
        const granted = wanted ? ctx.permissions.request(origins) : Promise.resolve(true);
        void (async () => {
          if (wanted && !(await granted.catch(() => false))) {
            state = await read();
            render(ctx.t('mlabPermissionDenied', [new URL(locateUrl).hostname]));
            return;
          }
          state = await save({ consent: wanted, decidedAt: ctx.now(), retryAttempt: 0 });
          if (wanted) {
            await ctx.store.saveSettings({ selectedEndpointId: endpoint.id });
          } else {
            // A host that is also a required permission (a development build's) cannot be removed.
            await ctx.permissions.remove(origins).catch(() => false);
          }
          render();
        })();
      });

      ctx.onStored((keys) => {
        if (keys.includes(MLAB_KEY)) void read().then((s) => ((state = s), render()));
      });
      render();
    },
  };
}
