// Endpoints: choose the one tests use; add a custom one by its URL after checking that its
// /info answers as an endpoint of ours, with the host permission asked for at that moment
// (least privilege: only default endpoints are granted at install).
import { resolveTarget } from '../../core/endpoint.js';
import { checkMirror } from '../../core/mirror/check.js';
import { sha256Hasher } from '../../core/digest.js';
import type { StoragePort } from '../platform/ports.js';
import { el } from '../shared/dom.js';
import {
  AUTO_ENDPOINT_ID,
  allEndpoints,
  autoCandidates,
  autoEndpoint,
  customEndpointId,
  customTargetUrl,
  isMlabEndpoint,
  originPatterns,
  type EndpointRef,
} from '../shared/endpoints.js';
import { MLAB_KEY, readMlab } from '../shared/mlab-state.js';
import type { OptionsContext, OptionsSection } from './section.js';

function setStatus(node: HTMLElement, state: 'ok' | 'error' | 'busy', text: string): void {
  node.dataset.state = state;
  node.textContent = text;
}

async function renderList(list: HTMLElement, ctx: OptionsContext, storage: StoragePort): Promise<void> {
  const settings = await ctx.store.settings();
  const listed = allEndpoints(ctx.defaults, settings.customEndpoints);
  const auto = autoEndpoint(ctx.t('autoEndpointName'));
  const endpoints = autoCandidates(listed).length ? [auto, ...listed] : listed;
  const selected = endpoints.find((e) => e.id === settings.selectedEndpointId)?.id ?? endpoints[0]?.id;
  const isCustom = (e: EndpointRef) => settings.customEndpoints.some((c) => c.id === e.id);
  // M-Lab publishes every test with the user's address: it cannot be picked before its consent
  // is given in the M-Lab section below.
  const mlabConsent = readMlab((await storage.get([MLAB_KEY]))[MLAB_KEY]).consent;
  list.replaceChildren(
    ...endpoints.map((e, i) => {
      const inputId = `endpoint-${i}`;
      const locked = isMlabEndpoint(e) && !mlabConsent;
      const radio = el('input', {
        type: 'radio',
        name: 'endpoint',
        id: inputId,
        value: e.id,
        checked: e.id === selected && !locked,
        disabled: locked,
        'aria-describedby': locked ? `${inputId}-why` : undefined,
      });
      radio.addEventListener('change', () => void ctx.store.saveSettings({ selectedEndpointId: e.id === AUTO_ENDPOINT_ID ? undefined : e.id }));
      const why = locked ? el('span', { id: `${inputId}-why`, class: 'muted' }, ' ', ctx.t('mlabNeedsConsent')) : undefined;
      const kind = e.kind === 'mirror' ? el('span', { class: 'muted' }, ' ', ctx.t('mirrorTag')) : undefined;
      const remove = isCustom(e)
        ? el('button', { type: 'button', 'aria-label': ctx.t('removeEndpointLabel', [e.url]) }, ctx.t('removeEndpoint'))
        : undefined;
      remove?.addEventListener('click', () => void removeEndpoint(e, ctx));
      const url = e.id === AUTO_ENDPOINT_ID ? undefined : el('span', { class: 'url' }, e.url);
      return el('div', { class: 'endpoint' }, radio, el('label', { for: inputId }, e.name, kind, ' ', url), why, remove);
    }),
  );
}

async function removeEndpoint(e: EndpointRef, ctx: OptionsContext): Promise<void> {
  const settings = await ctx.store.settings();
  const customEndpoints = settings.customEndpoints.filter((c) => c.id !== e.id);
  await ctx.store.saveSettings({
    customEndpoints,
    selectedEndpointId: settings.selectedEndpointId === e.id ? undefined : settings.selectedEndpointId,
  });
  // A default endpoint's host is a required permission and cannot be removed: ignore that.
  await ctx.permissions.remove(originPatterns(e.url)).catch(() => false);
}

