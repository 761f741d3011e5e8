// grub.pool-label-clash (issue 16): the lab showed a real GRUB that an ext4 labelled like the pool
// does not capture Cohabit's chain entry (it searches by GUID), but a search by label may pick it.
// The disks come from the demo machine and from real lsblk captures (test/fixtures/storage, see
// SOURCES.md there); each test says which label or field it changed.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDemoHost } from '../../electron/host/select-host';
import { readInventory } from '../../electron/inventory/read-inventory';
import { storageFixture } from '../../test/fixtures/storage/storage-fixtures';
import { DEMO_MACHINE_LIST } from '../api/demo-machines';
import type { Diagnostic } from '../model/diagnostic';
import type { BlockDevice, Inventory } from '../model/inventory';
import { parseLsblkJson } from '../parse/lsblk';
import { seedLayout } from './examples';
import { validate } from './validate';

let demo: Inventory;
beforeAll(async () => {
  demo = await readInventory(await loadDemoHost());
});

const CODE = 'grub.pool-label-clash';

function clashes(inv: Inventory, layout = seedLayout(inv)): Diagnostic[] {
  return validate(inv, layout).filter((d) => d.code === CODE);
}

function allDevices(disks: readonly BlockDevice[]): BlockDevice[] {
  return disks.flatMap((d) => [d, ...allDevices(d.children)]);
}

function device(inv: Inventory, path: string): BlockDevice {
  const found = allDevices(inv.disks).find((d) => d.path === path);
  if (found === undefined) throw new Error(`no ${path} in the inventory`);
  return found;
}

/** The demo machine with its disks; `change` edits a copy. */
function demoWith(change: (inv: Inventory) => void): Inventory {
  const inv = structuredClone(demo);
  change(inv);
  return inv;
}

/** The demo machine's pool and settings on the disks of a real lsblk capture. */
function onCapturedDisks(file: string, change: (inv: Inventory) => void): Inventory {
  return demoWith((inv) => {
    inv.disks = parseLsblkJson(storageFixture(file));
    change(inv);
  });
}

const AZL2 = 'lsblk-O-b-util-linux-2.37.4-azl2.json';
const LUKS_LVM = 'lsblk-luks-on-lvm-nvme.json';
const GPUD = 'lsblk-gpud-nvme-paths-mountpoint.json';

describe('a filesystem labelled like the pool', () => {
  it("warns about the demo's second disk once its ext4 is labelled zroot, with e2label", () => {
    const found = clashes(demoWith((inv) => (device(inv, '/dev/sda1').label = 'zroot')));
    expect(found).toHaveLength(1);
    expect(found[0]?.severity).toBe('warning');
    expect(found[0]?.subject).toBe('pool');
    expect(found[0]?.message).toMatch(/^\/dev\/sda1 \(ext4\) is labelled zroot, like the pool\. /);
    expect(found[0]?.message).toContain('finds the pool by its GUID');
    expect(found[0]?.message).toContain('search --label');
    expect(found[0]?.message).toContain('LABEL=');
    expect(found[0]?.fix).toContain("`e2label /dev/sda1 ''`");
  });

  it('is a warning only: the plan is not refused for it', () => {
    const inv = demoWith((i) => (device(i, '/dev/sda1').label = 'zroot'));
    const errors = validate(inv, seedLayout(inv)).filter((d) => d.severity === 'error');
    expect(errors).toEqual(validate(demo, seedLayout(demo)).filter((d) => d.severity === 'error'));
  });

  it('names the relabelling tool of each filesystem type of a real capture', () => {
    // AzL 2.0 VM (util-linux 2.37.4): vfat sda1, ext4 sda2/sda5, swap sda4, all unlabelled there.
    const inv = onCapturedDisks(AZL2, (i) => {
      for (const p of ['/dev/sda1', '/dev/sda4', '/dev/sda5']) device(i, p).label = 'zroot';
      // No capture at hand has an xfs; sda2 stands in for one.
      const xfs = device(i, '/dev/sda2');
      xfs.label = 'zroot';
      xfs.fstype = 'xfs';
    });
    const byPath = new Map(clashes(inv).map((d) => [d.message.split(' ')[0], d]));
    expect([...byPath.keys()].sort()).toEqual(['/dev/sda1', '/dev/sda2', '/dev/sda4', '/dev/sda5']);
    expect(byPath.get('/dev/sda1')?.message).toMatch(/^\/dev\/sda1 \(vfat\) is labelled zroot/);
    expect(byPath.get('/dev/sda1')?.fix).toContain('`fatlabel /dev/sda1 NEWNAME`');
    expect(byPath.get('/dev/sda2')?.fix).toContain('`xfs_admin -L -- /dev/sda2`');
    expect(byPath.get('/dev/sda5')?.fix).toContain("`e2label /dev/sda5 ''`");
    expect(byPath.get('/dev/sda4')?.message).toMatch(/^\/dev\/sda4 \(swap\) is labelled zroot/);
    expect(byPath.get('/dev/sda4')?.fix).toMatch(/^Give that filesystem another label/);
  });

  it('names btrfs filesystem label for a btrfs inside LUKS on LVM', () => {
    const inv = onCapturedDisks(
      LUKS_LVM,
      (i) => (device(i, '/dev/mapper/cryptroot').label = 'zroot'),
    );
    const found = clashes(inv);
    expect(found.map((d) => d.message.split(' ').slice(0, 2).join(' '))).toEqual([
      '/dev/mapper/cryptroot (btrfs)',
    ]);
    expect(found[0]?.fix).toContain('`btrfs filesystem label /dev/mapper/cryptroot NEWNAME`');
  });

  it('compares labels exactly: not folding case, not by prefix, not trimming', () => {
    for (const label of ['ZROOT', 'Zroot', 'zroot2', 'zroo', 'zroot/nixos', ' zroot', 'zroot '])
      expect(clashes(demoWith((inv) => (device(inv, '/dev/sda1').label = label)))).toEqual([]);
  });

  it('is about the GRUB menu: a layout without a second system gets none', () => {
    const inv = demoWith((i) => (device(i, '/dev/sda1').label = 'zroot'));
    expect(clashes(inv, { ...seedLayout(inv), systems: [] })).toEqual([]);
  });
});

