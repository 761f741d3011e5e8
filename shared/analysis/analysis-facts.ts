// The facts the passthrough analysis computes once per context and shares between every candidate:
// devices by address, group membership, the reasons that hold for every device (IOMMU off, ACS
// override) and the checks the source cannot support. Built once per context and memoised, and
// the context itself is built once per inventory (machineAnalysisContext), so that the app's live
// validation, the planner and the Machine view do not rebuild them on every call.
import type { Inventory, PciDevice } from '../model/inventory';
import { diskControllerUse } from './host-disks';
import type { AnalysisContext, Reason } from './passthrough-types';

export interface AnalysisFacts {
  ctx: AnalysisContext;
  pci: Map<string, PciDevice>;
  /** address -> every group the source puts it in (normally exactly one). */
  groupsOf: Map<string, number[]>;
  members: Map<number, string[]>;
  untrusted: Set<number>;
  /** controller address -> why the host needs it (root pool, /boot, ESP, other pools, mounts). */
  diskControllers: Map<string, string[]>;
  global: Reason[];
  checksNotMade: { code: string; message: string }[];
}

/** The first group the source puts an address in (the only one, unless the source is wrong). */
export const groupOf = (f: AnalysisFacts, address: string): number | undefined =>
  (f.groupsOf.get(address) ?? [])[0];

/** Group membership from the groups, then from each device's own group for devices the groups do
 * not list; an address listed twice makes every group it is listed in untrustworthy. */
function membership(ctx: AnalysisContext) {
  const inv = ctx.inventory;
  const groupsOf = new Map<string, number[]>();
  const members = new Map<number, string[]>();
  const untrusted = new Set(ctx.untrustedGroups ?? []);
  const seenIn = new Map<string, number>();
  for (const g of inv.iommu.groups) {
    const m = members.get(g.id) ?? [];
    members.set(g.id, m);
    for (const a of g.devices) {
      m.push(a);
      const gs = groupsOf.get(a) ?? [];
      gs.push(g.id);
      groupsOf.set(a, gs);
      const first = seenIn.get(a);
      if (first !== undefined) {
        untrusted.add(first);
        untrusted.add(g.id);
      } else seenIn.set(a, g.id);
    }
  }
  for (const d of inv.pci) {
    if (!groupsOf.has(d.address) && d.iommuGroup !== null) {
      groupsOf.set(d.address, [d.iommuGroup]);
      const m = members.get(d.iommuGroup) ?? [];
      m.push(d.address);
      members.set(d.iommuGroup, m);
    }
  }
  return { groupsOf, members, untrusted };
}

/** Reasons that hold for every device of the machine. */
function globalReasons(ctx: AnalysisContext): Reason[] {
  const iommu = ctx.inventory.iommu;
  const global: Reason[] = [];
  if (!iommu.enabled) {
    // Without an IOMMU, vfio-pci cannot give a device to a VM at all (the type1 backend needs it,
    // and no-IOMMU mode gives no isolation), so this refuses rather than warns.
    global.push({
      code: 'refuse.iommu-off',
      severity: 'refuse',
      message: 'The IOMMU is off: no device can be passed to a VM.',
      devices: [],
      fix: 'Enable VT-d (Intel) or AMD-Vi/IOMMU in the firmware settings; on Intel also add intel_iommu=on to the kernel command line.',
    });
  }
  if (iommu.acsOverride) {
    global.push({
      code: 'warn.acs-override',
      severity: 'warn',
      message:
        'pcie_acs_override is on the kernel command line: the groups shown are what the patch claims, not what the hardware isolates.',
      devices: [],
      fix: 'Devices that really share a group can still reach each other; prefer a slot or firmware option that gives real isolation.',
    });
  }
  if (ctx.facts.sysfs && iommu.enabled && iommu.interruptRemapping === 'off') {
    global.push({
      code: 'warn.interrupt-remapping-off',
      severity: 'warn',
      message:
        'Interrupt remapping is off: vfio refuses to assign devices unless unsafe interrupts are allowed.',
      devices: [],
      fix: 'Enable interrupt remapping in the firmware (often part of VT-d/IOMMU settings).',
    });
  }
  return global;
}

/** What the source cannot tell, so that the answer never claims those checks passed. */
function checksNotMade(facts: AnalysisContext['facts']): { code: string; message: string }[] {
  const out: { code: string; message: string }[] = [];
  if (!facts.sysfs) {
    out.push(
      { code: 'boot-vga', message: 'which GPU drives the host display (boot_vga)' },
      { code: 'reset-method', message: 'whether each device can be reset (reset_method)' },
      { code: 'drivers', message: 'which driver each device is using' },
      {
        code: 'iommu-state',
        message: 'the kernel command line: IOMMU mode, interrupt remapping, pcie_acs_override',
      },
    );
  }
  if (!facts.disks)
    out.push({
      code: 'disk-controllers',
      message: 'which controllers hold the root pool, /boot and EFI disks',
    });
  if (!facts.network)
    out.push({
      code: 'default-route-nic',
      message: 'which network card carries the default route',
    });
  if (!facts.usb)
    out.push({
      code: 'input-usb',
      message: 'which USB controller the keyboard and mouse in use hang off',
    });
  return out;
}

function buildFacts(ctx: AnalysisContext): AnalysisFacts {
  const inv = ctx.inventory;
  const global = globalReasons(ctx);
  let diskControllers = new Map<string, string[]>();
  if (ctx.facts.disks) {
    const use = diskControllerUse(inv);
    diskControllers = use.controllers;
    global.push(...use.unresolved);
  }
  return {
    ctx,
    pci: new Map(inv.pci.map((d) => [d.address, d])),
    ...membership(ctx),
    diskControllers,
    global,
    checksNotMade: checksNotMade(ctx.facts),
  };
}

// Keyed by the context object: a caller that builds a new context (a new inventory, a pasted
// listing) gets new facts, and one that keeps its context reuses them.
const factsByContext = new WeakMap<AnalysisContext, AnalysisFacts>();

export function analysisFacts(ctx: AnalysisContext): AnalysisFacts {
  let facts = factsByContext.get(ctx);
  if (!facts) {
    facts = buildFacts(ctx);
    factsByContext.set(ctx, facts);
  }
  return facts;
}

const contextsByInventory = new WeakMap<
  Inventory,
  { headless?: AnalysisContext; kept?: AnalysisContext }
>();

/**
 * The analysis context of an inventory read from a machine (every fact known), one per inventory
 * and headless choice, so that its facts are computed once. Inventories are values: a new reading
 * is a new object, so a kept context never describes an older machine state.
 */
export function machineAnalysisContext(
  inventory: Inventory,
  options: { hostHeadless: boolean },
): AnalysisContext {
  const slot = contextsByInventory.get(inventory) ?? {};
  contextsByInventory.set(inventory, slot);
  const key = options.hostHeadless ? 'headless' : 'kept';
  let ctx = slot[key];
  if (!ctx) {
    ctx = {
      inventory,
      facts: { sysfs: true, disks: true, usb: true, network: true },
      hostHeadless: options.hostHeadless,
    };
    slot[key] = ctx;
  }
  return ctx;
}
