// Fuzz tests: random and mutated listings give a value or a ParseError, never another error, and a
// group holding a duplicated address is never analysed as clean.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allIommuFixtures } from '../../test/fixtures/iommu/iommu-fixtures';
import { contextFromListing } from '../analysis/listing-context';
import { analyzePassthrough } from '../analysis/passthrough';
import { ParseError } from '../model/errors';
import { parseIommuListing } from './iommu-listing';

const fixtures = allIommuFixtures();

function parseOrParseError(text: string) {
  try {
    return parseIommuListing(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return null;
  }
}

/** Addresses placed in groups more than once. The unit spec shows the parser keeps every listed
 * occurrence in its group, so this sees every duplicate that is inside the listing. */
function duplicatedMembers(groups: { devices: string[] }[]): Set<string> {
  const count = new Map<string, number>();
  for (const g of groups) for (const a of g.devices) count.set(a, (count.get(a) ?? 0) + 1);
  return new Set([...count].filter(([, n]) => n > 1).map(([a]) => a));
}

const mutatedListing = fc
  .record({
    base: fc.constantFrom(...fixtures),
    ops: fc.array(
      fc.record({
        kind: fc.constantFrom('duplicate', 'delete', 'cut', 'swap', 'insert'),
        at: fc.nat(),
        to: fc.nat(),
        junk: fc.string({ maxLength: 40 }),
      }),
      { maxLength: 8 },
    ),
  })
  .map(({ base, ops }) => {
    const lines = base.split('\n');
    for (const op of ops) {
      if (lines.length === 0) break;
      const i = op.at % lines.length;
      const j = op.to % lines.length;
      const line = lines[i] ?? '';
      if (op.kind === 'duplicate') lines.splice(j, 0, line);
      else if (op.kind === 'delete') lines.splice(i, 1);
      else if (op.kind === 'cut') lines[i] = line.slice(0, op.to % (line.length + 1));
      else if (op.kind === 'swap') [lines[i], lines[j]] = [lines[j] ?? '', line];
      else lines.splice(i, 0, op.junk);
    }
    // CRLF on some runs: forum pastes come from Windows browsers too.
    return lines.join(ops.length % 3 === 0 ? '\r\n' : '\n');
  });

describe('parseIommuListing fuzz', () => {
  it('returns a value or throws ParseError on random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        parseOrParseError(text);
      }),
      { numRuns: 500 },
    );
  });

  it('returns a value or throws ParseError on random line soup made of listing pieces', () => {
    const piece = fc.constantFrom(
      'IOMMU Group 1:',
      'IOMMU group 99999999999',
      'Group 2:',
      '\t00:01.0 PCI bridge [0604]: Intel [8086:1901]',
      '01:00.0 VGA compatible controller [0300]: NVIDIA [10de:1c03] (rev a1)',
      'IOMMU Group 3 02:00.0 USB controller [0c03]: X [zzzz:1234]',
      '0000:ff:1f.7 Host bridge [0600]: Y [8086:2c70]',
      '\u001b[1;34mIOMMU Group 4:\u001b[0m',
      '[0;31mIOMMU GROUP 5 [0m',
      '[IOMMU 6] 03:00.0 VGA compatible controller [0300]: Intel DG2 [8086:56a0] (rev 08)',
      '(7) 04:00.0 Audio device [0403]: Intel DG2 Audio [8086:4f90]',
      'IOMMU Group  12: 0000:01:00.0 USB controller [0c03] AMD unknown [1022:43d0] (rev 01)',
      '        Kernel driver in use: xhci_hcd',
      'Group:  2   0000:00:01.1 PCI bridge [0604]: AMD GPP [1022:1483]   Driver: pcieport',
      '`IOMMU Group   0: 0000:00:02.0 VGA compatible controller [0300] Intel [8086:9a49]`',
      '### Group 8 ###',
      '\u001b]0;title\u0007\u001b[2K',
      '```',
      '...',
      '',
    );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(piece, fc.string({ maxLength: 20 })), { maxLength: 30 }),
        (ls) => {
          parseOrParseError(ls.join('\n'));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never calls a group with a duplicated address clean, whatever the mutation', () => {
    fc.assert(
      fc.property(mutatedListing, (text) => {
        const listing = parseOrParseError(text);
        if (!listing) return;
        const dups = duplicatedMembers(listing.groups);
        const members = new Map(listing.groups.map((g) => [g.id, g.devices]));
        const a = analyzePassthrough(contextFromListing(listing));
        for (const c of [...a.gpus, ...a.usbControllers, ...a.others]) {
          if (!c.clean) continue;
          for (const g of c.groupsInvolved) {
            for (const addr of members.get(g) ?? []) expect(dups.has(addr)).toBe(false);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
