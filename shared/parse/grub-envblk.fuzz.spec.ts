// Fuzz: parseGrubEnvBlock takes random and damaged blocks without throwing anything but ParseError,
// and whatever it accepts, it reads as GRUB does at boot (a transcription of grub_envblk_iterate
// below, written for this test), so a block it accepts cannot hide a next_entry from it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GRUBENV_FIXTURES, readGrubenvFixture } from '../../test/fixtures/grub/grubenv-fixtures';
import { FUZZ_RUNS, returnsOrThrowsParseError } from '../../test/fixtures/system/fuzz-helpers';
import { GRUB_ENVBLK_SIGNATURE, GRUB_ENVBLK_SIZE, parseGrubEnvBlock } from './grub-envblk';

const FIXTURES = GRUBENV_FIXTURES.map(readGrubenvFixture);

/**
 * What GRUB's load_env sees: grub_envblk_iterate (grub-core/lib/envblk.c) walks lines, skips those
 * starting with '#', takes the name up to the first '=' (past line feeds), the value up to the
 * first unescaped line feed, `\x` as x; a broken tail ends the walk. Each variable is then a C
 * string (cut at NUL) and a later one of the same name wins.
 */
function grubReading(bytes: Uint8Array): Map<string, string> {
  const seen = new Map<string, string>();
  const end = bytes.length;
  const nextLine = (from: number) => {
    let p = from;
    while (p < end) {
      if (bytes[p] === 0x5c) p += 2;
      else if (bytes[p] === 0x0a) break;
      else p++;
    }
    return p + 1;
  };
  const cString = (b: number[]) => {
    const nul = b.indexOf(0);
    return new TextDecoder().decode(new Uint8Array(nul < 0 ? b : b.slice(0, nul)));
  };
  let p = GRUB_ENVBLK_SIGNATURE.length;
  while (p < end) {
    if (bytes[p] !== 0x23) {
      const nameStart = p;
      while (p < end && bytes[p] !== 0x3d) p++;
      if (p === end) return seen;
      const name = [...bytes.subarray(nameStart, p)];
      p++;
      const valueStart = p;
      while (p < end && bytes[p] !== 0x0a) p += bytes[p] === 0x5c ? 2 : 1;
      if (p >= end) return seen;
      const value: number[] = [];
      for (let q = valueStart; bytes[q] !== 0x0a; q++)
        value.push(bytes[q] === 0x5c ? (bytes[++q] as number) : (bytes[q] as number));
      seen.set(cString(name), cString(value));
    }
    p = nextLine(p);
  }
  return seen;
}

/** A fixture with one to four bytes changed to ones that matter here, or to any byte. */
const mutatedBlock = fc
  .tuple(
    fc.constantFrom(...FIXTURES),
    fc.array(
      fc.tuple(
        fc.nat({ max: GRUB_ENVBLK_SIZE - 1 }),
        fc.oneof(fc.constantFrom(0x0a, 0x5c, 0x3d, 0x23, 0x00, 0x20, 0x6e), fc.nat({ max: 255 })),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([base, flips]) => {
    const bytes = new Uint8Array(base);
    for (const [at, b] of flips) bytes[at] = b;
    return bytes;
  });

/**
 * A block made of lines: mostly name=value with escapes (valid or not) in the value, some comments,
 * some junk; a raw line feed or backslash anywhere shifts where GRUB sees the lines end.
 */
const piece = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'é', '=', '#', ' ', '\\\\', '\\\n') },
  { weight: 1, arbitrary: fc.constantFrom('\\t', '\\', '\n', '\0') },
);
const line = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.constantFrom('next_entry', 'saved_entry', 'a b', ''),
        fc.array(piece, { maxLength: 6 }),
      )
      .map(([n, v]) => `${n}=${v.join('')}\n`),
  },
  { weight: 1, arbitrary: fc.array(piece, { maxLength: 6 }).map((v) => `#${v.join('')}\n`) },
  { weight: 1, arbitrary: fc.array(piece, { maxLength: 6 }).map((v) => v.join('')) },
);
const randomBlock = fc.array(line, { maxLength: 12 }).map((lines) => {
  const bytes = new Uint8Array(GRUB_ENVBLK_SIZE).fill(0x23);
  bytes.set(new TextEncoder().encode(GRUB_ENVBLK_SIGNATURE + lines.join('')));
  return bytes;
});

describe('parseGrubEnvBlock under fuzz', () => {
  it('returns or throws ParseError for any bytes, blocks of any size included', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 2048 }),
          fc.uint8Array({ minLength: 1024, maxLength: 1024 }),
        ),
        (bytes) => returnsOrThrowsParseError(() => parseGrubEnvBlock(bytes)),
      ),
      FUZZ_RUNS,
    );
  });

  it('reads every block it accepts exactly as GRUB does, damaged fixtures and random bodies', () => {
    fc.assert(
      fc.property(fc.oneof(mutatedBlock, randomBlock), (bytes) => {
        let variables: ReadonlyMap<string, string>;
        try {
          variables = parseGrubEnvBlock(bytes).variables;
        } catch (error) {
          return returnsOrThrowsParseError(() => {
            throw error;
          });
        }
        expect(Object.fromEntries(variables)).toEqual(Object.fromEntries(grubReading(bytes)));
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with that reading on every fixture it accepts', () => {
    for (const bytes of FIXTURES) {
      const parsed = (() => {
        try {
          return parseGrubEnvBlock(bytes);
        } catch {
          return null;
        }
      })();
      if (parsed !== null)
        expect(Object.fromEntries(parsed.variables)).toEqual(
          Object.fromEntries(grubReading(bytes)),
        );
    }
  });
});
