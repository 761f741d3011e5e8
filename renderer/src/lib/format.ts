// Numbers as people read them in this app: sizes in binary units the way ZFS and lsblk mean
// them (one formatter, shared with the CLI), percentages without false precision.
import { formatBytes } from '../../../shared/model/format-bytes';

export { formatBytes };

/** A share as a whole percent, but never 0 % for something that is not empty or 100 % for something not full. */
export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '—';
  const exact = (part / whole) * 100;
  let rounded = Math.round(exact);
  if (rounded === 0 && part > 0) return '<1 %';
  if (rounded === 100 && part < whole) rounded = 99;
  return `${rounded} %`;
}

/** 0..100 for a CSS width; clamped so a bad number cannot break the layout. */
export function percentWidth(part: number, whole: number): number {
  if (whole <= 0 || !Number.isFinite(part)) return 0;
  return Math.min(100, Math.max(0, (part / whole) * 100));
}

export function formatKiB(kib: number): string {
  return formatBytes(kib * 1024);
}

/** "IOMMU group N", or "no IOMMU group" with the IOMMU off or a device outside every group. */
export function formatIommuGroup(group: number | null | undefined): string {
  return group === null || group === undefined ? 'no IOMMU group' : `IOMMU group ${group}`;
}
