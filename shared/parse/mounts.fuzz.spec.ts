// Fuzz: parseProcMounts takes random and damaged mount tables without throwing anything but ParseError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mutated,
  truncations,
  valueOrParseError,
} from '../../test/fixtures/storage/storage-fixtures';
import { parseProcMounts } from './mounts';

// Synthetic, in the kernel's format (see mounts.spec.ts).
const TABLE =
  'rpool/nixos/root / zfs rw,relatime,xattr,posixacl 0 0\n/dev/sdb1 /mnt/backup\\040drive ext4 rw 0 0\nproc /proc proc rw 0 0\n';

describe('parseProcMounts under fuzz', () => {
  it('random strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (t) =>
        valueOrParseError(() => parseProcMounts(t)),
      ),
      { numRuns: 300 },
    );
  });

  it('truncations and mutations of a mount table', () => {
    for (const t of truncations(TABLE, 2))
      expect(valueOrParseError(() => parseProcMounts(t))).toBe(true);
    fc.assert(
      fc.property(mutated(TABLE), (t) => valueOrParseError(() => parseProcMounts(t))),
      { numRuns: 300 },
    );
  });
});
