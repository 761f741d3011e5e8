// /proc/mounts parser. Synthetic lines in the kernel's format (no captured /proc/mounts was found
// with the escapes we must handle); the escapes are those of fs/proc_namespace.c (mangle " \t\n\\").
import { describe, expect, it } from 'vitest';
import { ParseError } from '../model/errors';
import { parseProcMounts } from './mounts';

describe('parseProcMounts', () => {
  it('reads a ZFS root, its ESP and pseudo filesystems', () => {
    const text = [
      'rpool/nixos/root / zfs rw,relatime,xattr,posixacl 0 0',
      'proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0',
      '/dev/nvme0n1p1 /boot vfat rw,relatime,fmask=0022,dmask=0022,codepage=437,iocharset=iso8859-1,shortname=mixed,errors=remount-ro 0 0',
      '',
    ].join('\n');
    expect(parseProcMounts(text)).toEqual([
      {
        source: 'rpool/nixos/root',
        target: '/',
        fstype: 'zfs',
        options: 'rw,relatime,xattr,posixacl',
      },
      {
        source: 'proc',
        target: '/proc',
        fstype: 'proc',
        options: 'rw,nosuid,nodev,noexec,relatime',
      },
      {
        source: '/dev/nvme0n1p1',
        target: '/boot',
        fstype: 'vfat',
        options:
          'rw,relatime,fmask=0022,dmask=0022,codepage=437,iocharset=iso8859-1,shortname=mixed,errors=remount-ro',
      },
    ]);
  });

  it('decodes \\040, \\011, \\012 and \\134 in sources and targets', () => {
    const [entry] = parseProcMounts(
      '/dev/sdb1 /mnt/backup\\040drive\\011tab\\012nl\\134bs ext4 rw 0 0\n',
    );
    expect(entry?.target).toBe('/mnt/backup drive\ttab\nnl\\bs');
  });

  it('rejects lines with too few or too many fields, naming the line', () => {
    expect(() =>
      parseProcMounts('proc /proc proc rw 0 0\n/dev/sda1 /mnt/a b ext4 rw 0 0\n'),
    ).toThrow(/line 2/);
    expect(() => parseProcMounts('/dev/sda1 /\n')).toThrow(ParseError);
  });
});
