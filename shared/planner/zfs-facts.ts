// ZFS facts the planner checks a layout against: what a reserved zvol costs (as libzfs computes
// its refreservation) and which pool features GRUB can read (OpenZFS's compatibility.d/grub2).

// From include/sys/dnode.h and spa.h: indirect blocks are 2^17 = 128 KiB since ZFS on Linux 0.7
// (2^14 before), holding 128-byte block pointers; a block pointer has up to 3 copies (DVAs).
const DN_MAX_INDBLKSHIFT = 17;
const SPA_BLKPTRSHIFT = 7;
const SPA_DVAS_PER_BP = 3;

/**
 * The refreservation ZFS sets for a non-sparse zvol: zvol_volsize_to_reservation() in
 * lib/libzfs/libzfs_dataset.c. The data blocks count once per copy, the metadata (the 7 levels of
 * the meta-dnode plus one indirect block per 1024 blocks at each level) in 128 KiB blocks, with
 * one more copy than the data (at most 3). libzfs also scales the data for RAID-Z parity
 * (volsize_from_vdevs); this estimate does not, so it is low on RAID-Z pools.
 */
export function zvolReservationBytes(
  volsize: number,
  volblocksize: number,
  copies = 1,
  indirectBlockShift = DN_MAX_INDBLKSHIFT,
): number {
  const perLevel = 2 ** (indirectBlockShift - SPA_BLKPTRSHIFT);
  let nblocks = Math.floor(volsize / volblocksize);
  let numdb = 7;
  while (nblocks > 1) {
    nblocks = Math.floor((nblocks + perLevel - 1) / perLevel);
    numdb += nblocks;
  }
  numdb *= Math.min(SPA_DVAS_PER_BP, copies + 1);
  return (
    Math.floor(volsize / volblocksize) * volblocksize * copies + numdb * 2 ** indirectBlockShift
  );
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
    if (GRUB2_FEATURES.has(name) || READONLY_COMPAT_FEATURES.has(name)) continue;
    if (state === 'active') active.push(name);
    else if (state === 'enabled') enabled.push(name);
  }
  return { active: active.sort(), enabled: enabled.sort() };
}
