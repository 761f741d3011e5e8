// Byte counts as people read them in the app and the CLI: binary (IEC) units, the way ZFS and
// lsblk mean them, with three significant digits.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

function fixed(value: number, unit: number): string {
  // Thresholds just under 10 and 100 so that 9.999 prints as 10.0, not 10.00.
  const digits = unit === 0 || value >= 99.95 ? 0 : value >= 9.995 ? 1 : 2;
  return value.toFixed(digits);
}

/** `1.50 KiB`, `16.0 GiB`, `923 GiB`; `—` for a count that is not one (negative, NaN). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  let text = fixed(value, unit);
  // 1023.9 KiB would round to "1024 KiB": one unit up reads better.
  if (Number(text) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
    text = fixed(value, unit);
  }
  return `${text} ${UNITS[unit] ?? 'B'}`;
}
