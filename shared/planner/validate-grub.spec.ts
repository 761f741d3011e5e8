// GRUB readability as the planner checks it (issue 16 item 4): GRUB refuses a whole pool when a
// feature it does not know is active anywhere in it (zfs.c check_mos_features), so an encrypted
// or zstd dataset elsewhere refuses the chain entry even under an unencrypted lz4 parent.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDemoHost } from '../../electron/host/select-host';
import { readInventory } from '../../electron/inventory/read-inventory';
import type { Inventory } from '../model/inventory';
import { seedLayout } from './examples';
import { validate } from './validate';

let demo: Inventory;
beforeAll(async () => {
  demo = await readInventory(await loadDemoHost('workstation-2511'));
});

function withFeature(name: string, state: 'active' | 'enabled'): Inventory {
  const inv = structuredClone(demo);
  const pool = inv.zfs.pools[0];
  if (pool) pool.features[name] = state;
  return inv;
}

describe('the chain entry and pool features GRUB cannot read', () => {
  it('is refused when encryption or zstd is active on another dataset of the pool', () => {
    for (const feature of ['encryption', 'zstd_compress']) {
      const found = validate(withFeature(feature, 'active'), seedLayout(demo)).filter(
        (d) => d.severity === 'error',
      );
      expect(found.map((d) => d.code)).toEqual(['grub.pool-features']);
      expect(found[0]?.message).toContain(`it uses ${feature}`);
      // Lab (QEMU, real GRUB): `no such device`, then the menu again with no countdown; there
      // is no grub> prompt to type into.
      expect(found[0]?.message).toContain('nothing boots until someone picks another entry');
      expect(found[0]?.message).not.toContain('grub>');
    }
  });

  it('only warns while such a feature is enabled and unused', () => {
    const found = validate(withFeature('zstd_compress', 'enabled'), seedLayout(demo));
    expect(found.filter((d) => d.severity === 'error')).toEqual([]);
    expect(found.map((d) => `${d.severity}:${d.code}`)).toContain(
      'warning:grub.pool-features-enabled',
    );
  });

  it('is not refused for the demo pool as it is', () => {
    expect(validate(demo, seedLayout(demo)).map((d) => d.code)).not.toContain('grub.pool-features');
  });
});
