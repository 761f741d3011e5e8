// `cohabit analyze FILE` on listings in the formats people post: the answer, and every line the
// parser did not read named on stderr with its number.
import { describe, expect, it } from 'vitest';
import { cli } from '../../test/helper/run-cli';

describe('cohabit analyze FILE', () => {
  it('passes an Arc card with the audio behind its own switch, and says it was inferred', async () => {
    const { code, out, err } = await cli(
      'analyze',
      'test/fixtures/iommu/arc-a310-battlemage-b50-proxmox.txt',
    );
    expect(code).toBe(0);
    expect(out).toMatch(/GPU 0000:09:00\.0 Intel Corporation DG2 \[Arc A310\] \(group 17\): OK/);
    expect(out).toMatch(/pass together: 0000:09:00\.0, 0000:0a:00\.0\n/);
    expect(out).toMatch(
      /0000:0a:00\.0 sits behind the PCIe switch of the card 0000:09:00\.0 \(upstream port 0000:07:00\.0\).*inferred from the bus numbers/,
    );
    expect(err).toMatch(/^note: line 1: not part of an IOMMU listing: "- `for d in/m);
    expect(err).toMatch(/^note: line 2: not part of an IOMMU listing: "- Ouput should be/m);
  });

  it('reads ls-iommu -grk output that used to come out as unreadable lines', async () => {
    const { code, out } = await cli(
      'analyze',
      'test/fixtures/iommu/ls-iommu-grk-amd-400-chipset.txt',
      '--json',
    );
    expect(code).toBe(0);
    const json = JSON.parse(out) as { usbControllers: Record<string, unknown>[] };
    expect(json.usbControllers[0]).toMatchObject({
      address: '0000:01:00.0',
      group: 12,
      passTogether: ['0000:01:00.0', '0000:01:00.1'],
      foreign: ['0000:01:00.1'],
      verdict: 'warn',
    });
  });
});
