// Fuzz: /proc/cmdline parsing never throws and reads back any unquoted key=value list.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseCmdline } from './cmdline';
import { readSystemFixture } from '../../test/fixtures/system/read-fixture';
import { FUZZ_RUNS, mutatedText, randomText } from '../../test/fixtures/system/fuzz-helpers';

const fixture = readSystemFixture('cmdline-ubuntu-sriov-hugepages.txt');
const word = fc.string({
  minLength: 1,
  maxLength: 12,
  unit: fc.constantFrom(...'abcz09_.-/,:'.split('')),
});

describe('parseCmdline fuzz', () => {
  it('never throws on random or mutated command lines', () => {
    fc.assert(
      fc.property(fc.oneof(randomText('ab= "\t\n\\'), mutatedText([fixture])), (t) => {
        expect(Array.isArray(parseCmdline(t))).toBe(true);
      }),
      FUZZ_RUNS,
    );
  });

  it('reads back any list of key, key=value and key="spaced value" arguments', () => {
    const arg = fc.record({
      key: word,
      value: fc.option(fc.array(word, { minLength: 1, maxLength: 3 }).map((ws) => ws.join(' '))),
    });
    fc.assert(
      fc.property(fc.array(arg, { maxLength: 8 }), (args) => {
        const text =
          args.map((a) => (a.value === null ? a.key : `${a.key}="${a.value}"`)).join(' ') + '\n';
        expect(parseCmdline(text)).toEqual(args);
      }),
      FUZZ_RUNS,
    );
  });
});
