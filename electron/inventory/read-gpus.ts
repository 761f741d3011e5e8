// GPUs (PCI classes 0300, 0302, 0380), their own functions, and which one drives the display:
// boot_vga from the firmware plus the DRM connectors that have a monitor attached.
import type { Gpu, PciDevice } from '../../shared/model/inventory';
import { GPU_CLASSES } from '../../shared/model/pci-classes';
import { baseName } from './read-context';
import type { ReadContext } from './read-context';

const DRM_DIR = '/sys/class/drm';
const CARD = /^card(\d+)$/;
const CONNECTOR = /^(card\d+)-(.+)$/;

/** The GPU's own functions: its slot's functions with the GPU's vendor (VGA, HDMI audio, USB-C, UCSI). */
export function ownFunctions(gpu: PciDevice, pci: readonly PciDevice[]): string[] {
  return pci
    .filter((d) => d.slot === gpu.slot && d.vendorId === gpu.vendorId)
    .map((d) => d.address)
    .sort();
}

export async function readConnectedOutputs(ctx: ReadContext): Promise<Map<string, string[]>> {
  const byAddress = new Map<string, string[]>();
  const entries = await ctx.dir(DRM_DIR, { optional: true, code: 'gpu.drm' });
  if (entries === null) return byAddress;
  const cards = entries.filter((e) => CARD.test(e));
  const cardAddress = new Map<string, string>();
  await Promise.all(
    cards.map(async (card) => {
      const target = await ctx.link(`${DRM_DIR}/${card}/device`);
      if (target !== null) cardAddress.set(card, baseName(target));
    }),
  );
  await Promise.all(
    entries.map(async (entry) => {
      const m = CONNECTOR.exec(entry);
      if (!m?.[1] || !m[2]) return;
      const address = cardAddress.get(m[1]);
      if (address === undefined) return;
      const status = await ctx.attr(`${DRM_DIR}/${entry}/status`);
      if (status === 'connected')
        byAddress.set(address, [...(byAddress.get(address) ?? []), m[2]].sort());
    }),
  );
  return byAddress;
}

export function gpusFrom(pci: readonly PciDevice[], outputs: ReadonlyMap<string, string[]>): Gpu[] {
  const gpus = pci.filter((d) => GPU_CLASSES.has(d.classCode));
  const anyBootVga = gpus.some((g) => g.bootVga === true);
  return gpus.map((g) => {
    const connectedOutputs = outputs.get(g.address) ?? [];
    return {
      address: g.address,
      vendorId: g.vendorId,
      name: `${g.vendorName} ${g.deviceName}`,
      functions: ownFunctions(g, pci),
      bootVga: g.bootVga === true,
      connectedOutputs,
      // A monitor on any output means the host uses it; without boot_vga anywhere (some
      // firmware never sets it), a lone GPU with a driver is the display.
      drivesDisplay:
        g.bootVga === true ||
        connectedOutputs.length > 0 ||
        (!anyBootVga && gpus.length === 1 && g.driver !== null && g.driver !== 'vfio-pci'),
      driver: g.driver,
    };
  });
}
