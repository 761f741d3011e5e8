// The pool space bar's numbers on the demo machine (the shipped snapshot, read by the real
// readers): existing data, reserved zvols at ZFS's refreservation, systems as estimates, and the
// warning when the reservations no longer fit.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDemoHost } from '../../../electron/host/select-host';
import { readInventory } from '../../../electron/inventory/read-inventory';
import type { Inventory } from '../../../shared/model/inventory';
import { emptyLayout } from '../../../shared/model/layout';
import { seedLayout } from '../../../shared/planner/examples';
import { bootMenuPreview } from './layout-boot-menu';
import { SYSTEM_ESTIMATE_BYTES, poolSpace } from './layout-space';
import { addSystem, updateItem } from './layout-store';

let demo: Inventory;
beforeAll(async () => {
  demo = await readInventory(await loadDemoHost());
});
const GIB = 2 ** 30;

describe('poolSpace on the demo machine', () => {
  it('starts with the existing data and everything else free', () => {
    const space = poolSpace(demo, emptyLayout('zroot'));
    const root = demo.zfs.datasets.find((d) => d.name === 'zroot');
    expect(space?.segments).toEqual([
      expect.objectContaining({ kind: 'existing', bytes: root?.usedBytes }),
    ]);
    expect(space?.totalBytes).toBe((root?.usedBytes ?? 0) + (root?.availableBytes ?? 0));
    expect(space?.over).toBe(false);
  });

  it('counts a reserved zvol at a little more than its size, and a system as an estimate', () => {
    const space = poolSpace(demo, seedLayout(demo));
    const volume = space?.segments.find((s) => s.kind === 'volume');
    expect(volume?.bytes).toBeGreaterThan(128 * GIB);
    // 16 KiB blocks: libzfs adds about 1.6 % of metadata, in two copies.
    expect(volume?.bytes).toBeLessThan(131 * GIB);
    const system = space?.segments.find((s) => s.kind === 'system');
    expect(system?.estimate).toBe(true);
    expect(system?.bytes).toBeGreaterThanOrEqual(SYSTEM_ESTIMATE_BYTES);
  });

  it('turns over when the reserved volumes exceed the pool, and sparse ones cost nothing', () => {
    const seed = seedLayout(demo);
    const huge = updateItem(seed, 'volumes', 0, { sizeBytes: 900 * GIB });
    expect(poolSpace(demo, huge)?.over).toBe(true);
    const sparse = updateItem(huge, 'volumes', 0, { provisioning: 'sparse' });
    expect(poolSpace(demo, sparse)?.over).toBe(false);
  });

  it('has nothing to show for a pool this machine does not have', () => {
    expect(poolSpace(demo, emptyLayout('tank'))).toBeNull();
  });

  it('draws no bar for a pool zpool could not measure (FAULTED): no sizes, no datasets', () => {
    const faulted = structuredClone(demo);
    const pool = faulted.zfs.pools[0];
    if (pool) Object.assign(pool, { health: 'FAULTED', allocatedBytes: null, freeBytes: null });
    faulted.zfs.datasets = [];
    expect(poolSpace(faulted, seedLayout(demo))).toBeNull();
  });
});

describe('bootMenuPreview', () => {
  it("puts each new system's label between NixOS - Default and the generations submenu", () => {
    const layout = addSystem(seedLayout(demo));
    expect(bootMenuPreview(demo, layout).map((e) => e.title)).toEqual([
      'NixOS - Default',
      'NixOS - (vfio) with the VFIO binding',
      'New System',
      'New System 2',
      'NixOS - All configurations',
    ]);
  });

  it('shows no VFIO entry when the layout binds in the default entry or passes nothing', () => {
    const inDefault = seedLayout(demo);
    inDefault.host.vfioEntry = 'default';
    const nothingPassed = seedLayout(demo);
    for (const vm of nothingPassed.vms) vm.devices = [];
    for (const layout of [inDefault, nothingPassed])
      expect(bootMenuPreview(demo, layout).map((e) => e.kind)).toEqual([
        'main',
        'new-system',
        'submenu',
      ]);
  });
});
