// Fuzz: hostid conversion agrees with a little-endian uint32 read, round-trips, and only throws ParseError.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { formatHostIdBytes, parseHostId } from './hostid';
import { FUZZ_RUNS, returnsOrThrowsParseError } from '../../test/fixtures/system/fuzz-helpers';

describe('hostid fuzz', () => {
  it('matches what glibc gethostid() returns on x86: the file read as a little-endian uint32', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (bytes) => {
        const asInt = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
        expect(parseHostId(bytes)).toBe(asInt.toString(16).padStart(8, '0'));
        expect([...formatHostIdBytes(parseHostId(bytes))]).toEqual([...bytes]);
      }),
      FUZZ_RUNS,
    );
  });

  it('returns or throws ParseError for any byte string and any text', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 8 }),
        fc.string({ maxLength: 12 }),
        (bytes, text) =>
          returnsOrThrowsParseError(() => parseHostId(bytes)) &&
          returnsOrThrowsParseError(() => formatHostIdBytes(text)),
      ),
      FUZZ_RUNS,
    );
  });
});
