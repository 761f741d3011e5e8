// Host -> Inventory: runs every reader (independent ones in parallel) and gathers their
// diagnostics. A reader that fails leaves its part empty with a reason; the rest still arrives.
import { diagnostic } from '../../shared/model/diagnostic';
import type { Inventory } from '../../shared/model/inventory';
import { INVENTORY_FORMAT } from '../../shared/model/inventory';
import type { Host } from '../host/host';
import { ReadContext } from './read-context';
import { readDisks } from './read-disks';
import { gpusFrom, readConnectedOutputs } from './read-gpus';
import { readIommu } from './read-iommu';
import { readOs } from './read-os';
import { readPciDevices } from './read-pci';
import {
  readBoot,
  readCmdline,
  readCpu,
  readMemory,
  readMounts,
  readNetwork,
  readVfio,
} from './read-system';
import { readUsbControllers } from './read-usb';
import { readZfs } from './read-zfs';
import { readGrubEnv } from './read-grub-env';

export async function readInventory(
  host: Host,
  options: { signal?: AbortSignal } = {},
): Promise<Inventory> {
  const ctx = new ReadContext(host, options.signal);
  const [pci, cmdline, cpu, memory, disks, zfs, outputs, network, mounts] = await Promise.all([
    readPciDevices(ctx),
    readCmdline(ctx),
    readCpu(ctx),
    readMemory(ctx),
    readDisks(ctx),
    readZfs(ctx),
    readConnectedOutputs(ctx),
    readNetwork(ctx),
    readMounts(ctx),
  ]);
  const [iommu, usb, boot, vfio] = await Promise.all([
    readIommu(ctx, pci, cmdline.args, cpu),
    readUsbControllers(ctx, pci),
    readBoot(ctx, cmdline),
    readVfio(ctx, pci),
  ]);
  const os = await readOs(ctx, { disks, mounts, boot });
  const grubEnv = await readGrubEnv(ctx);

  reportZfs(ctx, zfs);
  if (!iommu.enabled)
    ctx.report(
      diagnostic(
        'iommu.off',
        'warning',
        `The IOMMU is off: no device can be passed to a VM. ${iommu.reasons.join(' ')}`,
        {
          fix:
            cpu?.vendor === 'amd'
              ? 'Enable SVM and IOMMU (AMD-Vi) in the firmware setup; the kernel turns it on by itself.'
              : 'Enable VT-d in the firmware setup and add intel_iommu=on to boot.kernelParams.',
        },
      ),
    );
  if (cpu !== null && cpu.virtualization === null)
    ctx.report(
      diagnostic(
        'cpu.no-virtualization',
        'warning',
        'The CPU shows no vmx/svm flag: hardware virtualisation is off or absent, so VMs will be slow or refuse to start.',
        {
          fix: 'Enable Intel VT-x / AMD SVM in the firmware setup.',
        },
      ),
    );

  return {
    format: INVENTORY_FORMAT,
    pci,
    iommu,
    gpus: gpusFrom(pci, outputs),
    usb,
    disks,
    zfs,
    cpu,
    memory,
    boot,
    vfio,
    os,
    network,
    mounts,
    grubEnv,
    diagnostics: ctx.diagnostics,
  };
}

/** Without ZFS, or without a pool, there is nothing to plan into: said once, as information. */
function reportZfs(ctx: ReadContext, zfs: Inventory['zfs']): void {
  if (!zfs.available)
    ctx.report(
      diagnostic(
        'zfs.absent',
        'info',
        'No ZFS on this machine: there is no pool to add systems or VM volumes to.',
        {
          fix: 'On NixOS: boot.supportedFilesystems = [ "zfs" ]; then create a pool. Cohabit plans into an existing pool.',
        },
      ),
    );
  else if (zfs.pools.length === 0)
    ctx.report(diagnostic('zfs.no-pools', 'info', 'ZFS is installed but no pool is imported.'));
}
