// Fuzz: /proc/bus/input/devices parsing returns or throws ParseError.
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { parseInputDevices } from './input-devices';
import { readSystemFixture } from '../../test/fixtures/system/read-fixture';
import {
  FUZZ_RUNS,
  mutatedText,
  randomText,
  returnsOrThrowsParseError,
} from '../../test/fixtures/system/fuzz-helpers';

const fixture = readSystemFixture('input-devices-imac-usb-keyboard.txt');

describe('parseInputDevices fuzz', () => {
  it('returns or throws ParseError on random and mutated listings', () => {
    fc.assert(
      fc.property(
        fc.oneof(randomText('NHBS: =Name"kbd mouse0 EV KEY 0f\n'), mutatedText([fixture])),
        (t) => returnsOrThrowsParseError(() => parseInputDevices(t)),
      ),
      FUZZ_RUNS,
    );
  });
});