describe("the pool's own members", () => {
  it('are not a clash: the demo pool sits on two zfs_member LUKS mappers labelled zroot', () => {
    const members = allDevices(demo.disks).filter((d) => d.fstype === 'zfs_member');
    expect(members.map((d) => [d.path, d.label])).toEqual([
      ['/dev/mapper/cryptroot1', 'zroot'],
      ['/dev/mapper/cryptroot2', 'zroot'],
    ]);
    // lsblk's UUID for a zfs_member is the pool GUID in decimal, as zpool prints it.
    expect(members.map((d) => d.uuid)).toEqual([demo.zfs.pools[0]?.guid, demo.zfs.pools[0]?.guid]);
    expect(clashes(demo)).toEqual([]);
  });

  it('are recognised by the pool device list when lsblk gave no UUID', () => {
    const inv = demoWith((i) => {
      for (const p of ['/dev/mapper/cryptroot1', '/dev/mapper/cryptroot2'])
        device(i, p).uuid = null;
    });
    expect(clashes(inv)).toEqual([]);
  });

  it('do not hide a member of another pool with the same name', () => {
    // An old disk from a pool also created as zroot: its GUID is not this pool's.
    const inv = demoWith((i) => {
      const old = device(i, '/dev/sda1');
      old.fstype = 'zfs_member';
      old.label = 'zroot';
      old.uuid = '6988174159253467568';
    });
    const found = clashes(inv);
    expect(found.map((d) => d.message.split(',')[0])).toEqual([
      '/dev/sda1 (zfs_member) is labelled zroot',
    ]);
    expect(found[0]?.fix).toContain('`zpool import 6988174159253467568 NEWNAME`');
    expect(found[0]?.fix).toContain('`zpool labelclear /dev/sda1`');
  });
});

describe('loop devices and zvols', () => {
  it('are ignored, with what they hold', () => {
    const fromDemo = demoWith((inv) => {
      // zd0 is the macOS guest's disk; its EFI partition is a vfat.
      device(inv, '/dev/zd0p1').label = 'zroot';
      device(inv, '/dev/zd0').label = 'zroot';
    });
    expect(clashes(fromDemo)).toEqual([]);
    // Ubuntu with snaps: /dev/loopN squashfs, names given as paths (lsblk --paths, no path key).
    const snaps = onCapturedDisks(GPUD, (inv) => {
      for (const d of inv.disks.filter((x) => x.type === 'loop')) d.label = 'zroot';
    });
    expect(allDevices(snaps.disks).filter((d) => d.label === 'zroot')).toHaveLength(7);
    expect(clashes(snaps)).toEqual([]);
    // An erofs loop device, and a partition on a loop device.
    const erofs = onCapturedDisks(LUKS_LVM, (inv) => {
      const loop = device(inv, '/dev/loop0');
      loop.label = 'zroot';
      loop.children = [{ ...loop, name: 'loop0p1', path: '/dev/loop0p1', type: 'part' }];
    });
    expect(clashes(erofs)).toEqual([]);
  });
});

describe('untrusted labels and device paths', () => {
  it('are shown quoted and escaped, never as raw lines or commands', () => {
    const odd = 'my "pool"\nerror: fake\u202e';
    const inv = demoWith((i) => {
      const pool = i.zfs.pools[0];
      if (pool) pool.name = odd;
      device(i, '/dev/sda1').label = odd;
      const mapper = device(i, '/dev/mapper/cryptroot1');
      mapper.name = 'a b$(reboot)';
      mapper.path = '/dev/mapper/a b$(reboot)';
      mapper.fstype = 'ext4';
      mapper.label = odd;
    });
    const found = clashes(inv);
    expect(found).toHaveLength(2);
    for (const d of found) {
      expect(d.message).toContain(
        'is labelled "my \\"pool\\"\\nerror: fake\\u202e", like the pool.',
      );
      expect(`${d.message}${d.fix ?? ''}`).not.toMatch(/[\n\u202e]/);
    }
    const [plain, strange] = found;
    expect(plain?.fix).toContain("`e2label /dev/sda1 ''`");
    expect(strange?.message.startsWith('"/dev/mapper/a b$(reboot)" (ext4)')).toBe(true);
    // No command is written out around a path a shell would not read as one plain word.
    expect(strange?.fix).not.toContain('reboot');
    expect(strange?.fix).not.toContain('`');
  });
});

describe('the demo machines', () => {
  it.each(DEMO_MACHINE_LIST.map((m) => m.name))('%s has no clash', async (name) => {
    const inv = await readInventory(await loadDemoHost(name));
    const layout = seedLayout(inv);
    expect(layout.systems.length).toBeGreaterThan(0);
    expect(clashes(inv, layout)).toEqual([]);
  });
});
