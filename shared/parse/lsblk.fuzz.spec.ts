// Fuzz: parseLsblkJson takes random text, random JSON and damaged real outputs without throwing anything but ParseError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mutated,
  storageFixture,
  truncations,
  valueOrParseError,
} from '../../test/fixtures/storage/storage-fixtures';
import { parseLsblkJson } from './lsblk';

const REAL = [
  'lsblk-O-b-util-linux-2.37.4-azl2.json',
  'lsblk-gpud-nvme-paths-mountpoint.json',
  'lsblk-luks-on-lvm-nvme.json',
].map(storageFixture);

describe('parseLsblkJson under fuzz', () => {
  it('random strings and random JSON values', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (t) => valueOrParseError(() => parseLsblkJson(t))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (v) =>
        valueOrParseError(() => parseLsblkJson(JSON.stringify({ blockdevices: [v] }))),
      ),
      { numRuns: 300 },
    );
  });

  it('every truncation of every real output', () => {
    for (const text of REAL)
      for (const t of truncations(text, 13))
        expect(valueOrParseError(() => parseLsblkJson(t))).toBe(true);
  });

  it('lines dropped, doubled, bytes flipped', () => {
    fc.assert(
      fc.property(fc.constantFrom(...REAL).chain(mutated), (t) =>
        valueOrParseError(() => parseLsblkJson(t)),
      ),
      { numRuns: 300 },
    );
  });

  it('deeply nested children', () => {
    let nested: unknown = { name: 'x', type: 'disk', size: 1 };
    for (let i = 0; i < 5000; i++)
      nested = { name: `d${i}`, type: 'dm', size: 1, children: [nested] };
    expect(
      valueOrParseError(() => parseLsblkJson(JSON.stringify({ blockdevices: [nested] }))),
    ).toBe(true);
  });
});
