// Disks and partitions from `lsblk -J -b -O`, with their /dev/disk/by-id names and the PCI
// controller each hangs off (which decides whether an IOMMU group can leave the host).
import type { BlockDevice } from '../../shared/model/inventory';
import { parseLsblkJson } from '../../shared/parse/lsblk';
import { LSBLK_ARGV } from './commands';
import { baseName, pciAddressesInPath } from './read-context';
import type { ReadContext } from './read-context';

const BY_ID = '/dev/disk/by-id';

function walk(
  devices: readonly BlockDevice[],
  visit: (d: BlockDevice, parent: BlockDevice | null) => void,
  parent: BlockDevice | null = null,
): void {
  for (const d of devices) {
    visit(d, parent);
    walk(d.children, visit, d);
  }
}

export async function readDisks(ctx: ReadContext): Promise<BlockDevice[]> {
  const out = await ctx.run(LSBLK_ARGV, {
    code: 'disks.lsblk',
    missingTool: 'disks and partitions cannot be listed (install util-linux).',
    severity: 'warning',
  });
  if (out === null) return [];
  const disks = ctx.parse('lsblk -J -b -O', 'disks.lsblk', () => parseLsblkJson(out));
  if (disks === null) return [];

  const ids = (await ctx.dir(BY_ID, { optional: true, code: 'disks.by-id' })) ?? [];
  const byTarget = new Map<string, string[]>();
  await Promise.all(
    ids.map(async (id) => {
      const target = await ctx.link(`${BY_ID}/${id}`);
      if (target === null) return;
      const kname = baseName(target);
      byTarget.set(kname, [...(byTarget.get(kname) ?? []), id].sort());
    }),
  );

  const controllers = new Map<string, string | null>();
  await Promise.all(
    disks
      .filter((d) => d.type === 'disk')
      .map(async (d) => {
        const target = await ctx.link(`/sys/block/${d.name}`);
        const chain = target === null ? [] : pciAddressesInPath(target);
        controllers.set(d.name, chain[chain.length - 1] ?? null);
      }),
  );

  walk(disks, (d, parent) => {
    d.byId = byTarget.get(d.name) ?? byTarget.get(baseName(d.path)) ?? [];
    d.pciController = parent === null ? (controllers.get(d.name) ?? null) : parent.pciController;
  });
  return disks;
}

/** Every block device in the tree, depth first. */
export function flattenBlockDevices(disks: readonly BlockDevice[]): BlockDevice[] {
  const all: BlockDevice[] = [];
  walk(disks, (d) => all.push(d));
  return all;
}
