// Numbers as people read them in this app: sizes in binary units the way ZFS and lsblk mean
// them, percentages without false precision.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${UNITS[unit] ?? 'B'}`;
}

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
