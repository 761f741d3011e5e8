// /proc/cmdline splitting, on a real command line and on the kernel's quoting rules.
import { describe, it, expect } from 'vitest';
import { parseCmdline } from './cmdline';
import { readSystemFixture } from '../../test/fixtures/system/read-fixture';

describe('parseCmdline on a real Ubuntu command line with IOMMU and 1 GiB huge pages', () => {
  const args = parseCmdline(readSystemFixture('cmdline-ubuntu-sriov-hugepages.txt'));

  it('reads every argument in order, ignoring the trailing newline', () => {
    expect(args.map((a) => a.key)).toEqual([
      'BOOT_IMAGE',
      'root',
      'ro',
      'transparent_hugepage',
      'default_hugepagesz',
      'hugepagesz',
      'hugepages',
      'iommu',
      'intel_iommu',
    ]);
    expect(args.at(-1)).toEqual({ key: 'intel_iommu', value: 'on' });
  });

  it('splits at the first = only, and gives bare words a null value', () => {
    expect(args[1]).toEqual({ key: 'root', value: 'UUID=1d5a3e1d-a83a-41db-a9d0-a5832b91fec5' });
    expect(args[2]).toEqual({ key: 'ro', value: null });
  });
});

describe('parseCmdline quoting (synthetic, following lib/cmdline.c next_arg)', () => {
  it('groups a quoted value and drops its quotes', () => {
    expect(parseCmdline('acpi_osi="!Windows 2020" quiet')).toEqual([
      { key: 'acpi_osi', value: '!Windows 2020' },
      { key: 'quiet', value: null },
    ]);
  });

  it('accepts quotes around the whole argument', () => {
    expect(parseCmdline('"acpi_osi=!Windows 2012" "bare word"')).toEqual([
      { key: 'acpi_osi', value: '!Windows 2012' },
      { key: 'bare word', value: null },
    ]);
  });

  it('keeps quotes that sit inside a value, as the kernel does', () => {
    expect(parseCmdline('dyndbg=file"a b"c')).toEqual([{ key: 'dyndbg', value: 'file"a b"c' }]);
  });

  it('reads empty values, tabs and runs of spaces', () => {
    expect(parseCmdline('  acpi_osi=\t\tnomodeset  foo=""\n')).toEqual([
      { key: 'acpi_osi', value: '' },
      { key: 'nomodeset', value: null },
      { key: 'foo', value: '' },
    ]);
  });

  it('lets an unterminated quote run to the end', () => {
    expect(parseCmdline('a foo="x y')).toEqual([
      { key: 'a', value: null },
      { key: 'foo', value: 'x y' },
    ]);
  });

  it('returns nothing for an empty command line', () => {
    expect(parseCmdline('')).toEqual([]);
    expect(parseCmdline('\n')).toEqual([]);
  });
});
