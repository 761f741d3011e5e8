// Sizes as the Machine view and `cohabit inventory` print them, including the unit boundaries and
// the largest counts ZFS can report.
import { describe, expect, it } from 'vitest';
import { formatBytes } from './format-bytes';

const KiB = 1024;
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

describe('formatBytes', () => {
  it('counts bytes below 1 KiB as whole bytes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1)).toBe('1 B');
    expect(formatBytes(1023)).toBe('1023 B');
  });

  it('switches to KiB at 1024 and keeps three significant digits', () => {
    expect(formatBytes(1024)).toBe('1.00 KiB');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(10 * KiB)).toBe('10.0 KiB');
    expect(formatBytes(512 * KiB)).toBe('512 KiB');
  });

  it('prints exact and fractional GiB and TiB', () => {
    expect(formatBytes(GiB)).toBe('1.00 GiB');
    expect(formatBytes(16 * GiB)).toBe('16.0 GiB');
    // The demo pool's size as `zpool list -Hp` gives it.
    expect(formatBytes(991_063_932_928)).toBe('923 GiB');
    expect(formatBytes(2.5 * GiB)).toBe('2.50 GiB');
    expect(formatBytes(2 * TiB)).toBe('2.00 TiB');
    // A 4 TB disk (lsblk SIZE of a WD40EZRZ).
    expect(formatBytes(4_000_787_030_016)).toBe('3.64 TiB');
  });

  it('rounds up into the next unit rather than printing 1024 of one', () => {
    expect(formatBytes(GiB - 1)).toBe('1.00 GiB');
    expect(formatBytes(1023.9 * KiB)).toBe('1.00 MiB');
    expect(formatBytes(9.999 * GiB)).toBe('10.0 GiB');
    expect(formatBytes(99.99 * GiB)).toBe('100 GiB');
  });

  it('goes up to the largest sizes ZFS reports (2^64 bytes)', () => {
    expect(formatBytes(1024 * TiB)).toBe('1.00 PiB');
    expect(formatBytes(Number.MAX_SAFE_INTEGER)).toBe('8.00 PiB');
    expect(formatBytes(2 ** 64)).toBe('16.0 EiB');
    expect(formatBytes(2 ** 80)).toBe('1048576 EiB');
  });

  it('says nothing it cannot back: negative and non-finite counts are a dash', () => {
    expect(formatBytes(-1)).toBe('—');
    expect(formatBytes(Number.NaN)).toBe('—');
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('—');
  });
});
