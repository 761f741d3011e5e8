// Checks the zvol reservation estimate against refreservations ZFS really set (numbers quoted from
// public bug reports) and the GRUB feature check against the demo pool and OpenZFS's list.
import { describe, expect, it } from 'vitest';
import { grubUnreadableFeatures, zvolReservationBytes } from './zfs-facts';

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

describe('grubUnreadableFeatures', () => {
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
