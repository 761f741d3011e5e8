// Tests for a card's own functions behind its own PCIe switch (Intel Arc), on a real listing with
// an Arc Pro B50 (Battlemage) and an Arc A310 (Alchemist), inferred from the listing's bus numbers
// and then seen in a sysfs topology built to the same bus layout.
import { describe, expect, it } from 'vitest';
import { allIommuFixtures, iommuFixture } from '../../test/fixtures/iommu/iommu-fixtures';
import { parseIommuListing } from '../parse/iommu-listing';
import { contextFromListing } from './listing-context';
import { analyzePassthrough, type AnalysisContext, type PassthroughCandidate } from './passthrough';

const ARC = 'arc-a310-battlemage-b50-proxmox.txt';
const full = (...xs: string[]) => xs.map((x) => `0000:${x}`);
const gpu = (ctx: AnalysisContext, short: string): PassthroughCandidate => {
  const c = analyzePassthrough(ctx).gpus.find((g) => g.address === `0000:${short}`);
  if (!c) throw new Error(`no GPU ${short}`);
  return c;
};
const switchReason = (c: PassthroughCandidate) =>
  c.reasons.find((r) => r.code === 'info.card-switch');

/** The real listing with the parent bridges a live machine's sysfs would give (the bus numbers
 * are the kernel's: upstream port, downstream ports on the next bus, one bus per function). */
function withTopology(parents: Record<string, string>): AnalysisContext {
  const ctx = contextFromListing(parseIommuListing(iommuFixture(ARC)));
  for (const d of ctx.inventory.pci) d.parentBridge = parents[d.address] ?? null;
  return { ...ctx, facts: { ...ctx.facts, sysfs: true } };
}
const ARC_TOPOLOGY: Record<string, string> = {
  '0000:01:00.0': '0000:00:01.1',
  '0000:02:01.0': '0000:01:00.0',
  '0000:02:02.0': '0000:01:00.0',
  '0000:03:00.0': '0000:02:01.0',
  '0000:04:00.0': '0000:02:02.0',
  '0000:05:00.0': '0000:00:02.1',
  '0000:06:00.0': '0000:05:00.0',
  '0000:07:00.0': '0000:06:00.0',
  '0000:08:01.0': '0000:07:00.0',
  '0000:08:04.0': '0000:07:00.0',
  '0000:09:00.0': '0000:08:01.0',
  '0000:0a:00.0': '0000:08:04.0',
  '0000:06:08.0': '0000:05:00.0',
  '0000:0b:00.0': '0000:06:08.0',
  '0000:0c:00.0': '0000:0b:00.0',
};

describe('a card behind its own switch, from a pasted listing', () => {
  const ctx = contextFromListing(parseIommuListing(iommuFixture(ARC)));

  it('Arc Pro B50: the audio on bus 04 in group 15 is the card own, and goes too', () => {
    const b50 = gpu(ctx, '03:00.0');
    expect(b50).toMatchObject({
      ownFunctions: full('03:00.0', '04:00.0'),
      passTogether: full('03:00.0', '04:00.0'),
      foreign: [],
      clean: true,
      vfioIds: ['8086:e212', '8086:e2f7'],
      groupsInvolved: [14, 15],
      verdict: 'ok',
    });
    expect(switchReason(b50)).toMatchObject({
      severity: 'info',
      devices: full('04:00.0'),
      message: expect.stringContaining('inferred from the bus numbers') as string,
      fix: expect.stringContaining('lspci -tv') as string,
    });
    expect(switchReason(b50)?.message).toContain('upstream port 0000:01:00.0');
  });

  it('Arc A310 behind the chipset: its audio is not foreign, the chipset port stays', () => {
    const a310 = gpu(ctx, '09:00.0');
    expect(a310).toMatchObject({
      ownFunctions: full('09:00.0', '0a:00.0'),
      passTogether: full('09:00.0', '0a:00.0'),
      foreign: [],
      clean: true,
      verdict: 'ok',
    });
    expect(switchReason(a310)?.message).toContain('upstream port 0000:07:00.0');
  });

  it('leaves the ASPEED behind its own-vendor bridge and the APU alone', () => {
    expect(switchReason(gpu(ctx, '0c:00.0'))).toBeUndefined();
    expect(gpu(ctx, '0c:00.0').ownFunctions).toEqual(full('0c:00.0'));
    expect(gpu(ctx, '12:00.0').ownFunctions).toEqual(full('12:00.0'));
  });

  it('takes no second display function from bus numbers alone (it may be another card)', () => {
    const text = iommuFixture(ARC).replace(
      '04:00.0 Audio device [0403]: Intel Corporation Device [8086:e2f7]',
      '04:00.0 Display controller [0380]: Intel Corporation Device [8086:e2f7]',
    );
    const b50 = gpu(contextFromListing(parseIommuListing(text)), '03:00.0');
    expect(b50.ownFunctions).toEqual(full('03:00.0'));
    expect(switchReason(b50)).toBeUndefined();
  });

  it('infers no switch on any other real listing (NVIDIA, AMD Navi, APUs)', () => {
    for (const text of allIommuFixtures()) {
      if (text === iommuFixture(ARC)) continue;
      const a = analyzePassthrough(contextFromListing(parseIommuListing(text)));
      for (const c of a.gpus) expect(switchReason(c)).toBeUndefined();
    }
  });
});

describe('a card behind its own switch, from the sysfs topology', () => {
  it('says it was seen in sysfs and takes exactly what hangs off the upstream port', () => {
    const ctx = withTopology(ARC_TOPOLOGY);
    const b50 = gpu(ctx, '03:00.0');
    expect(b50.ownFunctions).toEqual(full('03:00.0', '04:00.0'));
    expect(switchReason(b50)?.message).toContain('seen in the sysfs topology');
    expect(switchReason(b50)?.fix).toBeUndefined();
    expect(gpu(ctx, '09:00.0').ownFunctions).toEqual(full('09:00.0', '0a:00.0'));
  });

  it('trusts the topology over the bus numbers: audio under another port is not the card own', () => {
    // The same bus numbers, but sysfs puts 04:00.0 under the platform's root port.
    const ctx = withTopology({ ...ARC_TOPOLOGY, '0000:04:00.0': '0000:00:01.1' });
    const b50 = gpu(ctx, '03:00.0');
    expect(b50.ownFunctions).toEqual(full('03:00.0'));
    expect(switchReason(b50)).toBeUndefined();
  });

  it('takes no second GPU behind the switch (a dual-GPU card passes one GPU at a time)', () => {
    const ctx = withTopology(ARC_TOPOLOGY);
    const audio = ctx.inventory.pci.find((d) => d.address === '0000:04:00.0');
    if (audio) Object.assign(audio, { classCode: '0380', className: 'Display controller' });
    expect(gpu(ctx, '03:00.0').ownFunctions).toEqual(full('03:00.0'));
  });

  it('does not take a root port for the card switch', () => {
    // The upstream port with no parent is a root port: the platform's, not the card's.
    const { ['0000:01:00.0']: _root, ...rest } = ARC_TOPOLOGY;
    const ctx = withTopology(rest);
    expect(gpu(ctx, '03:00.0').ownFunctions).toEqual(full('03:00.0'));
  });
});
