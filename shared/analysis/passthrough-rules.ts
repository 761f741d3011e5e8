// The passthrough analysis's rules, one small function each, in the order their reasons are shown.
// A rule reads the selection (what goes together, worked out once in selectionOf) and the facts
// shared by every candidate, and returns its reasons; the verdict is the worst severity among them.
import type { PciDevice } from '../model/inventory';
import {
  ISA_BRIDGE_CLASS,
  MEMORY_CLASSES,
  SMBUS_CLASS,
  isDisplayClass,
} from '../model/pci-classes';
import { groupOf, type AnalysisFacts } from './analysis-facts';
import type { CardSwitch } from './card-topology';
import type { Reason } from './passthrough-types';

/** What goes to the VM with the selected devices, worked out once for every rule. */
export interface Selection {
  selected: string[];
  known: PciDevice[];
  unknown: string[];
  own: string[];
  /** Card switches that made functions on other buses the card's own. */
  cardSwitches: { gpu: string; cardSwitch: CardSwitch }[];
  groupsInvolved: number[];
  passTogether: string[];
  foreign: string[];
  untrustedHere: number[];
  /** Devices that stay with the host but share an ID with one that goes (see sharedIds). */
  sharingIds: string[];
}

export type Rule = (s: Selection, f: AnalysisFacts) => Reason[];

const FIX_GROUP =
  'Move the card to another slot (one wired to the CPU), look for an ACS option in the firmware, or choose another device.';
const list = (xs: string[]) => xs.join(', ');
const isGpuClass = (d: PciDevice) => isDisplayClass(d.classCode);

export function label(f: AnalysisFacts, address: string): string {
  const d = f.pci.get(address);
  return d ? `the ${d.className} ${address}` : `the unknown device ${address}`;
}

const unknownDevice: Rule = (s) =>
  s.unknown.length === 0
    ? []
    : [
        {
          code: 'refuse.unknown-device',
          severity: 'refuse',
          message: `${list(s.unknown)} is not a PCI device of this machine`,
          devices: s.unknown,
        },
      ];

const noGroup: Rule = (s, f) => {
  const none = s.own.filter((a) => (f.groupsOf.get(a) ?? []).length === 0);
  if (none.length === 0 || !f.ctx.inventory.iommu.enabled) return [];
  return [
    {
      code: 'refuse.no-group',
      severity: 'refuse',
      message: `${list(none)} is in no IOMMU group, so vfio-pci cannot take it`,
      devices: none,
      fix: 'Check that the IOMMU covers this device (firmware settings, kernel messages).',
    },
  ];
};

const untrustedGroup: Rule = (s) =>
  s.untrustedHere.length === 0
    ? []
    : [
        {
          code: 'refuse.untrusted-group',
          severity: 'refuse',
          message: `the source lists group ${s.untrustedHere.join(', ')} inconsistently (a device twice, or a line cut short), so what goes with ${list(s.selected)} is not known`,
          devices: [],
          fix: 'Take the listing again from the machine in one piece.',
        },
      ];

const functionsInOtherGroups: Rule = (s, f) => {
  const first = groupOf(f, s.selected[0] ?? '');
  const split = s.own.filter((a) => groupOf(f, a) !== first);
  if (split.length === 0 || !s.known.some(isGpuClass)) return [];
  return [
    {
      code: 'info.functions-in-other-groups',
      severity: 'info',
      message: `${list(split)} belong to the same card but sit in group ${list(split.map((a) => String(groupOf(f, a))))}; they go too, with everything in their groups`,
      devices: split,
    },
  ];
};

/** Says which functions count as the card's own because they sit behind its own switch, and
 * whether the sysfs topology showed it or the listing's bus numbers only suggest it. */
const cardSwitch: Rule = (s) =>
  s.cardSwitches.map(({ gpu, cardSwitch: sw }) => ({
    code: 'info.card-switch',
    severity: 'info' as const,
    message:
      `${list(sw.functions)} sit${sw.functions.length === 1 ? 's' : ''} behind the PCIe switch of the card ${gpu} (upstream port ${sw.upstream}), so ${sw.functions.length === 1 ? 'it is' : 'they are'} the card's own and ${sw.functions.length === 1 ? 'goes' : 'go'} with it; ` +
      (sw.source === 'sysfs'
        ? 'seen in the sysfs topology'
        : 'inferred from the bus numbers, since a listing does not show the PCI topology'),
    devices: sw.functions,
    ...(sw.source === 'listing'
      ? {
          fix: `Check on the machine with lspci -tv that ${list(sw.functions)} ${sw.functions.length === 1 ? 'hangs' : 'hang'} off ${sw.upstream}.`,
        }
      : {}),
  }));

