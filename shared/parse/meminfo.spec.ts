// /proc/meminfo on a real machine with 1 GiB huge pages, and the fields that may be missing.
import { describe, it, expect } from 'vitest';
import { parseMeminfo } from './meminfo';
import { ParseError } from '../model/errors';
import { readSystemFixture } from '../../test/fixtures/system/read-fixture';

describe('parseMeminfo', () => {
  it('reads total memory and the 1 GiB huge page pool of an SGI UV1 (kernel without MemAvailable)', () => {
    expect(parseMeminfo(readSystemFixture('meminfo-sgi-uv1-1g-hugepages.txt'))).toEqual({
      totalBytes: 32395508 * 1024,
      availableBytes: null,
      hugePagesTotal: 32,
      hugePagesFree: 32,
      hugepageSizeKiB: 1048576,
    });
  });

  it('reads MemAvailable when present and defaults missing huge page fields (synthetic)', () => {
    expect(
      parseMeminfo('MemTotal:       16314248 kB\nMemFree:  100 kB\nMemAvailable:   12288000 kB\n'),
    ).toEqual({
      totalBytes: 16314248 * 1024,
      availableBytes: 12288000 * 1024,
      hugePagesTotal: 0,
      hugePagesFree: 0,
      hugepageSizeKiB: null,
    });
  });

  it('ignores lines of fields it does not use, even odd ones', () => {
    expect(parseMeminfo('MemTotal: 1024 kB\nSomethingNew: 12 MB weird\n').totalBytes).toBe(
      1024 * 1024,
    );
  });

  it('rejects text without MemTotal or with an unreadable field it needs', () => {
    expect(() => parseMeminfo('MemFree: 10 kB\n')).toThrow(ParseError);
    expect(() => parseMeminfo('MemTotal: lots\n')).toThrow(/line 1/);
  });
});
