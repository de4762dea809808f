// The M-Lab provider's stored state: off unless the user said yes, written off by the layout-3
// migration whatever an older build left, and the locate URL and host it asks for.
import { describe, expect, it } from 'vitest';
import { DEFAULT_LOCATE_URL } from '../../src/core/ndt7/index.js';
import { migrate } from '../../src/extension/shared/migrations.js';
import { DEFAULT_MLAB, locateUrlFor, mlabPermissionOrigins, mlabRefusal, readMlab } from '../../src/extension/shared/mlab-state.js';
import { SCHEMA_VERSION } from '../../src/extension/shared/storage-schema.js';
import { Store } from '../../src/extension/shared/store.js';
import { FakeStorage } from './fakes.js';
import { entry } from './sample-result.js';

const MLAB = { id: 'mlab', name: 'M-Lab', url: DEFAULT_LOCATE_URL, kind: 'mlab' as const };

describe('M-Lab state', () => {
  it('reads as no consent when nothing is stored', () => {
    expect(readMlab(undefined)).toEqual(DEFAULT_MLAB);
    expect(mlabRefusal(readMlab(undefined))).toMatch(/^M-Lab tests are off: M-Lab publishes every test with your IP address/);
  });

  it('reads a malformed consent as no consent, never as a yes', () => {
    expect(readMlab({ consent: 'yes', decidedAt: 5 }).consent).toBe(false);
    expect(readMlab({ consent: 1 }).consent).toBe(false);
  });

  it('lets a run start once the user has accepted', () => {
    expect(mlabRefusal(readMlab({ consent: true, decidedAt: 5 }))).toBeUndefined();
  });

  it("asks the build's locate URL unless a stored one replaces it", () => {
    expect(locateUrlFor(MLAB, readMlab({}))).toBe(DEFAULT_LOCATE_URL);
    expect(locateUrlFor(MLAB, readMlab({ locateUrl: 'http://127.0.0.1:4000/v2/nearest/ndt/ndt7' }))).toBe('http://127.0.0.1:4000/v2/nearest/ndt/ndt7');
  });

  it('ignores a stored locate URL that is not a URL', () => {
    expect(locateUrlFor(MLAB, readMlab({ consent: true, locateUrl: 'not a url' }))).toBe(DEFAULT_LOCATE_URL);
  });

  it("asks for the locate service's host only, in the scheme it is reached by", () => {
    expect(mlabPermissionOrigins(DEFAULT_LOCATE_URL)).toEqual(['https://locate.measurementlab.net/*']);
    expect(mlabPermissionOrigins('http://127.0.0.1:4000/v2/nearest/ndt/ndt7')).toEqual(['http://127.0.0.1/*']);
  });
});

describe('storage layout 3', () => {
  it('keeps a layout-2 history and reporting, and adds M-Lab off with no retry pending', () => {
    const reporting = { consent: true, decidedAt: 7, collectorUrl: null };
    const out = migrate({ history: [entry(1)], settings: {}, reporting }, 2, 3);
    expect(out.data.history).toEqual([entry(1)]);
    expect(out.data.reporting).toEqual(reporting);
    expect(out.data.mlab).toEqual({ consent: false, decidedAt: null, locateUrl: null, retryAttempt: 0 });
  });

  it('turns off an M-Lab consent left by an older development build', async () => {
    const storage = new FakeStorage({ schemaVersion: 2, mlab: { consent: true, decidedAt: 1, locateUrl: null, retryAttempt: 3 } });
    await new Store(storage).migrate();
    expect(storage.raw('schemaVersion')).toBe(SCHEMA_VERSION);
    expect(readMlab(storage.raw('mlab'))).toEqual(DEFAULT_MLAB);
  });
});
