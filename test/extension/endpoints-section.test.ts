// The options page's endpoint list as it touches host permissions: what is given back when an
// endpoint is removed or fails its /info check, and what stays for another endpoint on the host.
import { describe, expect, it } from 'vitest';
import type { FetchLike, ResponseLike } from '../../src/core/io.js';
import { addEndpoint, removeEndpoint } from '../../src/extension/options/endpoints-section.js';
import type { OptionsContext } from '../../src/extension/options/section.js';
import type { EndpointRef } from '../../src/extension/shared/endpoints.js';
import { Store } from '../../src/extension/shared/store.js';
import { FakePermissions, FakeStorage, keysOnly } from './fakes.js';

const DEFAULT: EndpointRef = { id: 'local-dev', name: 'Local', url: 'https://127.0.0.1:8443/' };
const SHARED = ['http://shared.test/*', 'https://shared.test/*'];
const custom = (url: string): EndpointRef => ({ id: `custom:${url}`, name: url, url });

const INFO = JSON.stringify({ service: 'tls-throttle-endpoint', version: 'v1', ports: [443, 80], limits: { maxBytes: 1e8 }, tlsCapacityMbps: 0 });

function answer(status: number, body: string): ResponseLike {
  const bytes = new TextEncoder().encode(body);
  let sent = false;
  return {
    status,
    url: '',
    redirected: false,
    type: 'basic',
    headers: { get: () => null },
    body: { getReader: () => ({ read: async () => (sent ? { done: true } : ((sent = true), { done: false, value: bytes })), cancel: async () => undefined }) },
    text: async () => body,
  };
}

function context(permissions: FakePermissions, fetch: FetchLike, custom: EndpointRef[] = []) {
  const storage = new FakeStorage({ settings: { customEndpoints: custom } });
  const ctx: OptionsContext = {
    store: new Store(storage),
    t: keysOnly,
    tStored: keysOnly,
    permissions,
    defaults: [DEFAULT],
    fetch,
    now: () => Date.now(),
    onStored: () => undefined,
  };
  const status = { dataset: {} as Record<string, string>, textContent: '' };
  return { ctx, status, statusEl: status as unknown as HTMLElement };
}

const infoAnswers: FetchLike = async () => answer(200, INFO);
const notFound: FetchLike = async () => answer(404, 'no');

/** What the click handler does: held patterns asked first, then the request. */
function click(p: FakePermissions, url: string) {
  const patterns = [`http://${new URL(url).hostname}/*`, `https://${new URL(url).hostname}/*`];
  const heldBefore = Promise.all(patterns.map((x) => p.contains([x]))).then((held) => patterns.filter((_, i) => held[i]));
  return { granted: p.request(patterns), heldBefore };
}

describe('removing a custom endpoint', () => {
  it('keeps the host permission while another endpoint on the host remains', async () => {
    const a = custom('https://shared.test/');
    const b = custom('https://shared.test:8443/');
    const p = new FakePermissions(SHARED);
    const { ctx } = context(p, infoAnswers, [a, b]);
    await removeEndpoint(b, ctx);
    expect((await ctx.store.settings()).customEndpoints).toEqual([a]);
    expect(await p.contains(SHARED)).toBe(true);
  });

  it('stores its name from the plain translation, shows its status from the page\'s', async () => {
    // A right-to-left page isolates what it shows (shared/dom.ts shownTranslation); a stored
    // name must carry no marks, or every later sentence would quote them.
    const p = new FakePermissions();
    const { ctx, status, statusEl } = context(p, infoAnswers);
    const shown = { ...ctx, t: (key: string, subs?: string[]) => keysOnly(key, subs?.map((s) => `\u2068${s}\u2069`)) };
    const { granted, heldBefore } = click(p, 'https://shared.test/');
    await addEndpoint({ kind: 'http', url: 'https://shared.test/' }, granted, heldBefore, shown, statusEl);
    expect((await ctx.store.settings()).customEndpoints.map((e) => e.name)).toEqual(['customEndpointName(shared.test)']);
    expect(status.textContent).toContain('\u2068https://shared.test/\u2069');
  });

  it('gives the host permission back with the last endpoint on the host', async () => {
    const a = custom('https://shared.test/');
    const p = new FakePermissions(SHARED);
    const { ctx } = context(p, infoAnswers, [a]);
    await removeEndpoint(a, ctx);
    expect(p.granted.size).toBe(0);
  });
});

describe('adding a custom endpoint', () => {
  it('keeps the permission and the endpoint when /info answers', async () => {
    const p = new FakePermissions();
    const { ctx, status, statusEl } = context(p, infoAnswers);
    const { granted, heldBefore } = click(p, 'https://shared.test/');
    await addEndpoint({ kind: 'http', url: 'https://shared.test/' }, granted, heldBefore, ctx, statusEl);
    expect(status.dataset.state).toBe('ok');
    expect((await ctx.store.settings()).customEndpoints.map((e) => e.url)).toEqual(['https://shared.test/']);
    expect(await p.contains(SHARED)).toBe(true);
  });

  it('after a failed check, keeps the permission another endpoint on the host needs', async () => {
    const p = new FakePermissions(SHARED);
    const { ctx, status, statusEl } = context(p, notFound, [custom('https://shared.test/')]);
    const { granted, heldBefore } = click(p, 'https://shared.test:8443/');
    await addEndpoint({ kind: 'http', url: 'https://shared.test:8443/' }, granted, heldBefore, ctx, statusEl);
    expect(status.dataset.state).toBe('error');
    expect(status.textContent).toMatch(/answered HTTP 404/);
    expect(await p.contains(SHARED)).toBe(true);
  });

  it('after a failed check on a new host, gives back what it was granted, not what was held before', async () => {
    const p = new FakePermissions(['https://shared.test/*']);
    const { ctx, statusEl } = context(p, notFound);
    const { granted, heldBefore } = click(p, 'https://shared.test/');
    await addEndpoint({ kind: 'http', url: 'https://shared.test/' }, granted, heldBefore, ctx, statusEl);
    expect([...p.granted]).toEqual(['https://shared.test/*']);
  });

  it('shows a failure that quotes the network without a control character', async () => {
    const p = new FakePermissions();
    const hostile: FetchLike = async () => {
      throw new Error('socket hang up \x1b]0;pwned\x07\x1b[2J\u202e');
    };
    const { ctx, status, statusEl } = context(p, hostile);
    const { granted, heldBefore } = click(p, 'https://shared.test/');
    await addEndpoint({ kind: 'http', url: 'https://shared.test/' }, granted, heldBefore, ctx, statusEl);
    expect(status.textContent).toMatch(/socket hang up\)?$/);
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(status.textContent).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202a-\u202e]/);
  });
});
