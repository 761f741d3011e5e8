// Fuzz: pci.ids parsing returns or throws ParseError on random and mutated input.
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { parsePciIds } from './pci-ids';
import { readSystemFixture } from '../../test/fixtures/system/read-fixture';
import {
  FUZZ_RUNS,
  mutatedText,
  randomText,
  returnsOrThrowsParseError,
} from '../../test/fixtures/system/fuzz-helpers';

const excerpt = readSystemFixture('pci-ids-excerpt.txt');

describe('parsePciIds fuzz', () => {
  it('returns or throws ParseError on random text', () => {
    fc.assert(
      fc.property(randomText('0123456789abcdefC #\t\n NVIDIA'), (t) =>
        returnsOrThrowsParseError(() => parsePciIds(t)),
      ),
      FUZZ_RUNS,
    );
  });

  it('returns or throws ParseError on a mutated excerpt, and lookups never throw', () => {
    fc.assert(
      fc.property(mutatedText([excerpt]), fc.string({ maxLength: 6 }), (t, id) =>
        returnsOrThrowsParseError(() => {
          const ids = parsePciIds(t);
          ids.vendorName(id);
          ids.deviceName(id, id);
          ids.className(id);
        }),
      ),
      FUZZ_RUNS,
    );
  });
});
