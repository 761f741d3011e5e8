// Passthrough analysis: for each GPU, USB controller and other PCI endpoint, what must go to a VM
// with it, whether that is safe for the host, and why (DESIGN.md section 7). Pure: Inventory in.
import type { BlockDevice, Inventory, PciDevice } from '../model/inventory';

export interface AnalysisContext {
  inventory: Inventory;
  /** Which checks could be made: a listing lacks sysfs facts. */
  facts: { sysfs: boolean; disks: boolean; usb: boolean; network: boolean };
  hostHeadless: boolean;
  /** Groups whose membership the source does not tell for sure (e.g. a pasted listing that lists
   * an address twice or has a cut line); they are never called clean. */
  untrustedGroups?: number[];
}

export interface Reason {
  code: string;
  severity: 'refuse' | 'warn' | 'info';
  message: string;
  devices: string[];
  fix?: string;
}

export interface PassthroughCandidate {
  address: string;
  /** The device's name as the source gives it, for display. */
  name: string;
  kind: 'gpu' | 'usb' | 'other';
  group: number | null;
  /** Every endpoint to bind to vfio-pci, sorted. */
  passTogether: string[];
  ownFunctions: string[];
  foreign: string[];
  clean: boolean;
  vfioIds: string[];
  bindByAddress: boolean;
  verdict: 'ok' | 'warn' | 'refuse';
  reasons: Reason[];
  groupsInvolved: number[];
}

export interface PassthroughAnalysis {
  groups: number;
  devices: number;
  gpus: PassthroughCandidate[];
  usbControllers: PassthroughCandidate[];
  others: PassthroughCandidate[];
  checksNotMade: { code: string; message: string }[];
  global: Reason[];
}

/** Host bridges and PCI bridges stay with the host; vfio-pci does not need them. */
const HOST_SIDE_CLASSES = new Set(['0600', '0604']);
const REFUSED_CLASSES: Record<string, { code: string; what: string }> = {
  '0601': { code: 'refuse.isa-bridge', what: 'ISA/LPC bridge' },
  '0c05': { code: 'refuse.smbus', what: 'SMBus controller' },
  '0500': { code: 'refuse.memory-controller', what: 'memory controller' },
  '0580': { code: 'refuse.memory-controller', what: 'memory controller' },
};
const FIX_GROUP =
  'Move the card to another slot (one wired to the CPU), look for an ACS option in the firmware, or choose another device.';

const isGpu = (d: PciDevice) => d.classCode.startsWith('03');
const isUsb = (d: PciDevice) => d.classCode === '0c03';
const isEndpoint = (d: PciDevice) => !HOST_SIDE_CLASSES.has(d.classCode);
const idOf = (d: PciDevice) => `${d.vendorId}:${d.deviceId}`;
const byAddress = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const uniqSorted = (xs: Iterable<string>) => [...new Set(xs)].sort(byAddress);
const list = (xs: string[]) => xs.join(', ');

