// Endpoints: choose the one tests use; add a custom one by its URL after checking that its
// /info answers as an endpoint of ours, with the host permission asked for at that moment
// (least privilege: only default endpoints are granted at install).
import { deadlineFetch, startRunDeadline } from '../../core/deadline-fetch.js';
import { resolveTarget } from '../../core/endpoint.js';
import { checkMirror } from '../../core/mirror/check.js';
import { safeText } from '../../core/safe-text.js';
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
import { heldPatterns, releaseHostPermission } from '../shared/host-permissions.js';
import { MLAB_KEY, readMlab } from '../shared/mlab-state.js';
import type { OptionsContext, OptionsSection } from './section.js';

/** How long the check of a new endpoint or mirror may take. */
const CHECK_LIMIT_MS = 10_000;

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
      const why = locked ? el('span', { id: `${inputId}-why`, class: 'muted why' }, ctx.t('mlabNeedsConsent')) : undefined;
      const kind = e.kind === 'mirror' ? el('span', { class: 'muted' }, ' ', ctx.t('mirrorTag')) : undefined;
      const remove = isCustom(e)
        ? el('button', { type: 'button', 'aria-label': ctx.t('removeEndpointLabel', [e.url]) }, ctx.t('removeEndpoint'))
        : undefined;
      remove?.addEventListener('click', () => void removeEndpoint(e, ctx));
      // A URL reads left to right in any page: dir isolates it, or a right-to-left page moves
      // its trailing slash to the front.
      const url = e.id === AUTO_ENDPOINT_ID ? undefined : el('span', { class: 'url', dir: 'ltr' }, e.url);
      return el('div', { class: 'endpoint' }, radio, el('div', { class: 'text' }, el('label', { for: inputId }, e.name, kind, ' ', url), why), remove);
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

/** A mirror's file is checked as before a run (src/core/mirror/check.ts) before it is saved. */
async function addMirror(url: string, ctx: OptionsContext, status: HTMLElement): Promise<void> {
  // The check is held to a deadline and its reads capped, as a run's are.
  const deadline = startRunDeadline({ now: ctx.now }, CHECK_LIMIT_MS);
  const check = await checkMirror(
    { fetch: deadlineFetch(ctx.fetch, deadline), hasher: sha256Hasher, clock: { now: ctx.now }, signal: deadline.signal },
    url,
  ).finally(() => deadline.dispose());
  if (check.outcome !== 'usable') throw new Error(check.reason);
  const settings = await ctx.store.settings();
  const id = customEndpointId(url);
  const entry: EndpointRef = { id, name: ctx.tStored('customMirrorName', [new URL(url).host]), url, kind: 'mirror' };
  await ctx.store.saveSettings({
    customEndpoints: [...settings.customEndpoints.filter((c) => c.id !== id), entry],
    selectedEndpointId: id,
  });
  setStatus(status, 'ok', ctx.t('mirrorAdded', [url, String(Math.round(check.target.fileBytes / 1e6)), check.checks.join('; ')]));
}

export async function addEndpoint(
  target: { kind: 'http' | 'mirror'; url: string },
  granted: Promise<boolean>,
  heldBefore: Promise<string[]>,
  ctx: OptionsContext,
  status: HTMLElement,
): Promise<void> {
  const root = target.url;
  if (!(await granted.catch(() => false))) {
    setStatus(status, 'error', ctx.t('permissionDenied', [new URL(root).hostname]));
    return;
  }
  setStatus(status, 'busy', ctx.t('checkingEndpoint', [root]));
  try {
    if (target.kind === 'mirror') return await addMirror(root, ctx, status);
    const deadline = startRunDeadline({ now: ctx.now }, CHECK_LIMIT_MS);
    const resolved = await resolveTarget(deadlineFetch(ctx.fetch, deadline), root, {}).finally(() => deadline.dispose());
    if (resolved.mode !== 'endpoint') throw new Error(`${root} is not an endpoint root`);
    const settings = await ctx.store.settings();
    const id = customEndpointId(root);
    const entry: EndpointRef = { id, name: ctx.tStored('customEndpointName', [new URL(root).host]), url: root };
    await ctx.store.saveSettings({
      customEndpoints: [...settings.customEndpoints.filter((c) => c.id !== id), entry],
      selectedEndpointId: id,
    });
    setStatus(status, 'ok', ctx.t('endpointAdded', [root, resolved.info.ports.join(', '), resolved.info.version]));
  } catch (err) {
    // Give back only what was asked for this endpoint: not a host another endpoint uses, nor
    // one the extension held before the request.
    const settings = await ctx.store.settings();
    await releaseHostPermission(ctx.permissions, root, allEndpoints(ctx.defaults, settings.customEndpoints), await heldBefore);
    setStatus(status, 'error', ctx.t('endpointCheckFailed', [root, safeText(err instanceof Error ? err.message : String(err), 300)]));
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
      // What was held before is asked first, in the same turn, so it answers for before.
      const patterns = originPatterns(target.url);
      const heldBefore = heldPatterns(ctx.permissions, patterns);
      const granted = ctx.permissions.request(patterns);
      setStatus(status, 'busy', ctx.t('checkingEndpoint', [target.url]));
      void addEndpoint(target, granted, heldBefore, ctx, status);
    });
    ctx.onStored((keys) => {
      if (keys.includes('settings') || keys.includes(MLAB_KEY)) void renderList(list, ctx, storage);
    });
    await renderList(list, ctx, storage);
  },
  };
}
