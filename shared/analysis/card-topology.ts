// A GPU's own functions: those of its slot with its vendor ID, and those behind the card's own
// PCIe switch. An Intel Arc card (Alchemist, Battlemage) carries a switch: its upstream port, then
// one downstream port per function, so the VGA function and the HDMI audio function sit on two
// different buses (03:00.0 and 04:00.0) instead of one slot. On a live machine the sysfs topology
// (each device's parent bridge) says exactly what hangs off that switch; a pasted listing has no
// topology, so there it is inferred from the bus numbers Linux gives a switch, and said so. Only
// multimedia (audio) functions are taken: a second display function behind a switch is a second
// GPU (a dual-GPU card, or another card), which the user may want to pass on its own.
import type { PciDevice } from '../model/inventory';
import { PCI_BRIDGE_CLASS, isMultimediaClass } from '../model/pci-classes';

export interface CardSwitch {
  /** The switch's upstream port, a bridge of the card's own vendor. */
  upstream: string;
  /** The card's functions behind the switch that are not in the GPU's slot. */
  functions: string[];
  /** 'sysfs': seen in the parent bridges; 'listing': inferred from a listing's bus numbers. */
  source: 'sysfs' | 'listing';
}

const slotOf = (address: string) => address.slice(0, address.lastIndexOf('.'));
const isCardBridge = (d: PciDevice | undefined, gpu: PciDevice): d is PciDevice =>
  d !== undefined && d.classCode === PCI_BRIDGE_CLASS && d.vendorId === gpu.vendorId;

/** Parent bridges deeper than this are not a graphics card's; it also bounds a cyclic input. */
const MAX_DEPTH = 16;

function switchFromSysfs(pci: Map<string, PciDevice>, gpu: PciDevice): CardSwitch | null {
  const down = gpu.parentBridge === null ? undefined : pci.get(gpu.parentBridge);
  const up = down?.parentBridge == null ? undefined : pci.get(down.parentBridge);
  // The upstream port of a card's own switch hangs off a root port or another switch; a bridge
  // with no parent is a root port, which is the platform's, not the card's.
  if (!isCardBridge(down, gpu) || !isCardBridge(up, gpu) || up.parentBridge === null) return null;
  const behindUp = (d: PciDevice) => {
    let parent = d.parentBridge;
    for (let depth = 0; parent !== null && depth < MAX_DEPTH; depth++) {
      if (parent === up.address) return true;
      parent = pci.get(parent)?.parentBridge ?? null;
    }
    return false;
  };
  const functions = [...pci.values()]
    .filter(
      (d) =>
        slotOf(d.address) !== slotOf(gpu.address) &&
        d.vendorId === gpu.vendorId &&
        isMultimediaClass(d.classCode) &&
        behindUp(d),
    )
    .map((d) => d.address);
  return functions.length === 0 ? null : { upstream: up.address, functions, source: 'sysfs' };
}

const ADDRESS_PARTS = /^([0-9a-f]+):([0-9a-f]{2}):([0-9a-f]{2})\.[0-7]$/;

/** `0000:03:00.0` -> domain, bus and device number; bus -1 for what is not an address. */
function parts(address: string) {
  const m = ADDRESS_PARTS.exec(address);
  if (!m) return { domain: '', bus: -1, device: -1 };
  return { domain: m[1] ?? '', bus: parseInt(m[2] ?? '', 16), device: parseInt(m[3] ?? '', 16) };
}

/**
 * Linux numbers buses depth first: behind a switch whose upstream port sits alone on bus U, the
 * downstream ports share bus U+1 and each gets the next bus, U+2, U+3, ... So a GPU at device 0 of
 * bus G, with N bridges of its own vendor on one bus D below G (D+1 <= G <= D+N) and exactly one on
 * bus D-1 at device 0 (the upstream port; bus 0 is always a root bus), is behind its card's switch,
 * and the card's audio sits at device 0 of the other buses D+1..D+N.
 */
function switchFromListing(pci: Map<string, PciDevice>, gpu: PciDevice): CardSwitch | null {
  const g = parts(gpu.address);
  if (g.device !== 0) return null;
  const onBus = (bus: number) =>
    [...pci.values()].filter((d) => {
      const p = parts(d.address);
      return p.domain === g.domain && p.bus === bus;
    });
  for (let down = g.bus - 1; down >= 1 && down >= g.bus - 8; down--) {
    const downstream = onBus(down).filter((d) => isCardBridge(d, gpu));
    if (downstream.length === 0) continue;
    if (g.bus > down + downstream.length) return null;
    const upstream = onBus(down - 1).filter((d) => isCardBridge(d, gpu));
    const up = upstream[0];
    if (upstream.length !== 1 || !up || parts(up.address).device !== 0 || down - 1 === 0)
      return null;
    const functions: string[] = [];
    for (let bus = down + 1; bus <= down + downstream.length; bus++) {
      if (bus === g.bus) continue;
      for (const d of onBus(bus)) {
        if (
          d.vendorId === gpu.vendorId &&
          isMultimediaClass(d.classCode) &&
          parts(d.address).device === 0
        )
          functions.push(d.address);
      }
    }
    return functions.length === 0 ? null : { upstream: up.address, functions, source: 'listing' };
  }
  return null;
}

/** The GPU's own functions, and the switch that gave some of them, if any. `topology` says
 * whether the parent bridges are known (a machine) or not (a pasted listing). */
export function cardFunctions(
  pci: Map<string, PciDevice>,
  gpu: PciDevice,
  topology: 'sysfs' | 'listing',
): { own: string[]; cardSwitch: CardSwitch | null } {
  const slot = [...pci.values()]
    .filter((o) => slotOf(o.address) === slotOf(gpu.address) && o.vendorId === gpu.vendorId)
    .map((o) => o.address);
  const cardSwitch = topology === 'sysfs' ? switchFromSysfs(pci, gpu) : switchFromListing(pci, gpu);
  return { own: [...slot, ...(cardSwitch?.functions ?? [])], cardSwitch };
}
