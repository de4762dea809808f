// Endpoints: choose the one tests use; add a custom one by its URL after checking that its
// /info answers as an endpoint of ours, with the host permission asked for at that moment
// (least privilege: only default endpoints are granted at install).
import { resolveTarget } from '../../core/endpoint.js';
import { deadlineFetch, startRunDeadline } from '../../core/deadline-fetch.js';
import { safeText } from '../../core/safe-text.js';
import { el } from '../shared/dom.js';
import { allEndpoints, customEndpointId, endpointRootUrl, originPatterns, type EndpointRef } from '../shared/endpoints.js';
import { heldPatterns, releaseHostPermission } from '../shared/host-permissions.js';
import type { OptionsContext, OptionsSection } from './section.js';

/** How long the /info check of a new endpoint may take. */
const CHECK_LIMIT_MS = 10_000;

function setStatus(node: HTMLElement, state: 'ok' | 'error' | 'busy', text: string): void {
  node.dataset.state = state;
  node.textContent = text;
}

async function renderList(list: HTMLElement, ctx: OptionsContext): Promise<void> {
  const settings = await ctx.store.settings();
  const endpoints = allEndpoints(ctx.defaults, settings.customEndpoints);
  const selected = endpoints.find((e) => e.id === settings.selectedEndpointId)?.id ?? endpoints[0]?.id;
  const isCustom = (e: EndpointRef) => settings.customEndpoints.some((c) => c.id === e.id);
  list.replaceChildren(
    ...endpoints.map((e, i) => {
      const inputId = `endpoint-${i}`;
      const radio = el('input', { type: 'radio', name: 'endpoint', id: inputId, value: e.id, checked: e.id === selected });
      radio.addEventListener('change', () => void ctx.store.saveSettings({ selectedEndpointId: e.id }));
      const remove = isCustom(e)
        ? el('button', { type: 'button', 'aria-label': ctx.t('removeEndpointLabel', [e.url]) }, ctx.t('removeEndpoint'))
        : undefined;
      remove?.addEventListener('click', () => void removeEndpoint(e, ctx));
      return el('div', { class: 'endpoint' }, radio, el('label', { for: inputId }, e.name, ' ', el('span', { class: 'url' }, e.url)), remove);
    }),
  );
}

export async function removeEndpoint(e: EndpointRef, ctx: OptionsContext): Promise<void> {
  const settings = await ctx.store.settings();
  const customEndpoints = settings.customEndpoints.filter((c) => c.id !== e.id);
  await ctx.store.saveSettings({
    customEndpoints,
    selectedEndpointId: settings.selectedEndpointId === e.id ? undefined : settings.selectedEndpointId,
  });
  // Only what no other endpoint on the same host still needs.
  await releaseHostPermission(ctx.permissions, e.url, allEndpoints(ctx.defaults, customEndpoints));
}

export async function addEndpoint(
  root: string,
  granted: Promise<boolean>,
  heldBefore: Promise<string[]>,
  ctx: OptionsContext,
  status: HTMLElement,
): Promise<void> {
  if (!(await granted.catch(() => false))) {
    setStatus(status, 'error', ctx.t('permissionDenied', [new URL(root).hostname]));
    return;
  }
  setStatus(status, 'busy', ctx.t('checkingEndpoint', [root]));
  try {
    // The check is held to a deadline and its /info read capped, as a run's is.
    const deadline = startRunDeadline({ now: ctx.now }, CHECK_LIMIT_MS);
    const target = await resolveTarget(deadlineFetch(ctx.fetch, deadline), root, {}).finally(() => deadline.dispose());
    if (target.mode !== 'endpoint') throw new Error(`${root} is not an endpoint root`);
    const settings = await ctx.store.settings();
    const id = customEndpointId(root);
    const entry: EndpointRef = { id, name: ctx.t('customEndpointName', [new URL(root).host]), url: root };
    await ctx.store.saveSettings({
      customEndpoints: [...settings.customEndpoints.filter((c) => c.id !== id), entry],
      selectedEndpointId: id,
    });
    setStatus(status, 'ok', ctx.t('endpointAdded', [root, target.info.ports.join(', '), target.info.version]));
  } catch (err) {
    // Give back only what was asked for this endpoint: not a host another endpoint uses, nor
    // one the extension held before the request.
    const settings = await ctx.store.settings();
    await releaseHostPermission(ctx.permissions, root, allEndpoints(ctx.defaults, settings.customEndpoints), await heldBefore);
    setStatus(status, 'error', ctx.t('endpointCheckFailed', [root, safeText(err instanceof Error ? err.message : String(err), 300)]));
  }
}

export const endpointsSection: OptionsSection = {
  id: 'endpoints-section',
  async mount(root, ctx) {
    const list = root.querySelector<HTMLElement>('#endpoint-list')!;
    const form = root.querySelector<HTMLFormElement>('#add-endpoint-form')!;
    const input = root.querySelector<HTMLInputElement>('#endpoint-url')!;
    const status = root.querySelector<HTMLElement>('#endpoint-status')!;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      let rootUrl: string;
      try {
        rootUrl = endpointRootUrl(input.value);
      } catch (err) {
        setStatus(status, 'error', err instanceof Error ? err.message : String(err));
        input.setAttribute('aria-invalid', 'true');
        return;
      }
      input.removeAttribute('aria-invalid');
      // permissions.request must be called while the click's user activation lasts: before
      // any await (MDN, "permissions.request()": "only from inside a user action handler").
      // What was held before is asked first, in the same turn, so it answers for before.
      const patterns = originPatterns(rootUrl);
      const heldBefore = heldPatterns(ctx.permissions, patterns);
      const granted = ctx.permissions.request(patterns);
      setStatus(status, 'busy', ctx.t('checkingEndpoint', [rootUrl]));
      void addEndpoint(rootUrl, granted, heldBefore, ctx, status);
    });
    ctx.onStored((keys) => {
      if (keys.includes('settings')) void renderList(list, ctx);
    });
    await renderList(list, ctx);
  },
};
