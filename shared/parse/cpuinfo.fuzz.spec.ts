// Fuzz: /proc/cpuinfo parsing returns a consistent Cpu or throws ParseError.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseCpuinfo } from './cpuinfo';
import { ParseError } from '../model/errors';
import { readSystemFixture } from '../../test/fixtures/system/read-fixture';
import { FUZZ_RUNS, mutatedText, randomText } from '../../test/fixtures/system/fuzz-helpers';

const fixtures = [
  'cpuinfo-xeon-x3430-xen-dom0.txt',
  'cpuinfo-ryzen7-7735hs-first-two.txt',
  'cpuinfo-ryzen7-2700x-kvm-guest.txt',
].map(readSystemFixture);

describe('parseCpuinfo fuzz', () => {
  it('returns sane counts or throws ParseError on random and mutated text', () => {
    fc.assert(
      fc.property(fc.oneof(randomText('processor:0 \t\nflags vmx'), mutatedText(fixtures)), (t) => {
        try {
          const cpu = parseCpuinfo(t);
          expect(cpu.threads).toBeGreaterThanOrEqual(1);
          expect(cpu.sockets).toBeGreaterThanOrEqual(1);
          expect(cpu.sockets).toBeLessThanOrEqual(cpu.threads);
        } catch (error) {
          if (!(error instanceof ParseError)) throw error;
        }
      }),
      FUZZ_RUNS,
    );
  });
});