const foreignDevices: Rule = (s, f) => {
  const knownForeign = s.foreign.filter((a) => f.pci.has(a));
  if (knownForeign.length === 0) return [];
  const byGroup = new Map<number, string[]>();
  for (const a of knownForeign) {
    const g = groupOf(f, a) ?? -1;
    byGroup.set(g, [...(byGroup.get(g) ?? []), a]);
  }
  const parts = [...byGroup].map(
    ([g, xs]) => `group ${g} also holds ${xs.map((a) => label(f, a)).join(', ')}`,
  );
  return [
    {
      code: 'warn.foreign-devices',
      severity: 'warn',
      message: `${parts.join('; ')}: they would leave the host together with ${list(s.selected)}`,
      devices: knownForeign,
      fix: FIX_GROUP,
    },
  ];
};

const unknownMembers: Rule = (s, f) => {
  const unknown = s.foreign.filter((a) => !f.pci.has(a));
  return unknown.length === 0
    ? []
    : [
        {
          code: 'warn.unknown-device',
          severity: 'warn',
          message: `${list(unknown)} is in the same group but the source does not say what it is`,
          devices: unknown,
        },
      ];
};

/** Devices the host cannot give away, by class. */
const REFUSED_CLASSES: ReadonlyMap<string, { code: string; what: string }> = new Map([
  [ISA_BRIDGE_CLASS, { code: 'refuse.isa-bridge', what: 'ISA/LPC bridge' }],
  [SMBUS_CLASS, { code: 'refuse.smbus', what: 'SMBus controller' }],
  ...[...MEMORY_CLASSES].map(
    (c) => [c, { code: 'refuse.memory-controller', what: 'memory controller' }] as const,
  ),
]);

const refusedClasses: Rule = (s, f) =>
  s.passTogether.flatMap((a): Reason[] => {
    const d = f.pci.get(a);
    const rule = d ? REFUSED_CLASSES.get(d.classCode) : undefined;
    if (!d || !rule) return [];
    return [
      {
        code: rule.code,
        severity: 'refuse',
        message: `group ${groupOf(f, a)} holds the ${rule.what} ${a} (${d.deviceName}); the host needs it and it cannot be given to a VM`,
        devices: [a],
        fix: FIX_GROUP,
      },
    ];
  });

/** The devices that drive the host's display, from boot_vga or the GPU facts. */
function displayDevices(s: Selection, f: AnalysisFacts): string[] {
  const inv = f.ctx.inventory;
  return s.passTogether.filter((a) => {
    const gpu = inv.gpus.find((g) => g.address === a);
    return f.pci.get(a)?.bootVga === true || gpu?.bootVga === true || gpu?.drivesDisplay === true;
  });
}

const bootVga: Rule = (s, f) => {
  const shown = displayDevices(s, f);
  if (shown.length === 0) return [];
  if (f.ctx.hostHeadless)
    return [
      {
        code: 'info.host-headless',
        severity: 'info',
        message: `${list(shown)} drives the host display; the layout says the host goes headless, so it may go`,
        devices: shown,
      },
    ];
  return [
    {
      code: 'refuse.boot-vga',
      severity: 'refuse',
      message: `${list(shown)} drives the host display (boot_vga); giving it away leaves the host with a black screen`,
      devices: shown,
      fix: 'Drive the host display from another GPU (set it as primary in the firmware), or mark the host as headless in the layout.',
    },
  ];
};

const noReset: Rule = (s, f) => {
  const none = s.passTogether.filter((a) => {
    const r = f.pci.get(a)?.resetMethods;
    return r !== undefined && r !== null && r.length === 0;
  });
  return none.length === 0
    ? []
    : [
        {
          code: 'warn.no-reset',
          severity: 'warn',
          message: `${list(none)} has no reset method; after the VM stops it may stay unusable until the host reboots`,
          devices: none,
          fix: 'Expect to reboot the host between VM runs, or use a card with a working reset.',
        },
      ];
};

const resetUnknown: Rule = (s, f) => {
  const unknown = s.passTogether.filter((a) => f.pci.get(a)?.resetMethods === null);
  return unknown.length === 0
    ? []
    : [
        {
          code: 'info.reset-unknown',
          severity: 'info',
          message: `the kernel does not say whether ${list(unknown)} can be reset; that check could not be made`,
          devices: unknown,
        },
      ];
};

