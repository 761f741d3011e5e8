// Fuzz: /proc/net/route parsing returns or throws ParseError.
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { parseDefaultRouteInterface } from './net-route';
import { readSystemFixture } from '../../test/fixtures/system/read-fixture';
import {
  FUZZ_RUNS,
  mutatedText,
  randomText,
  returnsOrThrowsParseError,
} from '../../test/fixtures/system/fuzz-helpers';

const fixture = readSystemFixture('net-route-enp4s0.txt');

describe('parseDefaultRouteInterface fuzz', () => {
  it('returns or throws ParseError on random and mutated tables', () => {
    fc.assert(
      fc.property(fc.oneof(randomText('Iface0F\t\n eth'), mutatedText([fixture])), (t) =>
        returnsOrThrowsParseError(() => parseDefaultRouteInterface(t)),
      ),
      FUZZ_RUNS,
    );
  });
});
