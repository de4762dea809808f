import { describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS, type Migration } from '../../src/extension/shared/migrations.js';

describe('migrate', () => {
  it('brings unversioned data to version 1, dropping keys that version does not define', () => {
    const out = migrate({ history: [], settings: {}, debugDump: 'x' }, 0, 1);
    expect(out.toVersion).toBe(1);
    expect(out.data).toEqual({ history: [], settings: {} });
    expect(out.removedKeys).toEqual(['debugDump']);
  });

  it('runs the steps due in order, whatever order the list is in', () => {
    const steps: Migration[] = [
      { to: 3, why: 'b', up: (d) => ({ ...d, trail: `${d.trail as string}3` }) },
      { to: 2, why: 'a', up: (d) => ({ ...d, trail: `${d.trail as string}2` }) },
      ...MIGRATIONS.filter((m) => m.to < 2),
    ];
    expect(migrate({ trail: '' }, 1, 3, steps).data.trail).toBe('23');
  });

  it('runs no step already applied', () => {
    const steps: Migration[] = [{ to: 2, why: 'a', up: () => ({ ran: true }) }];
    expect(migrate({ ran: false }, 2, 2, steps).data).toEqual({ ran: false });
  });

  it('stops at a gap in the list instead of skipping a version', () => {
    const steps: Migration[] = [{ to: 3, why: 'b', up: (d) => d }];
    expect(() => migrate({}, 1, 3, steps)).toThrow('no step from version 1 to 2');
  });

  it('leaves data from a newer version as it is', () => {
    const out = migrate({ history: [1] }, 7, 1);
    expect(out.toVersion).toBe(7);
    expect(out.data).toEqual({ history: [1] });
  });
});
