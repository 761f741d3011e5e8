// Fuzz: /proc/meminfo parsing returns or throws ParseError.
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { parseMeminfo } from './meminfo';
import { readSystemFixture } from '../../test/fixtures/system/read-fixture';
import {
  FUZZ_RUNS,
  mutatedText,
  randomText,
  returnsOrThrowsParseError,
} from '../../test/fixtures/system/fuzz-helpers';

const fixture = readSystemFixture('meminfo-sgi-uv1-1g-hugepages.txt');

describe('parseMeminfo fuzz', () => {
  it('returns or throws ParseError on random and mutated text', () => {
    fc.assert(
      fc.property(fc.oneof(randomText('MemTotal:0123 kB\nHuge'), mutatedText([fixture])), (t) =>
        returnsOrThrowsParseError(() => parseMeminfo(t)),
      ),
      FUZZ_RUNS,
    );
  });
});
