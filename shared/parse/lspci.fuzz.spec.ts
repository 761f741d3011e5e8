// Fuzz: lspci -nnmm parsing returns or throws ParseError, and reads back what pciutils would print.
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { parseLspciNnmm } from './lspci';
import { readSystemFixture } from '../../test/fixtures/system/read-fixture';
import {
  FUZZ_RUNS,
  mutatedText,
  randomText,
  returnsOrThrowsParseError,
} from '../../test/fixtures/system/fuzz-helpers';

const fixtures = [
  readSystemFixture('lspci-nnmm-dell-blade-xenserver.txt'),
  readSystemFixture('lspci-nnmm-raptor-lake-rtx4000-ada.txt'),
];

// pciutils' print_shell_escaped: a backslash before `"` and `\`.
const quote = (s: string) => ` "${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
const hex = (digits: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${digits}}$`));
const name = fc.string({ maxLength: 30 }).filter((s) => !s.includes('\n') && !s.includes('\r'));

describe('parseLspciNnmm fuzz', () => {
  it('returns or throws ParseError on random text', () => {
    fc.assert(
      fc.property(randomText('0123456789abcdef:." []-rp\\\n'), (t) =>
        returnsOrThrowsParseError(() => parseLspciNnmm(t)),
      ),
      FUZZ_RUNS,
    );
  });

  it('returns or throws ParseError on mutated real listings', () => {
    fc.assert(
      fc.property(mutatedText(fixtures), (t) => returnsOrThrowsParseError(() => parseLspciNnmm(t))),
      FUZZ_RUNS,
    );
  });

  it('reads back any line formatted the way lspci -nnmm -D prints it', () => {
    fc.assert(
      fc.property(
        fc.record({
          cls: hex(4),
          vendor: hex(4),
          device: hex(4),
          sv: hex(4),
          sd: hex(4),
          rev: fc.option(hex(2)),
          vendorName: name,
          deviceName: name,
        }),
        (d) => {
          const line =
            `0000:3b:1f.7${quote(`Class [${d.cls}]`)}${quote(`${d.vendorName} [${d.vendor}]`)}${quote(`${d.deviceName} [${d.device}]`)}` +
            (d.rev === null ? '' : ` -r${d.rev}`) +
            `${quote(`Sub [${d.sv}]`)}${quote(`Subdev [${d.sd}]`)}`;
          const [entry] = parseLspciNnmm(line);
          return (
            entry !== undefined &&
            entry.classCode === d.cls &&
            entry.vendorId === d.vendor &&
            entry.deviceId === d.device &&
            entry.subsystemVendorId === d.sv &&
            entry.subsystemId === d.sd &&
            entry.revision === d.rev &&
            entry.vendorName === d.vendorName.trimEnd() &&
            entry.deviceName === d.deviceName.trimEnd()
          );
        },
      ),
      FUZZ_RUNS,
    );
  });
});
