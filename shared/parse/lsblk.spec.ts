// lsblk JSON parser against outputs captured on real machines: util-linux 2.37 -O, an old-style
// `mountpoint` listing with NVMe, and LUKS on LVM with crypt children.
import { describe, expect, it } from 'vitest';
import { ParseError } from '../model/errors';
import type { BlockDevice } from '../model/inventory';
import { storageFixture } from '../../test/fixtures/storage/storage-fixtures';
import { parseLsblkJson } from './lsblk';

function find(devices: BlockDevice[], name: string): BlockDevice | undefined {
  for (const d of devices) {
    if (d.name === name) return d;
    const inner = find(d.children, name);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

describe('parseLsblkJson', () => {
  it('reads `lsblk -J -b -O` from util-linux 2.37.4: padded model, GPT, partitions', () => {
    const [sda, ...rest] = parseLsblkJson(storageFixture('lsblk-O-b-util-linux-2.37.4-azl2.json'));
    expect(rest).toEqual([]);
    expect(sda).toMatchObject({
      name: '/dev/sda',
      path: '/dev/sda',
      type: 'disk',
      sizeBytes: 17179869184,
      model: 'QEMU HARDDISK',
      transport: 'sata',
      rotational: true,
      removable: false,
      pttype: 'gpt',
      ptuuid: 'a8dbca6f-77a6-485c-8c67-b653758a8928',
      mountpoints: [],
      byId: [],
      pciController: null,
      luksMapper: null,
    });
    expect(sda?.children.map((p) => [p.name, p.partlabel, p.fstype, p.mountpoints])).toEqual([
      ['/dev/sda1', 'esp', 'vfat', ['/boot/efi']],
      ['/dev/sda2', 'root-a', 'ext4', ['/']],
      ['/dev/sda3', 'root-b', null, []],
      ['/dev/sda4', 'swap', 'swap', ['[SWAP]']],
      ['/dev/sda5', 'trident', 'ext4', ['/var/lib/trident']],
    ]);
    expect(sda?.children[0]?.parttype).toBe('c12a7328-f81f-11d2-ba4b-00a0c93ec93b');
    expect(sda?.children[0]?.uuid).toBe('C19C-752D');
  });

  it('reads old-style `mountpoint` (no `mountpoints`), --paths names and NVMe partitions', () => {
    const devices = parseLsblkJson(storageFixture('lsblk-gpud-nvme-paths-mountpoint.json'));
    const nvme = find(devices, '/dev/nvme0n1');
    expect(nvme).toMatchObject({
      path: '/dev/nvme0n1',
      sizeBytes: 3200631791616,
      serial: 'X04THT1R054469',
      rotational: false,
      fsver: null,
      partlabel: null,
    });
    expect(nvme?.children.map((p) => [p.path, p.mountpoints])).toEqual([
      ['/dev/nvme0n1p1', ['/boot/efi']],
      ['/dev/nvme0n1p2', ['/']],
      ['/dev/nvme0n1p3', []],
    ]);
    expect(find(devices, '/dev/loop0')?.mountpoints).toEqual(['/snap/core20/2318']);
  });

  it('names the crypt mapper of a LUKS container (here LUKS on an LVM volume)', () => {
    const devices = parseLsblkJson(storageFixture('lsblk-luks-on-lvm-nvme.json'));
    const root = find(devices, 'tokyonightvg-root');
    expect(root?.fstype).toBe('crypto_LUKS');
    expect(root?.luksMapper).toBe('cryptroot');
    expect(root?.path).toBe('/dev/mapper/tokyonightvg-root');
    expect(find(devices, 'cryptroot')?.mountpoints).toEqual([
      '/etc/NetworkManager/system-connections',
    ]);
    // A crypt device whose parent is not crypto_LUKS gets no mapper on the parent.
    expect(find(devices, 'tokyonightvg-swap')?.luksMapper).toBeNull();
    // The USB disk reports hotplug but rm=false; lsblk pads the vendor, and we trim what we keep.
    expect(find(devices, 'sda')).toMatchObject({ removable: false, model: 'WDC WD20SDZW-59Z3CS0' });
  });

  it('accepts "0"/"1" strings, 0/1 numbers, string sizes and nulls inside mountpoints', () => {
    // Synthetic: the value shapes of lsblk before 2.33 and of 2.38 with -b (util-linux#1636).
    const [d] = parseLsblkJson(
      JSON.stringify({
        blockdevices: [
          {
            name: 'sdb',
            type: 'disk',
            size: '1000204886016',
            rota: '1',
            rm: 0,
            model: '  ',
            serial: ' WD-123 ',
            mountpoints: [null, '/mnt/a', null],
          },
        ],
      }),
    );
    expect(d).toMatchObject({
      path: '/dev/sdb',
      sizeBytes: 1000204886016,
      rotational: true,
      removable: false,
      model: null,
      serial: 'WD-123',
      mountpoints: ['/mnt/a'],
    });
  });

  it('rejects human-readable sizes, which mean -b was not given', () => {
    expect(() =>
      parseLsblkJson('{"blockdevices":[{"name":"sda","type":"disk","size":"20G"}]}'),
    ).toThrow(/-b/);
  });

  it('rejects text that is not lsblk JSON', () => {
    expect(() => parseLsblkJson('lsblk: unknown column: FSVER')).toThrow(ParseError);
    expect(() => parseLsblkJson('{"devices": []}')).toThrow(/blockdevices/);
    expect(parseLsblkJson('{"blockdevices": []}')).toEqual([]);
  });
});