/** A mirror's file is checked as before a run (src/core/mirror/check.ts) before it is saved. */
async function addMirror(url: string, ctx: OptionsContext, status: HTMLElement): Promise<void> {
  const check = await checkMirror(
    { fetch: ctx.fetch, hasher: sha256Hasher, clock: { now: () => performance.now() }, signal: AbortSignal.timeout(15_000) },
    url,
  );
  if (check.outcome !== 'usable') throw new Error(check.reason);
  const settings = await ctx.store.settings();
  const id = customEndpointId(url);
  const entry: EndpointRef = { id, name: ctx.t('customMirrorName', [new URL(url).host]), url, kind: 'mirror' };
  await ctx.store.saveSettings({
    customEndpoints: [...settings.customEndpoints.filter((c) => c.id !== id), entry],
    selectedEndpointId: id,
  });
  setStatus(status, 'ok', ctx.t('mirrorAdded', [url, String(Math.round(check.target.fileBytes / 1e6)), check.checks.join('; ')]));
}

async function addEndpoint(
  target: { kind: 'http' | 'mirror'; url: string },
  granted: Promise<boolean>,
  ctx: OptionsContext,
  status: HTMLElement,
): Promise<void> {
  const root = target.url;
  const patterns = originPatterns(root);
  if (!(await granted.catch(() => false))) {
    setStatus(status, 'error', ctx.t('permissionDenied', [new URL(root).hostname]));
    return;
  }
  setStatus(status, 'busy', ctx.t('checkingEndpoint', [root]));
  try {
    if (target.kind === 'mirror') return await addMirror(root, ctx, status);
    const resolved = await resolveTarget(ctx.fetch, root, { signal: AbortSignal.timeout(10_000) });
    if (resolved.mode !== 'endpoint') throw new Error(`${root} is not an endpoint root`);
    const settings = await ctx.store.settings();
    const id = customEndpointId(root);
    const entry: EndpointRef = { id, name: ctx.t('customEndpointName', [new URL(root).host]), url: root };
    await ctx.store.saveSettings({
      customEndpoints: [...settings.customEndpoints.filter((c) => c.id !== id), entry],
      selectedEndpointId: id,
    });
    setStatus(status, 'ok', ctx.t('endpointAdded', [root, resolved.info.ports.join(', '), resolved.info.version]));
  } catch (err) {
    await ctx.permissions.remove(patterns).catch(() => false);
    setStatus(status, 'error', ctx.t('endpointCheckFailed', [root, err instanceof Error ? err.message : String(err)]));
  }
}

export function endpointsSection(storage: StoragePort): OptionsSection {
  return {
  id: 'endpoints-section',
  async mount(root, ctx) {
    const list = root.querySelector<HTMLElement>('#endpoint-list')!;
    const form = root.querySelector<HTMLFormElement>('#add-endpoint-form')!;
    const input = root.querySelector<HTMLInputElement>('#endpoint-url')!;
    const status = root.querySelector<HTMLElement>('#endpoint-status')!;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      let target: { kind: 'http' | 'mirror'; url: string };
      try {
        target = customTargetUrl(input.value);
      } catch (err) {
        setStatus(status, 'error', err instanceof Error ? err.message : String(err));
        input.setAttribute('aria-invalid', 'true');
        return;
      }
      input.removeAttribute('aria-invalid');
      // permissions.request must be called while the click's user activation lasts: before
      // any await (MDN, "permissions.request()": "only from inside a user action handler").
      const granted = ctx.permissions.request(originPatterns(target.url));
      setStatus(status, 'busy', ctx.t('checkingEndpoint', [target.url]));
      void addEndpoint(target, granted, ctx, status);
    });
    ctx.onStored((keys) => {
      if (keys.includes('settings') || keys.includes(MLAB_KEY)) void renderList(list, ctx, storage);
    });
    await renderList(list, ctx, storage);
  },
  };
}
