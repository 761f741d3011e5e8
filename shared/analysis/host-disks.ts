// Which PCI controllers the host's own disks hang off: the root pool, /boot, the EFI system
// partition, every other imported pool and mounted disk. The passthrough analysis refuses a group
// holding one; the Machine view marks them host-critical with the same words.
import type { BlockDevice, Inventory } from '../model/inventory';
import type { Reason } from './passthrough-types';

/** Maps every name a block device is known by to the disk at the top of its tree. */
function diskIndex(disks: BlockDevice[]): Map<string, BlockDevice> {
  const index = new Map<string, BlockDevice>();
  const walk = (node: BlockDevice, top: BlockDevice) => {
    const names = [node.path, `/dev/${node.name}`, node.name, `/dev/mapper/${node.name}`];
    if (node.luksMapper) names.push(node.luksMapper, `/dev/mapper/${node.luksMapper}`);
    for (const id of node.byId) {
      const base = id.split('/').pop() ?? id;
      names.push(id, base, `/dev/disk/by-id/${base}`);
    }
    for (const n of names) if (!index.has(n)) index.set(n, top);
    for (const c of node.children) walk(c, top);
  };
  for (const d of disks) walk(d, d);
  return index;
}

function resolveDisk(index: Map<string, BlockDevice>, path: string): BlockDevice | undefined {
  const base = path.split('/').pop() ?? path;
  return (
    index.get(path) ??
    index.get(`/dev/${base}`) ??
    index.get(`/dev/mapper/${base}`) ??
    index.get(`/dev/disk/by-id/${base}`) ??
    index.get(base)
  );
}

/** The pool the running system's / lives on: the ZFS dataset mounted at /, else the mount table;
 * only when no / mount is known at all, the pool that names a bootfs. */
export function rootPoolName(inv: Inventory): string | null {
  const rootDataset = inv.zfs.datasets.find((d) => d.mountpoint === '/' && d.mounted !== false);
  if (rootDataset) return rootDataset.pool;
  const rootMount = inv.mounts.find((m) => m.target === '/');
  if (rootMount)
    return rootMount.fstype === 'zfs' ? (rootMount.source.split('/')[0] ?? null) : null;
  return inv.zfs.pools.find((p) => p.bootfs !== null)?.name ?? null;
}

export interface DiskControllerUse {
  /** controller address -> why the host needs it, most important first. */
  controllers: Map<string, string[]>;
  unresolved: Reason[];
}

export function diskControllerUse(inv: Inventory): DiskControllerUse {
  const controllers = new Map<string, string[]>();
  const unresolved: Reason[] = [];
  const index = diskIndex(inv.disks);
  const note = (disk: BlockDevice | undefined, what: string) => {
    if (!disk?.pciController) return;
    const why = `Controller of ${disk.name}, ${what}`;
    const reasons = controllers.get(disk.pciController) ?? [];
    if (!reasons.includes(why)) controllers.set(disk.pciController, [...reasons, why]);
  };
  const poolDevices = (poolName: string, what: string) => {
    const pool = inv.zfs.pools.find((p) => p.name === poolName);
    for (const path of pool?.devices ?? []) {
      const disk = resolveDisk(index, path);
      if (disk) note(disk, what);
      else if (!unresolved.some((r) => r.message.startsWith(`${path} of pool ${poolName} `)))
        unresolved.push({
          code: 'info.unresolved-pool-device',
          severity: 'info',
          message: `${path} of pool ${poolName} matches no disk; its controller could not be checked`,
          devices: [],
        });
    }
  };
  const rootPool = rootPoolName(inv);
  const rootMount = inv.mounts.find((m) => m.target === '/');
  if (rootPool) poolDevices(rootPool, `which holds the root pool ${rootPool}`);
  else if (rootMount) note(resolveDisk(index, rootMount.source), 'the root disk');
  for (const m of inv.mounts) {
    const isEsp = m.fstype === 'vfat' || m.target === '/boot/efi' || m.target === '/efi';
    if (m.target !== '/boot' && !isEsp) continue;
    const what = isEsp ? `the EFI system partition (${m.target})` : '/boot';
    if (m.fstype === 'zfs') {
      const pool = m.source.split('/')[0];
      if (pool) poolDevices(pool, `which holds ${what} in the pool ${pool}`);
    } else note(resolveDisk(index, m.source), `which holds ${what}`);
  }
  // Any other imported pool or mounted filesystem would vanish from under the host as well.
  for (const pool of inv.zfs.pools)
    if (pool.name !== rootPool) poolDevices(pool.name, `which holds the pool ${pool.name}`);
  const mountedUnder = (d: BlockDevice): string[] => [
    ...d.mountpoints,
    ...d.children.flatMap(mountedUnder),
  ];
  for (const disk of inv.disks) {
    const mounted = mountedUnder(disk);
    if (mounted.length > 0) note(disk, `mounted at ${mounted.join(', ')}`);
  }
  return { controllers, unresolved };
}

/**
 * The PCI controllers the host's own disks hang off, each with why in plain words, most important
 * first: the root pool's disks (or the root disk), /boot and the EFI system partition, then every
 * other imported pool and mounted disk. The passthrough analysis refuses a group holding one; the
 * Machine view marks them host-critical with the same words.
 */
export function hostDiskControllers(inv: Inventory): Map<string, string[]> {
  return diskControllerUse(inv).controllers;
}