/** Facts computed once per context and shared by every candidate. */
interface Facts {
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

function label(f: Facts, address: string): string {
  const d = f.pci.get(address);
  return d ? `the ${d.className} ${address}` : `the unknown device ${address}`;
}

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

interface DiskControllerUse {
  /** controller address -> why the host needs it, most important first. */
  controllers: Map<string, string[]>;
  unresolved: Reason[];
}

function diskControllerUse(inv: Inventory): DiskControllerUse {
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

function buildFacts(ctx: AnalysisContext): Facts {
  const inv = ctx.inventory;
  const pci = new Map(inv.pci.map((d) => [d.address, d]));
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
      // An address listed twice makes every group it is listed in untrustworthy.
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

  const global: Reason[] = [];
  const checksNotMade: { code: string; message: string }[] = [];
  const iommu = inv.iommu;
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
  if (!ctx.facts.sysfs) {
    checksNotMade.push(
      { code: 'boot-vga', message: 'which GPU drives the host display (boot_vga)' },
      { code: 'reset-method', message: 'whether each device can be reset (reset_method)' },
      { code: 'drivers', message: 'which driver each device is using' },
      {
        code: 'iommu-state',
        message: 'the kernel command line: IOMMU mode, interrupt remapping, pcie_acs_override',
      },
    );
  }
  if (!ctx.facts.disks)
    checksNotMade.push({
      code: 'disk-controllers',
      message: 'which controllers hold the root pool, /boot and EFI disks',
    });
  if (!ctx.facts.network)
    checksNotMade.push({
      code: 'default-route-nic',
      message: 'which network card carries the default route',
    });
  if (!ctx.facts.usb)
    checksNotMade.push({
      code: 'input-usb',
      message: 'which USB controller the keyboard and mouse in use hang off',
    });

  let diskControllers = new Map<string, string[]>();
  if (ctx.facts.disks) {
    const use = diskControllerUse(inv);
    diskControllers = use.controllers;
    global.push(...use.unresolved);
  }
  return { ctx, pci, groupsOf, members, untrusted, diskControllers, global, checksNotMade };
}

/** A GPU's own functions: the functions of its slot with its vendor ID. */
function ownFunctionsOf(f: Facts, d: PciDevice): string[] {
  if (!isGpu(d)) return [d.address];
  const slotOf = (a: string) => a.slice(0, a.lastIndexOf('.'));
  const slot = slotOf(d.address);
  return [...f.pci.values()]
    .filter((o) => slotOf(o.address) === slot && o.vendorId === d.vendorId)
    .map((o) => o.address);
}

function analyze(f: Facts, addresses: string[]): PassthroughCandidate {
  const ctx = f.ctx;
  const inv = ctx.inventory;
  const reasons: Reason[] = [...f.global];
  const selected = uniqSorted(addresses);
  const known = selected.map((a) => f.pci.get(a)).filter((d): d is PciDevice => d !== undefined);
  const unknown = selected.filter((a) => !f.pci.has(a));
  if (unknown.length > 0) {
    reasons.push({
      code: 'refuse.unknown-device',
      severity: 'refuse',
      message: `${list(unknown)} is not a PCI device of this machine`,
      devices: unknown,
    });
  }

  const own = uniqSorted(known.flatMap((d) => ownFunctionsOf(f, d)));
  const groupsInvolved = [...new Set(own.flatMap((a) => f.groupsOf.get(a) ?? []))].sort(
    (a, b) => a - b,
  );
  const noGroup = own.filter((a) => (f.groupsOf.get(a) ?? []).length === 0);
  if (noGroup.length > 0 && inv.iommu.enabled) {
    reasons.push({
      code: 'refuse.no-group',
      severity: 'refuse',
      message: `${list(noGroup)} is in no IOMMU group, so vfio-pci cannot take it`,
      devices: noGroup,
      fix: 'Check that the IOMMU covers this device (firmware settings, kernel messages).',
    });
  }
  const inGroups = groupsInvolved.flatMap((g) => f.members.get(g) ?? []);
  const passTogether = uniqSorted(
    [...own, ...inGroups].filter((a) => {
      const d = f.pci.get(a);
      return d === undefined || isEndpoint(d);
    }),
  );
  const ownSet = new Set(own);
  const foreign = passTogether.filter((a) => !ownSet.has(a));
  const untrustedHere = groupsInvolved.filter((g) => f.untrusted.has(g));
  if (untrustedHere.length > 0) {
    reasons.push({
      code: 'refuse.untrusted-group',
      severity: 'refuse',
      message: `the source lists group ${untrustedHere.join(', ')} inconsistently (a device twice, or a line cut short), so what goes with ${list(selected)} is not known`,
      devices: [],
      fix: 'Take the listing again from the machine in one piece.',
    });
  }
  const clean = foreign.length === 0 && untrustedHere.length === 0 && unknown.length === 0;

  const groupOf = (a: string) => (f.groupsOf.get(a) ?? [])[0];
  const splitOwn = own.filter((a) => groupOf(a) !== groupOf(selected[0] ?? ''));
  if (splitOwn.length > 0 && known.some(isGpu)) {
    reasons.push({
      code: 'info.functions-in-other-groups',
      severity: 'info',
      message: `${list(splitOwn)} belong to the same card but sit in group ${list(splitOwn.map((a) => String(groupOf(a))))}; they go too, with everything in their groups`,
      devices: splitOwn,
    });
  }
  const unknownMembers = foreign.filter((a) => !f.pci.has(a));
  const knownForeign = foreign.filter((a) => f.pci.has(a));
  if (knownForeign.length > 0) {
    const byGroup = new Map<number, string[]>();
    for (const a of knownForeign) {
      const g = groupOf(a) ?? -1;
      byGroup.set(g, [...(byGroup.get(g) ?? []), a]);
    }
    const parts = [...byGroup].map(
      ([g, xs]) => `group ${g} also holds ${xs.map((a) => label(f, a)).join(', ')}`,
    );
    reasons.push({
      code: 'warn.foreign-devices',
      severity: 'warn',
      message: `${parts.join('; ')}: they would leave the host together with ${list(selected)}`,
      devices: knownForeign,
      fix: FIX_GROUP,
    });
  }
  if (unknownMembers.length > 0) {
    reasons.push({
      code: 'warn.unknown-device',
      severity: 'warn',
      message: `${list(unknownMembers)} is in the same group but the source does not say what it is`,
      devices: unknownMembers,
    });
  }

  // Devices the host cannot give away, by class.
  for (const a of passTogether) {
    const d = f.pci.get(a);
    const rule = d ? REFUSED_CLASSES[d.classCode] : undefined;
    if (!d || !rule) continue;
    reasons.push({
      code: rule.code,
      severity: 'refuse',
      message: `group ${groupOf(a)} holds the ${rule.what} ${a} (${d.deviceName}); the host needs it and it cannot be given to a VM`,
      devices: [a],
      fix: FIX_GROUP,
    });
  }

  if (ctx.facts.sysfs) {
    const bootVga = passTogether.filter((a) => {
      const gpu = inv.gpus.find((g) => g.address === a);
      return f.pci.get(a)?.bootVga === true || gpu?.bootVga === true || gpu?.drivesDisplay === true;
    });
    if (bootVga.length > 0) {
      if (ctx.hostHeadless) {
        reasons.push({
          code: 'info.host-headless',
          severity: 'info',
          message: `${list(bootVga)} drives the host display; the layout says the host goes headless, so it may go`,
          devices: bootVga,
        });
      } else {
        reasons.push({
          code: 'refuse.boot-vga',
          severity: 'refuse',
          message: `${list(bootVga)} drives the host display (boot_vga); giving it away leaves the host with a black screen`,
          devices: bootVga,
          fix: 'Drive the host display from another GPU (set it as primary in the firmware), or mark the host as headless in the layout.',
        });
      }
    }
    const noReset = passTogether.filter((a) => {
      const r = f.pci.get(a)?.resetMethods;
      return r !== undefined && r !== null && r.length === 0;
    });
    if (noReset.length > 0) {
      reasons.push({
        code: 'warn.no-reset',
        severity: 'warn',
        message: `${list(noReset)} has no reset method; after the VM stops it may stay unusable until the host reboots`,
        devices: noReset,
        fix: 'Expect to reboot the host between VM runs, or use a card with a working reset.',
      });
    }
    const resetUnknown = passTogether.filter((a) => f.pci.get(a)?.resetMethods === null);
    if (resetUnknown.length > 0) {
      reasons.push({
        code: 'info.reset-unknown',
        severity: 'info',
        message: `the kernel does not say whether ${list(resetUnknown)} can be reset; that check could not be made`,
        devices: resetUnknown,
      });
    }
    const displayInUse = passTogether.filter((a) => {
      const gpu = inv.gpus.find((g) => g.address === a);
      // A refused boot GPU needs no second reason; when the host goes headless it does.
      const refused = !ctx.hostHeadless && bootVga.includes(a);
      return (
        !refused &&
        gpu !== undefined &&
        gpu.connectedOutputs.length > 0 &&
        gpu.driver !== null &&
        gpu.driver !== 'vfio-pci'
      );
    });
    if (displayInUse.length > 0) {
      reasons.push({
        code: 'warn.host-driver',
        severity: 'warn',
        message: displayInUse
          .map((a) => {
            const gpu = inv.gpus.find((g) => g.address === a);
            return `${a} is driven by ${gpu?.driver ?? '?'} with a display attached (${gpu?.connectedOutputs.join(', ') ?? ''})`;
          })
          .join('; '),
        devices: displayInUse,
        fix: 'Move the displays to the GPU that stays with the host before binding this one to vfio-pci.',
      });
    }
  }

  if (ctx.facts.disks) {
    for (const a of passTogether) {
      const why = f.diskControllers.get(a)?.[0];
      if (!why) continue;
      reasons.push({
        code: 'refuse.host-disk-controller',
        severity: 'refuse',
        message: `group ${groupOf(a)} also holds ${label(f, a)} (${why}); the host would lose its own disks`,
        devices: [a],
        fix: FIX_GROUP,
      });
    }
  }
  if (ctx.facts.network) {
    const nic = inv.network.defaultRouteDevice;
    if (nic && passTogether.includes(nic)) {
      reasons.push({
        code: 'refuse.default-route-nic',
        severity: 'refuse',
        message: `group ${groupOf(nic)} holds ${label(f, nic)}, which carries the default route (${inv.network.defaultRouteInterface ?? '?'}); the host would go offline`,
        devices: [nic],
        fix: FIX_GROUP,
      });
    }
  }
  if (ctx.facts.usb) {
    for (const c of inv.usb) {
      if (!passTogether.includes(c.address) || !(c.hasKeyboard || c.hasMouse)) continue;
      const what =
        c.hasKeyboard && c.hasMouse ? 'keyboard and mouse' : c.hasKeyboard ? 'keyboard' : 'mouse';
      reasons.push({
        code: 'refuse.input-usb-controller',
        severity: 'refuse',
        message: `the USB controller ${c.address} has the host's ${what} on it; the host would lose its input`,
        devices: [c.address],
        fix: 'Plug the keyboard and mouse into ports of another controller, or pass a different controller.',
      });
    }
  }

  // IDs that also belong to a device staying with the host: vfio-pci.ids would grab it too.
  const passSet = new Set(passTogether);
  const vfioIds = [
    ...new Set(
      passTogether
        .map((a) => f.pci.get(a))
        .filter((d) => d !== undefined)
        .map(idOf),
    ),
  ];
  const idSet = new Set(vfioIds);
  const sharing = [...f.pci.values()]
    .filter((d) => !passSet.has(d.address) && idSet.has(idOf(d)))
    .map((d) => d.address)
    .sort(byAddress);
  const bindByAddress = sharing.length > 0;
  if (bindByAddress) {
    const ids = [
      ...new Set(
        sharing.flatMap((a) => {
          const d = f.pci.get(a);
          return d ? [idOf(d)] : [];
        }),
      ),
    ];
    reasons.push({
      code: 'warn.shared-id',
      severity: 'warn',
      message: `${list(sharing)} stays with the host but has the same ID (${list(ids)}); binding by ID would take it too, so bind by PCI address`,
      devices: sharing,
      fix: 'Bind these devices to vfio-pci by address (driver_override) instead of vfio-pci.ids.',
    });
  }

  const verdict = reasons.some((r) => r.severity === 'refuse')
    ? 'refuse'
    : reasons.some((r) => r.severity === 'warn')
      ? 'warn'
      : 'ok';
  const first = known[0];
  return {
    address: selected[0] ?? '',
    name: known.map((d) => d.deviceName).join(' + '),
    kind: known.some(isGpu) ? 'gpu' : known.length > 0 && known.every(isUsb) ? 'usb' : 'other',
    group: first ? (groupOf(first.address) ?? null) : null,
    passTogether,
    ownFunctions: own,
    foreign,
    clean,
    vfioIds,
    bindByAddress,
    verdict,
    reasons,
    groupsInvolved,
  };
}

export function analyzePassthrough(ctx: AnalysisContext): PassthroughAnalysis {
  const f = buildFacts(ctx);
  const devices = [...f.pci.values()].sort((a, b) => byAddress(a.address, b.address));
  const gpus: PassthroughCandidate[] = [];
  const usbControllers: PassthroughCandidate[] = [];
  const others: PassthroughCandidate[] = [];
  for (const d of devices) {
    if (!isEndpoint(d)) continue;
    const c = analyze(f, [d.address]);
    if (isGpu(d)) gpus.push(c);
    else if (isUsb(d)) usbControllers.push(c);
    else others.push(c);
  }
  return {
    groups: new Set(ctx.inventory.iommu.groups.map((g) => g.id)).size,
    devices: ctx.inventory.pci.length,
    gpus,
    usbControllers,
    others,
    checksNotMade: f.checksNotMade,
    global: f.global,
  };
}

/** What a set of chosen devices implies (several GPUs/controllers to one VM): the union, the
 * vfio IDs, bind-by-address, combined verdict. */
export function analyzeSelection(ctx: AnalysisContext, addresses: string[]): PassthroughCandidate {
  return analyze(buildFacts(ctx), addresses);
}
