// A removed or failed endpoint gives back its host permission only when no other endpoint
// on the same host still needs it, and never one the extension held before it was asked.
import { describe, expect, it } from 'vitest';
import type { EndpointRef } from '../../src/extension/shared/endpoints.js';
import { heldPatterns, patternsToRelease, releaseHostPermission } from '../../src/extension/shared/host-permissions.js';
import { FakePermissions } from './fakes.js';

const SHARED_443: EndpointRef = { id: 'custom:https://shared.test/', name: 'Shared', url: 'https://shared.test/' };
const SHARED_8443: EndpointRef = { id: 'custom:https://shared.test:8443/', name: 'Shared 8443', url: 'https://shared.test:8443/' };
const OTHER: EndpointRef = { id: 'custom:https://other.test/', name: 'Other', url: 'https://other.test/' };
const DEFAULT: EndpointRef = { id: 'default', name: 'Default', url: 'https://default.test/' };
const SHARED = ['http://shared.test/*', 'https://shared.test/*'];

describe('patternsToRelease', () => {
  it('releases both schemes of a host no other endpoint uses', () => {
    expect(patternsToRelease(OTHER.url, [DEFAULT, SHARED_443])).toEqual(['http://other.test/*', 'https://other.test/*']);
  });

  it('releases nothing while another endpoint on the same host, another port, remains', () => {
    expect(patternsToRelease(SHARED_8443.url, [DEFAULT, SHARED_443])).toEqual([]);
  });

  it("releases nothing on a default endpoint's host", () => {
    expect(patternsToRelease('https://default.test:8443/', [DEFAULT])).toEqual([]);
  });

  it('releases everything when nothing else is listed', () => {
    expect(patternsToRelease(SHARED_443.url, [])).toEqual(SHARED);
  });

  it('ignores a listed entry whose URL does not parse', () => {
    expect(patternsToRelease(OTHER.url, [{ id: 'x', name: 'x', url: 'not a url' }])).toEqual(['http://other.test/*', 'https://other.test/*']);
  });
});

describe('releaseHostPermission', () => {
  it('removes the host of a removed endpoint that was alone on it', async () => {
    const p = new FakePermissions([...SHARED, 'https://other.test/*', 'http://other.test/*']);
    expect(await releaseHostPermission(p, OTHER.url, [SHARED_443])).toEqual(['http://other.test/*', 'https://other.test/*']);
    expect(await p.contains(['https://other.test/*'])).toBe(false);
  });

  it('keeps the host when one of two endpoints on it is removed', async () => {
    const p = new FakePermissions(SHARED);
    expect(await releaseHostPermission(p, SHARED_8443.url, [SHARED_443])).toEqual([]);
    expect(p.removed).toEqual([]);
    expect(await p.contains(SHARED)).toBe(true);
  });

  it('keeps the host after a failed add when another endpoint on it is listed', async () => {
    const p = new FakePermissions(SHARED);
    // The user tries https://shared.test:8443/, its /info fails; shared.test:443 stays listed.
    await p.request(SHARED);
    await releaseHostPermission(p, SHARED_8443.url, [DEFAULT, SHARED_443]);
    expect(await p.contains(SHARED)).toBe(true);
  });

  it('keeps what was held before the request, after a failed add', async () => {
    const p = new FakePermissions(['https://other.test/*']);
    const before = await heldPatterns(p, ['http://other.test/*', 'https://other.test/*']);
    await p.request(['http://other.test/*', 'https://other.test/*']);
    expect(await releaseHostPermission(p, OTHER.url, [], before)).toEqual(['http://other.test/*']);
    expect(await p.contains(['https://other.test/*'])).toBe(true);
    expect(await p.contains(['http://other.test/*'])).toBe(false);
  });

  it('removes all it asked for after a failed add on a new host', async () => {
    const p = new FakePermissions();
    const before = await heldPatterns(p, ['http://other.test/*', 'https://other.test/*']);
    await p.request(['http://other.test/*', 'https://other.test/*']);
    await releaseHostPermission(p, OTHER.url, [DEFAULT], before);
    expect(p.granted.size).toBe(0);
  });

  it('reports nothing removed when the browser refuses (a required host)', async () => {
    const p = new FakePermissions([], ['http://default.test/*', 'https://default.test/*']);
    expect(await releaseHostPermission(p, DEFAULT.url, [])).toEqual([]);
    expect(await p.contains(['https://default.test/*'])).toBe(true);
  });
});

describe('heldPatterns', () => {
  it('answers pattern by pattern', async () => {
    const p = new FakePermissions(['https://shared.test/*']);
    expect(await heldPatterns(p, SHARED)).toEqual(['https://shared.test/*']);
  });

  it('answers an empty list for an empty list', async () => {
    expect(await heldPatterns(new FakePermissions(), [])).toEqual([]);
  });
});
