// Fuzz: /proc/modules parsing returns or throws ParseError.
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { parseProcModules } from './proc-modules';
import {
  FUZZ_RUNS,
  mutatedText,
  randomText,
  returnsOrThrowsParseError,
} from '../../test/fixtures/system/fuzz-helpers';

// Synthetic, in the kernel's format (see proc-modules.spec.ts).
const sample =
  'vfio_pci 16384 0 - Live 0x0000000000000000\nkvm 1339392 1 kvm_amd, Live 0x0000000000000000\n';

describe('parseProcModules fuzz', () => {
  it('returns or throws ParseError on random and mutated text', () => {
    fc.assert(
      fc.property(fc.oneof(randomText('abc_- 0x\n,'), mutatedText([sample])), (t) =>
        returnsOrThrowsParseError(() => parseProcModules(t)),
      ),
      FUZZ_RUNS,
    );
  });
});
