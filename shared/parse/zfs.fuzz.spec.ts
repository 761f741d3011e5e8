// Fuzz: parseZfsList takes random text and damaged real output without throwing anything but ParseError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mutated,
  storageFixture,
  truncations,
  valueOrParseError,
  ZFS_LIST_COLUMNS,
} from '../../test/fixtures/storage/storage-fixtures';
import { parseZfsList } from './zfs';

const REAL = storageFixture('zfs-list-Hp-proxmox.converted.txt');
const COLUMNS = [
  'name',
  'type',
  'used',
  'avail',
  'refer',
  'mountpoint',
  'mounted',
  'canmount',
  'encryption',
  'keystatus',
  'compression',
  'volsize',
  'origin',
];

describe('parseZfsList under fuzz', () => {
  it('random strings, tab-heavy strings and random column lists', () => {
    const tabby = fc
      .array(
        fc.constantFrom('\t', '\n', '-', 'yes', 'no', '12', 'a/b@c', 'filesystem', 'volume', ' '),
        { maxLength: 60 },
      )
      .map((p) => p.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), tabby), (t) =>
        valueOrParseError(() => parseZfsList(t, ZFS_LIST_COLUMNS)),
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        tabby,
        fc.array(fc.constantFrom(...ZFS_LIST_COLUMNS), { maxLength: 6 }),
        (t, cols) => valueOrParseError(() => parseZfsList(t, cols)),
      ),
      { numRuns: 300 },
    );
  });

  it('every truncation of the real listing, and mutations of it', () => {
    for (const t of truncations(REAL, 5))
      expect(valueOrParseError(() => parseZfsList(t, COLUMNS))).toBe(true);
    fc.assert(
      fc.property(mutated(REAL), (t) => valueOrParseError(() => parseZfsList(t, COLUMNS))),
      { numRuns: 300 },
    );
  });
});
