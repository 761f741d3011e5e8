// ZFS facts the planner checks a layout against: what a reserved zvol costs (as libzfs computes
// its refreservation) and which pool features GRUB can read (OpenZFS's compatibility.d/grub2).

import type { ZfsPool } from '../model/inventory';

// From include/sys/dnode.h and spa.h: indirect blocks are 2^17 = 128 KiB since ZFS on Linux 0.7
// (2^14 before), holding 128-byte block pointers; a block pointer has up to 3 copies (DVAs).
const DN_MAX_INDBLKSHIFT = 17;
const SPA_BLKPTRSHIFT = 7;
const SPA_DVAS_PER_BP = 3;

/** A top-level RAID-Z vdev as libzfs sees it: its width, its parity and its sector shift. */
export interface RaidzVdev {
  disks: number;
  parity: number;
  ashift: number;
}

// SPA_OLD_MAXBLOCKSIZE: RAID-Z "deflation" is defined against a 128 KiB block.
const SPA_OLD_MAXBLOCKSIZE = 131072n;

/**
 * What one block of `blockBytes` allocates on a RAID-Z vdev: data sectors, parity per row, then
 * skip sectors so the allocation is a multiple of parity + 1 (vdev_raidz_asize() in libzfs).
 */
export function raidzAllocatedBytes(vdev: RaidzVdev, blockBytes: number): number {
  return Number(raidzAsize(vdev, BigInt(blockBytes)));
}

function raidzAsize(vdev: RaidzVdev, psize: bigint): bigint {
  const nparity = BigInt(vdev.parity);
  const ndata = BigInt(vdev.disks) - nparity;
  const ashift = BigInt(vdev.ashift);
  let asize = ((psize - 1n) >> ashift) + 1n;
  asize += nparity * ((asize + ndata - 1n) / ndata);
  const unit = nparity + 1n;
  asize = ((asize + unit - 1n) / unit) * unit;
  return asize << ashift;
}

/**
 * volsize_from_vdevs() in libzfs: the data of `nblocks` blocks, scaled for the worst RAID-Z vdev by
 * what its blocks allocate relative to a 128 KiB block (whose deflated size is what ZFS charges).
 * Without a usable RAID-Z vdev it is nblocks * blksize.
 */
export function volsizeFromVdevs(
  vdevs: readonly RaidzVdev[],
  nblocks: number,
  blksize: number,
): number {
  let worst = 0n;
  for (const vdev of vdevs) {
    if (vdev.disks <= vdev.parity || vdev.parity < 1) continue;
    const tsize = raidzAsize(vdev, SPA_OLD_MAXBLOCKSIZE);
    const asize = raidzAsize(vdev, BigInt(blksize));
    const volsize = (BigInt(nblocks) * asize * SPA_OLD_MAXBLOCKSIZE) / tsize;
    if (volsize > worst) worst = volsize;
  }
  return worst === 0n ? nblocks * blksize : Number(worst);
}

/**
 * The pool's top-level RAID-Z vdevs, parity from the vdev's name (`raidz2-0`; plain `raidz-0` is
 * single parity). The pool's `ashift` property is 0 when ZFS chose per disk; 12 (4 KiB sectors)
 * stands in then, the common modern choice and the costlier one for small blocks.
 */
export function raidzVdevsOf(pool: Pick<ZfsPool, 'vdevs' | 'ashift'>): RaidzVdev[] {
  const ashift =
    pool.ashift !== undefined && pool.ashift !== null && pool.ashift > 0 ? pool.ashift : 12;
  return pool.vdevs
    .filter((v) => v.kind === 'raidz')
    .map((v) => {
      const match = /^raidz([123])?-\d+$/.exec(v.name);
      return { disks: v.children.length, parity: Number(match?.[1] ?? 1), ashift };
    });
}

/**
 * The refreservation ZFS sets for a non-sparse zvol: zvol_volsize_to_reservation() in
 * lib/libzfs/libzfs_dataset.c. The data blocks count once per copy, scaled for RAID-Z parity and
 * skip sectors (volsizeFromVdevs); the metadata (the 7 levels of the meta-dnode plus one indirect
 * block per 1024 blocks at each level) in 128 KiB blocks, with one more copy than the data (at most
 * 3), unscaled as libzfs does.
 */
