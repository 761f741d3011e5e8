// The pool as the layout would fill it: what existing data takes, what each new reserved zvol sets
// aside (its refreservation, as ZFS computes it), and an estimate for each new system.
import type { Inventory } from '../../../shared/model/inventory';
import type { Layout } from '../../../shared/model/layout';
import {
  FAKE_EFI_SIZE_BYTES,
  fakeEfiDataset,
  findDataset,
} from '../../../shared/planner/planner-paths';
import { raidzVdevsOf, zvolReservationBytes } from '../../../shared/planner/zfs-facts';

/**
 * A rough size for a fresh NixOS system: a desktop closure is a few GiB and grows with every
 * generation kept. Shown as an estimate, never counted as reserved.
 */
export const SYSTEM_ESTIMATE_BYTES = 8 * 2 ** 30;

export interface SpaceSegment {
  kind: 'existing' | 'volume' | 'sparse-volume' | 'system';
  label: string;
  bytes: number;
  /** Not set aside by ZFS: it grows as data is written. */
  estimate: boolean;
  /** The layout path of the element, for marking it. */
  subject: string | null;
}

export interface PoolSpace {
  pool: string;
  /** What the pool's datasets can hold: used by existing data plus available. */
  totalBytes: number;
  segments: SpaceSegment[];
  /** Set aside for certain: existing data plus reservations. */
  committedBytes: number;
  /** Left after the reservations and the estimates (negative when over). */
  freeBytes: number;
  /** The reservations alone do not fit: the plan would fail. */
  over: boolean;
  /** The reservations fit, but not together with the estimates. */
  tight: boolean;
}

/**
 * Null when there is nothing true to draw: the pool is not on this machine, or zpool could not
 * measure it (FAULTED, UNAVAIL); validation then says why in words.
 */
export function poolSpace(inventory: Inventory, layout: Layout): PoolSpace | null {
  const pool = inventory.zfs.pools.find((p) => p.name === layout.pool);
  if (pool === undefined) return null;
  const root = findDataset(inventory, pool.name);
  const used = root?.usedBytes ?? pool.allocatedBytes;
  const available = root?.availableBytes ?? pool.freeBytes;
  if (used === null || available === null) return null;
  // The same estimate as validation: RAID-Z parity makes a reserved zvol cost more.
  const raidz = raidzVdevsOf(pool);
  const segments: SpaceSegment[] = [
    { kind: 'existing', label: 'Existing data', bytes: used, estimate: false, subject: null },
  ];
  layout.volumes.forEach((vol, i) => {
    // An existing volume is already in the existing data.
    if (findDataset(inventory, vol.dataset) !== undefined) return;
    const valid = Number.isFinite(vol.sizeBytes) && vol.sizeBytes > 0 && vol.volblocksizeBytes > 0;
    if (!valid) return;
    if (vol.provisioning === 'reserved')
      segments.push({
        kind: 'volume',
        label: vol.dataset,
        bytes: zvolReservationBytes(vol.sizeBytes, vol.volblocksizeBytes, 1, undefined, raidz),
        estimate: false,
        subject: `volumes[${i}]`,
      });
    else
      segments.push({
        kind: 'sparse-volume',
        label: `${vol.dataset} (sparse)`,
        // Nothing is set aside; show a sliver so the volume is visible on the bar.
        bytes: 0,
        estimate: true,
        subject: `volumes[${i}]`,
      });
  });
  layout.systems.forEach((s, i) => {
    const efi =
      findDataset(inventory, fakeEfiDataset(s.dataset)) === undefined
        ? zvolReservationBytes(FAKE_EFI_SIZE_BYTES, 4096, 1, undefined, raidz)
        : 0;
    segments.push({
      kind: 'system',
      label: s.dataset,
      bytes: efi + SYSTEM_ESTIMATE_BYTES,
      estimate: true,
      subject: `systems[${i}]`,
    });
  });
  const committed = segments.filter((s) => !s.estimate).reduce((n, s) => n + s.bytes, 0);
  const all = segments.reduce((n, s) => n + s.bytes, 0);
  const total = used + available;
  return {
    pool: pool.name,
    totalBytes: total,
    segments,
    committedBytes: committed,
    freeBytes: total - all,
    over: committed > total,
    tight: committed <= total && all > total,
  };
}
