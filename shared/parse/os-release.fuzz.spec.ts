// Fuzz: os-release parsing returns or throws ParseError, and reads back values it escaped itself.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseOsRelease } from './os-release';
import { readSystemFixture } from '../../test/fixtures/system/read-fixture';
import {
  FUZZ_RUNS,
  mutatedText,
  randomText,
  returnsOrThrowsParseError,
} from '../../test/fixtures/system/fuzz-helpers';

const fixtures = [
  readSystemFixture('os-release-nixos-25.11.txt'),
  readSystemFixture('os-release-debian.txt'),
];

describe('parseOsRelease fuzz', () => {
  it('returns or throws ParseError on random and mutated files', () => {
    fc.assert(
      fc.property(fc.oneof(randomText('AZ_=" \'\\#\n$`x'), mutatedText(fixtures)), (t) =>
        returnsOrThrowsParseError(() => parseOsRelease(t)),
      ),
      FUZZ_RUNS,
    );
  });

  it('reads back any one-line value written with the os-release escapes', () => {
    const value = fc.string({ maxLength: 40 }).filter((s) => !/[\n\r]/.test(s));
    fc.assert(
      fc.property(value, (v) => {
        const text = `PRETTY_NAME="${v.replace(/[$"\\`]/g, (c) => `\\${c}`)}"\n`;
        expect(parseOsRelease(text).PRETTY_NAME).toBe(v);
      }),
      FUZZ_RUNS,
    );
  });
});
