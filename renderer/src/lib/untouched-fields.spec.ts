import { beforeAll, describe, expect, it } from 'vitest';
import { loadDemoHost } from '../../../electron/host/select-host';
import { readInventory } from '../../../electron/inventory/read-inventory';
import type { Inventory } from '../../../shared/model/inventory';
import { emptyLayout } from '../../../shared/model/layout';
import { addSystem, addVolume } from './layout-store';
import { validateLayout } from './layout-validation';
import { hideUntouched, touchKey } from './untouched-fields';

let demo: Inventory;
beforeAll(async () => {
  demo = await readInventory(await loadDemoHost());
});

describe('hideUntouched', () => {
  it('keeps a new system quiet until a field is left, then names it', () => {
    const layout = addSystem(emptyLayout('zroot'));
    const all = validateLayout(demo, layout);
    const subjects = (ds: { subject?: string; severity: string }[]) =>
      ds.filter((d) => d.severity === 'error').map((d) => d.subject);
    expect(subjects(all)).toEqual(['systems[0].user.name', 'systems[0].user.passwordHash']);
    const fresh = new Set(['systems:new-system']);
    expect(subjects(hideUntouched(all, layout, fresh, new Set()))).toEqual([]);
    const left = new Set([touchKey(layout, 'systems[0].user.name') ?? '']);
    expect(subjects(hideUntouched(all, layout, fresh, left))).toEqual(['systems[0].user.name']);
    // The message names the field as the editor labels it.
    expect(all.find((d) => d.subject === 'systems[0].user.name')?.message).toMatch(
      /^User name of the system New System: /,
    );
  });

  it('shows at once what is wrong with an item that is not new', () => {
    const layout = addSystem(emptyLayout('zroot'));
    const all = validateLayout(demo, layout);
    expect(hideUntouched(all, layout, new Set(), new Set())).toEqual(all);
  });

  it("never hides the planner's findings, only the schema's", () => {
    let layout = addVolume(emptyLayout('zroot'), 'zroot/vm');
    layout = { ...layout, volumes: layout.volumes.map((x) => ({ ...x, sizeBytes: 2 ** 50 })) };
    const all = validateLayout(demo, layout);
    const kept = hideUntouched(all, layout, new Set(['volumes:vm-disk']), new Set());
    expect(kept.some((d) => d.severity === 'error' && d.code !== 'layout.invalid')).toBe(true);
  });
});
