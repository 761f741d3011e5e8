// Checks the zvol reservation estimate against refreservations ZFS really set (numbers quoted from
// public bug reports), its RAID-Z scaling against RAID-Z allocations people reported, and the GRUB
// feature check against the demo pool and OpenZFS's list.
import { describe, expect, it } from 'vitest';
import { parseZpoolStatus } from '../parse/zpool';
import { storageFixture } from '../../test/fixtures/storage/storage-fixtures';
import {
  GRUB2_FEATURES,
  GRUB_READ_FEATURES,
  READONLY_COMPAT_FEATURES,
  grubUnreadableFeatures,
  raidzAllocatedBytes,
  raidzVdevsOf,
  volsizeFromVdevs,
  zvolReservationBytes,
} from './zfs-facts';

describe('zvolReservationBytes', () => {
  it('matches the exact refreservation ZFS set in openzfs/zfs#2468 (2014, 16 KiB indirect blocks)', () => {
    // https://github.com/openzfs/zfs/issues/2468: `zfs get -p` of a 10 GiB zvol, volblocksize 65536:
    // volsize 10737418240, refreservation 10779951104. ZFS then used DN_MAX_INDBLKSHIFT 14.
    expect(zvolReservationBytes(10737418240, 65536, 1, 14)).toBe(10779951104);
  });

  it('matches the 208M refreservation of a 200M zvol in openzfs/zfs#6608 (ZFS 0.7.1, 8K blocks)', () => {
    // https://github.com/openzfs/zfs/issues/6608: `zfs create -V 200M tank/vol1` -> refreservation 208M.
    const bytes = zvolReservationBytes(200 * 2 ** 20, 8192);
    expect(Math.round(bytes / 2 ** 20)).toBe(208);
  });

  it('costs about 1.5% over volsize at 16K blocks and about 3% at 8K', () => {
    const size = 100 * 2 ** 30;
    expect(zvolReservationBytes(size, 16384) / size).toBeCloseTo(1.0157, 3);
    expect(zvolReservationBytes(size, 8192) / size).toBeCloseTo(1.0313, 3);
  });

  it('counts the data once per copy and the metadata one copy more', () => {
    const one = zvolReservationBytes(2 ** 30, 16384, 1);
    const two = zvolReservationBytes(2 ** 30, 16384, 2);
    expect(two - 2 ** 30 * 2).toBe(((one - 2 ** 30) * 3) / 2);
  });
});

