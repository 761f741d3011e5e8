// Fuzz: interrupt remapping detection never throws and always answers one of its three values.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseInterruptRemapping } from './interrupts';
import { readSystemFixture } from '../../test/fixtures/system/read-fixture';
import { FUZZ_RUNS, mutatedText, randomText } from '../../test/fixtures/system/fuzz-helpers';

const fixture = readSystemFixture('interrupts-igb-server-ir.txt');

describe('parseInterruptRemapping fuzz', () => {
  it('answers on, off or unknown for random and mutated text', () => {
    fc.assert(
      fc.property(
        fc.oneof(randomText('0123: IR-PCI-MSIO-APIC edge\n'), mutatedText([fixture])),
        (t) => {
          expect(['on', 'off', 'unknown']).toContain(parseInterruptRemapping(t));
        },
      ),
      FUZZ_RUNS,
    );
  });
});