export function zvolReservationBytes(
  volsize: number,
  volblocksize: number,
  copies = 1,
  indirectBlockShift = DN_MAX_INDBLKSHIFT,
  raidz: readonly RaidzVdev[] = [],
): number {
  const perLevel = 2 ** (indirectBlockShift - SPA_BLKPTRSHIFT);
  let nblocks = Math.floor(volsize / volblocksize);
  const data = volsizeFromVdevs(raidz, nblocks, volblocksize);
  let numdb = 7;
  while (nblocks > 1) {
    nblocks = Math.floor((nblocks + perLevel - 1) / perLevel);
    numdb += nblocks;
  }
  numdb *= Math.min(SPA_DVAS_PER_BP, copies + 1);
  return data * copies + numdb * 2 ** indirectBlockShift;
}

/** cmd/zpool/compatibility.d/grub2 in openzfs/zfs: the features GRUB 2 supports. */
export const GRUB2_FEATURES: ReadonlySet<string> = new Set([
  'async_destroy',
  'bookmarks',
  'embedded_data',
  'empty_bpobj',
  'enabled_txg',
  'extensible_dataset',
  'filesystem_limits',
  'hole_birth',
  'large_blocks',
  'lz4_compress',
  'spacemap_histogram',
]);

/**
 * What GRUB itself reads (issue 16 item 4): spa_feature_names[] in grub-core/fs/zfs/zfs.c
 * (rhboot/grub2 5e9e7e44eddcab0174decc12c3799825e600639f, the same list as GNU GRUB 2.12 that
 * NixOS builds), by their short names. check_mos_features() and check_pool_label() refuse the
 * whole pool when any feature in its features_for_read has a non-zero count and is not in this
 * list, whichever dataset uses it: one encrypted or zstd dataset anywhere makes every path in the
 * pool unreadable to GRUB. features_for_write (the read-only compatible ones) is never checked.
 */
export const GRUB_READ_FEATURES: ReadonlySet<string> = new Set([
  'lz4_compress', // org.illumos:lz4_compress
  'hole_birth', // com.delphix:hole_birth
  'embedded_data', // com.delphix:embedded_data
  'extensible_dataset', // com.delphix:extensible_dataset
  'large_blocks', // org.open-zfs:large_blocks
]);

/**
 * Features registered with ZFEATURE_FLAG_READONLY_COMPAT (module/zcommon/zfeature_common.c): a
 * reader that does not know them may still open the pool read-only, which is all GRUB does (it
 * checks only the pool's features_for_read). The grub2 list leaves them out because it is the
 * list of what may be *enabled*; their being active does not stop GRUB.
 */
export const READONLY_COMPAT_FEATURES: ReadonlySet<string> = new Set([
  'async_destroy',
  'empty_bpobj',
  'multi_vdev_crash_dump',
  'spacemap_histogram',
  'enabled_txg',
  'bookmarks',
  'filesystem_limits',
  'zpool_checkpoint',
  'spacemap_v2',
  'livelist',
  'log_spacemap',
  'obsolete_counts',
  'userobj_accounting',
  'project_quota',
  'allocation_classes',
  'resilver_defer',
  'device_rebuild',
  'zilsaxattr',
  'block_cloning',
  'block_cloning_endian',
  'fast_dedup',
  'large_microzap',
  'physical_rewrite',
]);

/** Features of a pool that stop GRUB reading it (active) or will once something uses them (enabled). */
export function grubUnreadableFeatures(features: Record<string, string>): {
  active: string[];
  enabled: string[];
} {
  const active: string[] = [];
  const enabled: string[] = [];
  for (const [name, state] of Object.entries(features)) {
    // GRUB's own list decides; OpenZFS's grub2 file is a subset of it and the read-only ones.
    if (GRUB_READ_FEATURES.has(name) || READONLY_COMPAT_FEATURES.has(name)) continue;
    if (state === 'active') active.push(name);
    else if (state === 'enabled') enabled.push(name);
  }
  return { active: active.sort(), enabled: enabled.sort() };
}
