// Names follow what the user chose (issue 17, item 5): a system whose dataset is zroot/nixos-b is
// mounted at /mnt/cohabit/nixos-b, stamped cohabit:system=nixos-b and gets the GRUB id
// cohabit-nixos-b, whatever internal id the layout carries.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDemoHost } from '../../electron/host/select-host';
import { readInventory } from '../../electron/inventory/read-inventory';
import type { Inventory } from '../model/inventory';
import type { Layout } from '../model/layout';
import { seedLayout } from './examples';
import { plan } from './plan';
import { isSystemInstalled, systemName } from './planner-paths';
import { validate } from './validate';

let demo: Inventory;
beforeAll(async () => {
  demo = await readInventory(await loadDemoHost());
});

function renamed(dataset: string, label = 'NixOS B'): Layout {
  const l = seedLayout(demo);
  const s = l.systems[0];
  if (s === undefined) throw new Error('the seed layout has a system');
  // The app's id stays "new-system" when the user changes the dataset and the label.
  l.systems = [{ ...s, id: 'new-system', dataset, label }];
  return l;
}

const context = {
  id: '0123456789abcdef',
  now: '2026-11-28T00:00:00.000Z',
  files: {},
  dirs: { '/mnt': true, '/mnt/cohabit': false, '/var/lib/cohabit': false },
};

describe('system names', () => {
  it('come from the dataset the user chose: mount point, stamps and GRUB id', async () => {
    const p = await plan(demo, renamed('zroot/nixos-b'), context);
    expect(p.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const text = JSON.stringify(p.steps);
    expect(text).not.toContain('new-system');
    const mount = p.steps.find(
      (s) => s.call.verb === 'fs.mount' && s.call.args.source === 'zroot/nixos-b',
    );
    expect(mount?.call.args).toMatchObject({ target: '/mnt/cohabit/nixos-b' });
    const stamp = p.steps.find((s) => s.call.verb === 'zfs.setUserProp');
    expect(stamp?.call.args).toMatchObject({ property: 'cohabit:system', value: 'nixos-b' });
    expect(text).toContain('cohabit:system=nixos-b');
    expect(text).toContain("--id 'cohabit-nixos-b'");
  });

  it('counts a system as installed by its name, and by the id older plans stamped', () => {
    const stamped = (value: string): Inventory => {
      const inv = structuredClone(demo);
      const home = inv.zfs.datasets.find((d) => d.name === 'zroot/home');
      if (home === undefined) throw new Error('the demo has zroot/home');
      inv.zfs.datasets.push({
        ...home,
        name: 'zroot/nixos-b',
        cohabit: {
          'cohabit:managed': 'on',
          'cohabit:role': 'system',
          'cohabit:journal': 'ffffffffffffffff',
          'cohabit:system': value,
        },
      });
      return inv;
    };
    const system = { id: 'new-system', dataset: 'zroot/nixos-b' };
    expect(systemName(system)).toBe('nixos-b');
    expect(isSystemInstalled(stamped('nixos-b'), system)).toBe(true);
    expect(isSystemInstalled(stamped('new-system'), system)).toBe(true);
    expect(isSystemInstalled(stamped('other'), system)).toBe(false);
  });

  it('refuses two systems whose datasets end in the same name', () => {
    const l = renamed('zroot/a/nixos');
    const first = l.systems[0];
    if (first === undefined) throw new Error('one system');
    l.systems.push({ ...first, id: 'second', dataset: 'zroot/nixos', label: 'Second' });
    const d = validate(demo, l).find((x) => x.code === 'system.name-duplicate');
    expect(d?.subject).toBe('systems[1].dataset');
    expect(d?.message).toContain('/mnt/cohabit/nixos');
  });

  it('makes a GRUB id of a name GRUB ids cannot hold, and refuses two names that give one id', async () => {
    const p = await plan(demo, renamed('zroot/NixOS_B.2'), context);
    expect(p.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const text = JSON.stringify(p.steps);
    expect(text).toContain("--id 'cohabit-nixos-b-2'");
    expect(text).toContain('cohabit:system=NixOS_B.2');
    const l = renamed('zroot/NixOS_B');
    const first = l.systems[0];
    if (first === undefined) throw new Error('one system');
    l.systems.push({ ...first, id: 'second', dataset: 'zroot/nixos-b', label: 'Second' });
    const d = validate(demo, l).find((x) => x.code === 'system.name-duplicate');
    expect(d?.subject).toBe('systems[1].dataset');
    expect(d?.message).toContain('cohabit-nixos-b');
  });
});