const hostDriver: Rule = (s, f) => {
  const inv = f.ctx.inventory;
  const shown = displayDevices(s, f);
  const inUse = s.passTogether.filter((a) => {
    const gpu = inv.gpus.find((g) => g.address === a);
    // A refused boot GPU needs no second reason; when the host goes headless it does.
    const refused = !f.ctx.hostHeadless && shown.includes(a);
    return (
      !refused &&
      gpu !== undefined &&
      gpu.connectedOutputs.length > 0 &&
      gpu.driver !== null &&
      gpu.driver !== 'vfio-pci'
    );
  });
  if (inUse.length === 0) return [];
  return [
    {
      code: 'warn.host-driver',
      severity: 'warn',
      message: inUse
        .map((a) => {
          const gpu = inv.gpus.find((g) => g.address === a);
          return `${a} is driven by ${gpu?.driver ?? '?'} with a display attached (${gpu?.connectedOutputs.join(', ') ?? ''})`;
        })
        .join('; '),
      devices: inUse,
      fix: 'Move the displays to the GPU that stays with the host before binding this one to vfio-pci.',
    },
  ];
};

const hostDiskController: Rule = (s, f) =>
  s.passTogether.flatMap((a): Reason[] => {
    const why = f.diskControllers.get(a)?.[0];
    if (!why) return [];
    return [
      {
        code: 'refuse.host-disk-controller',
        severity: 'refuse',
        message: `group ${groupOf(f, a)} also holds ${label(f, a)} (${why}); the host would lose its own disks`,
        devices: [a],
        fix: FIX_GROUP,
      },
    ];
  });

const defaultRouteNic: Rule = (s, f) => {
  const { defaultRouteDevice: nic, defaultRouteInterface } = f.ctx.inventory.network;
  if (!nic || !s.passTogether.includes(nic)) return [];
  return [
    {
      code: 'refuse.default-route-nic',
      severity: 'refuse',
      message: `group ${groupOf(f, nic)} holds ${label(f, nic)}, which carries the default route (${defaultRouteInterface ?? '?'}); the host would go offline`,
      devices: [nic],
      fix: FIX_GROUP,
    },
  ];
};

const inputUsbController: Rule = (s, f) =>
  f.ctx.inventory.usb.flatMap((c): Reason[] => {
    if (!s.passTogether.includes(c.address) || !(c.hasKeyboard || c.hasMouse)) return [];
    const what =
      c.hasKeyboard && c.hasMouse ? 'keyboard and mouse' : c.hasKeyboard ? 'keyboard' : 'mouse';
    return [
      {
        code: 'refuse.input-usb-controller',
        severity: 'refuse',
        message: `the USB controller ${c.address} has the host's ${what} on it; the host would lose its input`,
        devices: [c.address],
        fix: 'Plug the keyboard and mouse into ports of another controller, or pass a different controller.',
      },
    ];
  });

const idOf = (d: PciDevice) => `${d.vendorId}:${d.deviceId}`;

const sharedIds: Rule = (s, f) => {
  if (s.sharingIds.length === 0) return [];
  const ids = [
    ...new Set(
      s.sharingIds.flatMap((a) => {
        const d = f.pci.get(a);
        return d ? [idOf(d)] : [];
      }),
    ),
  ];
  return [
    {
      code: 'warn.shared-id',
      severity: 'warn',
      message: `${list(s.sharingIds)} stays with the host but has the same ID (${list(ids)}); binding by ID would take it too, so bind by PCI address`,
      devices: s.sharingIds,
      fix: 'Bind these devices to vfio-pci by address (driver_override) instead of vfio-pci.ids.',
    },
  ];
};

/** Each rule with the facts it needs: a rule whose facts the source lacks is not run (the
 * analysis lists it under checksNotMade instead). */
export const RULES: readonly { needs?: 'sysfs' | 'disks' | 'network' | 'usb'; rule: Rule }[] = [
  { rule: unknownDevice },
  { rule: noGroup },
  { rule: untrustedGroup },
  { rule: functionsInOtherGroups },
  { rule: cardSwitch },
  { rule: foreignDevices },
  { rule: unknownMembers },
  { rule: refusedClasses },
  { needs: 'sysfs', rule: bootVga },
  { needs: 'sysfs', rule: noReset },
  { needs: 'sysfs', rule: resetUnknown },
  { needs: 'sysfs', rule: hostDriver },
  { needs: 'disks', rule: hostDiskController },
  { needs: 'network', rule: defaultRouteNic },
  { needs: 'usb', rule: inputUsbController },
  { rule: sharedIds },
];

export { idOf };
