import { describe, expect, it } from 'vitest';
import type { BlockDevice, Inventory } from '../model/inventory';
import { bootOnceChoice, mountHolding } from './boot-once';
import type { BootOnceChoice, BootOnceFacts } from './boot-once';

/** The refusal's reason, or a marker that makes a toMatch fail when it was not refused. */
const reasonOf = (c: BootOnceChoice): string => (c.possible ? '(offered)' : c.reason);

function dev(name: string, type: string, children: BlockDevice[] = []): BlockDevice {
  return {
    name,
    path: `/dev/${name.startsWith('dm-') ? name : name.replace(/^(?=cryptboot|vg-)/, 'mapper/')}`,
    type,
    sizeBytes: 1,
    model: null,
    serial: null,
    wwn: null,
    transport: null,
    rotational: null,
    removable: null,
    fstype: null,
    fsver: null,
    label: null,
    uuid: null,
    partuuid: null,
    parttype: null,
    partlabel: null,
    ptuuid: null,
    pttype: null,
    mountpoints: [],
    byId: [],
    pciController: null,
    luksMapper: null,
    children,
  };
}

const mount = (target: string, source: string, fstype: string) => ({
  source,
  target,
  fstype,
  options: 'rw',
});

const boot: Inventory['boot'] = {
  firmware: 'uefi',
  bootloader: 'grub',
  bootloaderEvidence: [],
  kernelCmdline: '',
  cmdlineArgs: [],
  kernelRelease: null,
};

/** A machine whose / is the root pool and whose /boot is `bootFs` on nvme0n1p1 (or `bootDevices`). */
function facts(
  bootMount: ReturnType<typeof mount> | null,
  overrides: Partial<BootOnceFacts> = {},
): BootOnceFacts {
  return {
    boot,
    mounts: [mount('/', 'zroot/root', 'zfs'), ...(bootMount === null ? [] : [bootMount])],
    disks: [dev('nvme0n1', 'disk', [dev('nvme0n1p1', 'part'), dev('nvme0n1p2', 'part')])],
    grubEnv: { path: '/boot/grub/grubenv', state: 'present' },
    ...overrides,
  };
}

describe('bootOnceChoice', () => {
  it('offers it where grubenv is on FAT or ext2/3/4 on a plain partition', () => {
    for (const fs of ['vfat', 'ext4', 'ext3', 'ext2'])
      expect(bootOnceChoice(facts(mount('/boot', '/dev/nvme0n1p1', fs)))).toEqual({
        possible: true,
        envFile: '/boot/grub/grubenv',
      });
  });

  it('offers it when /boot/grub is root-only: the helper looks again as root', () => {
    const f = facts(mount('/boot', '/dev/nvme0n1p1', 'vfat'), {
      grubEnv: { path: '/boot/grub/grubenv', state: 'unreadable' },
    });
    expect(bootOnceChoice(f).possible).toBe(true);
  });

  it('refuses on ZFS: /boot is a directory of the root pool, the ESP under it does not count', () => {
    const choice = bootOnceChoice(facts(mount('/boot/efi', '/dev/nvme0n1p1', 'vfat')));
    expect(reasonOf(choice)).toMatch(/on ZFS.*never writes/);
  });

  it('refuses on Btrfs and on filesystems GRUB does not write (xfs)', () => {
    expect(reasonOf(bootOnceChoice(facts(mount('/boot', '/dev/nvme0n1p1', 'btrfs'))))).toMatch(
      /Btrfs/,
    );
    expect(reasonOf(bootOnceChoice(facts(mount('/boot', '/dev/nvme0n1p1', 'xfs'))))).toMatch(
      /on xfs.*ext2\/3\/4 or FAT/,
    );
  });

  it('refuses an ext4 /boot inside LUKS, LVM or mdraid: GRUB writes only a plain partition', () => {
    const luks = [dev('nvme0n1', 'disk', [dev('nvme0n1p1', 'part', [dev('cryptboot', 'crypt')])])];
    expect(
      reasonOf(
        bootOnceChoice(facts(mount('/boot', '/dev/mapper/cryptboot', 'ext4'), { disks: luks })),
      ),
    ).toMatch(/\(crypt\).*LUKS/);
    const lvm = [dev('sda', 'disk', [dev('sda1', 'part', [dev('vg-boot', 'lvm')])])];
    expect(
      reasonOf(
        bootOnceChoice(facts(mount('/boot', '/dev/mapper/vg-boot', 'ext4'), { disks: lvm })),
      ),
    ).toMatch(/\(lvm\)/);
    // A partition of an md array is a `part`, but its array is not plain.
    const md = [
      dev('sda', 'disk', [dev('sda1', 'part', [dev('md127', 'raid1', [dev('md127p1', 'part')])])]),
    ];
    expect(
      reasonOf(bootOnceChoice(facts(mount('/boot', '/dev/md127p1', 'ext4'), { disks: md }))),
    ).toMatch(/md127 \(raid1\)/);
  });

  it('refuses without grubenv, without GRUB, and when the fact was never read', () => {
    const ext4 = mount('/boot', '/dev/nvme0n1p1', 'ext4');
    expect(
      reasonOf(
        bootOnceChoice(facts(ext4, { grubEnv: { path: '/boot/grub/grubenv', state: 'absent' } })),
      ),
    ).toMatch(/no \/boot\/grub\/grubenv/);
    expect(
      reasonOf(bootOnceChoice(facts(ext4, { boot: { ...boot, bootloader: 'systemd-boot' } }))),
    ).toMatch(/not boot with GRUB/);
    expect(reasonOf(bootOnceChoice(facts(ext4, { grubEnv: undefined })))).toMatch(/did not look/);
    expect(reasonOf(bootOnceChoice(facts(mount('/boot', '/dev/sdz9', 'ext4'))))).toMatch(
      /could not find \/dev\/sdz9/,
    );
  });

  it('finds the mount that holds a path by whole components', () => {
    const mounts = [
      mount('/', 'r', 'zfs'),
      mount('/boot', 'b', 'vfat'),
      mount('/bootx', 'x', 'ext4'),
    ];
    expect(mountHolding(mounts, '/boot/grub/grubenv')?.source).toBe('b');
    expect(mountHolding(mounts, '/bootx/grub/grubenv')?.source).toBe('x');
    expect(mountHolding([mount('/boot', 'b', 'vfat')], '/etc/x')).toBeUndefined();
    // A filesystem mounted over another at /boot hides it.
    const over = [...mounts, mount('/boot', 'z', 'zfs')];
    expect(mountHolding(over, '/boot/grub/grubenv')?.source).toBe('z');
  });
});
