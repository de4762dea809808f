// Stored reporting state: consent is off unless the user said yes, the layout-2 migration
// writes it off, and a collector URL the user types is checked before it is kept.
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/extension/shared/migrations.js';
import { SCHEMA_VERSION } from '../../src/extension/shared/storage-schema.js';
import { collectorUrl, effectiveCollectorUrl, readReporting } from '../../src/extension/shared/reporting-state.js';
import { Store } from '../../src/extension/shared/store.js';
import { FakeStorage } from './fakes.js';
import { entry } from './sample-result.js';

describe('reporting state', () => {
  it('reads as no consent when nothing is stored', () => {
    expect(readReporting(undefined)).toEqual({ consent: false, decidedAt: null, collectorUrl: null });
  });

  it('reads a malformed consent as no consent, never as a yes', () => {
    expect(readReporting({ consent: 'yes', decidedAt: 5 }).consent).toBe(false);
  });

  it('prefers the collector the user chose, else the build one', () => {
    expect(effectiveCollectorUrl(readReporting({ collectorUrl: 'https://c.example/v1/reports' }), 'https://b.example/v1/reports')).toBe('https://c.example/v1/reports');
    expect(effectiveCollectorUrl(readReporting({}), 'https://b.example/v1/reports')).toBe('https://b.example/v1/reports');
  });
});

describe('storage layout 2', () => {
  it('keeps a layout-1 history and adds reporting, off, with an empty queue', () => {
    const out = migrate({ history: [entry(1)], settings: {} }, 1, 2);
    expect(out.data.history).toEqual([entry(1)]);
    expect(out.data.reporting).toEqual({ consent: false, decidedAt: null, collectorUrl: null });
    expect(out.data.reportQueue).toEqual({ schemaVersion: 1, pending: [], sent: [] });
  });

  it('turns off a consent left by an unversioned development build', async () => {
    const storage = new FakeStorage({ reporting: { consent: true, decidedAt: 1, collectorUrl: null } });
    await new Store(storage).migrate();
    expect(storage.raw('schemaVersion')).toBe(SCHEMA_VERSION);
    expect(readReporting(storage.raw('reporting')).consent).toBe(false);
  });
});

describe('collectorUrl', () => {
  it('adds the collector path to a bare origin', () => {
    expect(collectorUrl(' https://reports.example.org ')).toBe('https://reports.example.org/v1/reports');
  });

  it('keeps an explicit path and drops a query', () => {
    expect(collectorUrl('https://reports.example.org/ttd/v1/reports?id=42')).toBe('https://reports.example.org/ttd/v1/reports');
  });

  it('refuses plain http off this machine', () => {
    expect(() => collectorUrl('http://reports.example.org/')).toThrow('reports go over https:// only');
  });

  it('accepts plain http on loopback', () => {
    expect(collectorUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/v1/reports');
  });

  it('refuses a URL with credentials', () => {
    expect(() => collectorUrl('https://me:secret@reports.example.org/')).toThrow('must not carry a user name or password');
  });

  it('refuses what is not a URL', () => {
    expect(() => collectorUrl('reports')).toThrow('"reports" is not a URL');
  });
});