describe('RAID-Z scaling (volsize_from_vdevs)', () => {
  it('allocates what openzfs/zfs#4544 measured on a 9-wide raidz2 with 512-byte sectors', () => {
    // https://github.com/openzfs/zfs/issues/4544: "the psize is 8192 and the asize is 12288",
    // "the vdev_deflate_ratio is 397 (computed by 128k blocksize) and our dsize is 9528".
    const vdev = { disks: 9, parity: 2, ashift: 9 };
    expect(raidzAllocatedBytes(vdev, 8192)).toBe(12288);
    const deflateRatio = Math.floor(131072 / (raidzAllocatedBytes(vdev, 131072) >> 9));
    expect(deflateRatio).toBe(397);
    expect((12288 >> 9) * deflateRatio).toBe(9528);
  });

  it('makes 8K blocks on raidz2 cost as much as a triple mirror (openzfs/zfs#8973)', () => {
    // https://github.com/openzfs/zfs/pull/8973: "A zvol with volblocksize=8k on raidz2 will
    // allocate as much space as triple mirroring" (4 KiB sectors): 2 data + 2 parity + 2 skip.
    for (const disks of [4, 6, 8, 10])
      expect(raidzAllocatedBytes({ disks, parity: 2, ashift: 12 }, 8192)).toBe(3 * 8192);
  });

  it('reserves what a full 10G 8K zvol referenced on a 6-wide raidz2 (openzfs/zfs#1807)', () => {
    // https://github.com/openzfs/zfs/issues/1807: `zfs create -V 10G` (volblocksize 8K) on six
    // disks in RAIDZ2, written in full: "referenced 20.3G". The reservation must cover that, and
    // libzfs's formula lands on it; the old one (no scaling) reserved about 10.3G.
    const raidz2 = [{ disks: 6, parity: 2, ashift: 12 }];
    const bytes = zvolReservationBytes(10 * 2 ** 30, 8192, 1, undefined, raidz2);
    expect((bytes / 2 ** 30).toFixed(1)).toBe('20.3');
    expect((zvolReservationBytes(10 * 2 ** 30, 8192) / 2 ** 30).toFixed(1)).toBe('10.3');
  });

  it('leaves 128K blocks unscaled, as the deflation is defined against them', () => {
    const vdevs = [{ disks: 5, parity: 1, ashift: 12 }];
    expect(volsizeFromVdevs(vdevs, 1000, 131072)).toBe(1000 * 131072);
  });

  it('takes the worst of several RAID-Z vdevs and ignores mirrors', () => {
    const narrow = { disks: 3, parity: 1, ashift: 12 };
    const wide = { disks: 7, parity: 1, ashift: 12 };
    const both = volsizeFromVdevs([wide, narrow], 1000, 16384);
    // 16K on 3-wide raidz1: 4 + 2 parity = 24K against 192K per 128K, no worse than a 128K block;
    // on 7-wide: 4 + 1 + 1 skip = 24K against 152K per 128K, about 26% more.
    expect(both).toBe(volsizeFromVdevs([wide], 1000, 16384));
    expect(volsizeFromVdevs([narrow], 1000, 16384)).toBe(1000 * 16384);
    expect(both).toBe(Math.floor((1000 * 24576 * 131072) / 155648));
    expect(volsizeFromVdevs([], 1000, 16384)).toBe(1000 * 16384);
  });

  it('does not overflow on a 16 TiB zvol with 4K blocks', () => {
    const bytes = volsizeFromVdevs([{ disks: 5, parity: 1, ashift: 12 }], 2 ** 32, 4096);
    // 4K on a 5-wide raidz1: 1 data + 1 parity = 8K; a 128K block: 32 + 8 = 40 sectors = 160K.
    expect(bytes).toBe(Math.floor((2 ** 32 * 8192 * 131072) / (40 * 4096)));
  });

  it('reads the RAID-Z vdevs of a real degraded raidz1 pool (NixOS, four disks)', () => {
    const [status] = parseZpoolStatus(storageFixture('zpool-status-nixos-raidz1-degraded.txt'));
    expect(status).toBeDefined();
    const pool = { vdevs: status?.vdevs ?? [], ashift: null };
    // ashift unknown: 12 stands in. The UNAVAIL disk still counts towards the width.
    expect(raidzVdevsOf(pool)).toEqual([{ disks: 4, parity: 1, ashift: 12 }]);
    expect(raidzVdevsOf({ ...pool, ashift: 9 })).toEqual([{ disks: 4, parity: 1, ashift: 9 }]);
  });

  it('takes the parity from the vdev name and skips mirrors', () => {
    const leaf = (name: string) => ({
      name,
      kind: 'disk' as const,
      state: 'ONLINE',
      readErrors: 0,
      writeErrors: 0,
      checksumErrors: 0,
      children: [],
    });
    const group = (name: string, kind: 'raidz' | 'mirror', n: number) => ({
      ...leaf(name),
      kind,
      children: Array.from({ length: n }, (_, i) => leaf(`/dev/sd${i}`)),
    });
    const vdevs = [
      group('raidz3-0', 'raidz', 8),
      group('mirror-1', 'mirror', 2),
      group('raidz-2', 'raidz', 3),
    ];
    expect(raidzVdevsOf({ vdevs, ashift: 0 })).toEqual([
      { disks: 8, parity: 3, ashift: 12 },
      { disks: 3, parity: 1, ashift: 12 },
    ]);
  });
});

describe('grubUnreadableFeatures', () => {
  it("agrees with OpenZFS's grub2 list: each is one GRUB reads or one it need not read", () => {
    for (const f of GRUB2_FEATURES)
      expect(GRUB_READ_FEATURES.has(f) || READONLY_COMPAT_FEATURES.has(f), f).toBe(true);
    expect(
      grubUnreadableFeatures(Object.fromEntries([...GRUB2_FEATURES].map((f) => [f, 'active']))),
    ).toEqual({
      active: [],
      enabled: [],
    });
  });

  it('refuses what GRUB cannot read even when it is needed only for reading other datasets', () => {
    expect(
      grubUnreadableFeatures({
        lz4_compress: 'active',
        zstd_compress: 'active',
        encryption: 'active',
        large_dnode: 'active',
        bookmark_v2: 'enabled',
      }),
    ).toEqual({ active: ['encryption', 'large_dnode', 'zstd_compress'], enabled: ['bookmark_v2'] });
  });

  it('passes features that are read-only compatible even though grub2 does not list them', () => {
    expect(
      grubUnreadableFeatures({
        lz4_compress: 'active',
        log_spacemap: 'active',
        project_quota: 'active',
      }),
    ).toEqual({ active: [], enabled: [] });
  });

  it('names active and enabled features GRUB cannot read', () => {
    expect(
      grubUnreadableFeatures({
        encryption: 'active',
        zstd_compress: 'enabled',
        large_dnode: 'disabled',
      }),
    ).toEqual({ active: ['encryption'], enabled: ['zstd_compress'] });
  });
});
