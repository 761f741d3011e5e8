// Fuzz: zpool parsers take random text and damaged real outputs without throwing anything but ParseError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mutated,
  storageFixture,
  truncations,
  valueOrParseError,
} from '../../test/fixtures/storage/storage-fixtures';
import { parseZpoolGet, parseZpoolList, parseZpoolStatus } from './zpool';

const STATUS = [
  'zpool-status-nixos-raidz1-degraded.txt',
  'zpool-status-freebsd-spare-inuse.txt',
  'zpool-status-openzfs-3267-logs-cache.txt',
  'zpool-status-checkmk-475-special.txt',
  'zpool-status-jc-three-pools.txt',
  'zpool-status-jc-unavail-permanent-errors.txt',
].map(storageFixture);
const GET = storageFixture('zpool-get-H-nixos-rpool.converted.txt');
const LIST =
  'store\t9981503995904\t3046184919040\t6935319076864\t9\t30\tDEGRADED\t1000\t-\nzroot\t246960619520\t187805274112\t59155345408\t67\t76\tONLINE\t1001\t-\n';
const LINE_ISH = fc
  .array(
    fc.constantFrom(
      '  pool: p',
      ' state: ONLINE',
      'config:',
      '\tNAME STATE READ WRITE CKSUM',
      '\tp ONLINE 0 0 0',
      '\t  mirror-0 ONLINE 0 0 0',
      '\t    sda ONLINE 1.2K 0 0',
      '\tlogs',
      '\tspares',
      '\t  sdb AVAIL',
      'errors: x',
      '',
      '\t\t',
      'ONLINE',
    ),
    { maxLength: 30 },
  )
  .map((l) => l.join('\n'));

describe('zpool parsers under fuzz', () => {
  it('status: random text and zpool-shaped line soup', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), LINE_ISH), (t) =>
        valueOrParseError(() => parseZpoolStatus(t)),
      ),
      { numRuns: 300 },
    );
  });

  it('status: every truncation of every real output', () => {
    for (const text of STATUS)
      for (const t of truncations(text, 7))
        expect(valueOrParseError(() => parseZpoolStatus(t))).toBe(true);
  });

  it('status: lines dropped, doubled, bytes flipped', () => {
    fc.assert(
      fc.property(fc.constantFrom(...STATUS).chain(mutated), (t) =>
        valueOrParseError(() => parseZpoolStatus(t)),
      ),
      { numRuns: 300 },
    );
  });

  it('list and get: random, truncated and mutated', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        (t) =>
          valueOrParseError(() => parseZpoolList(t)) && valueOrParseError(() => parseZpoolGet(t)),
      ),
      { numRuns: 300 },
    );
    for (const t of truncations(LIST, 3))
      expect(valueOrParseError(() => parseZpoolList(t))).toBe(true);
    for (const t of truncations(GET, 11))
      expect(valueOrParseError(() => parseZpoolGet(t))).toBe(true);
    fc.assert(
      fc.property(mutated(LIST), (t) => valueOrParseError(() => parseZpoolList(t))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(mutated(GET), (t) => valueOrParseError(() => parseZpoolGet(t))),
      { numRuns: 300 },
    );
  });
});
