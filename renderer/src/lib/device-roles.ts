// Colours the IOMMU picture: which PCI devices drive the display, which GPUs could go to a VM,
// which the host cannot live without, and which are bridges. Pure: Inventory in, roles out.
import {
  analyzePassthrough,
  hostDiskControllers,
  machineAnalysisContext,
} from '../../../shared/analysis/passthrough';
import type { PassthroughCandidate } from '../../../shared/analysis/passthrough';
import type { Inventory, IommuGroup, PciDevice } from '../../../shared/model/inventory';
import {
  GPU_CLASSES,
  HOST_BRIDGE_CLASS,
  ISA_BRIDGE_CLASS,
  MEMORY_CLASSES,
  PCI_BRIDGE_CLASS,
  SMBUS_CLASS,
} from '../../../shared/model/pci-classes';

// The views ask this module for the root pool; the answer is the analysis's.
export { rootPoolName } from '../../../shared/analysis/passthrough';

export type DeviceRole = 'display-gpu' | 'gpu' | 'host-critical' | 'bridge' | 'other';

export interface DeviceRoleInfo {
  role: DeviceRole;
  /** Why, in plain words (empty for `other`). */
  reasons: string[];
}

export const ROLE_LABELS: Readonly<Record<DeviceRole, string>> = {
  'display-gpu': 'Display GPU',
  gpu: 'Other GPU',
  'host-critical': 'Host-critical',
  bridge: 'Bridge',
  other: 'Other device',
};

export const ROLE_ORDER: readonly DeviceRole[] = [
  'display-gpu',
  'gpu',
  'host-critical',
  'bridge',
  'other',
];

function add(map: Map<string, string[]>, address: string, reason: string): void {
  const reasons = map.get(address) ?? [];
  if (!reasons.includes(reason)) map.set(address, [...reasons, reason]);
}

/** The devices the host needs to keep running, each with why. */
export function hostCriticalDevices(inventory: Inventory): Map<string, string[]> {
  // The disk controllers come from the passthrough analysis, so the map and the verdicts agree.
  const critical = hostDiskControllers(inventory);
  const nic = inventory.network.defaultRouteDevice;
  if (nic !== null)
    add(
      critical,
      nic,
      `Network card of the default route${inventory.network.defaultRouteInterface === null ? '' : ` (${inventory.network.defaultRouteInterface})`}`,
    );
  for (const c of inventory.usb) {
    if (c.hasKeyboard) add(critical, c.address, 'USB controller of the keyboard in use');
    if (c.hasMouse) add(critical, c.address, 'USB controller of the mouse in use');
  }
  for (const d of inventory.pci) {
    if (d.classCode === ISA_BRIDGE_CLASS)
      add(critical, d.address, 'ISA/LPC bridge: the chipset, stays with the host');
    else if (d.classCode === SMBUS_CLASS)
      add(critical, d.address, 'SMBus controller: stays with the host');
    else if (MEMORY_CLASSES.has(d.classCode))
      add(critical, d.address, 'Memory controller: stays with the host');
  }
  return critical;
}

export function deviceRoles(inventory: Inventory): Map<string, DeviceRoleInfo> {
  const critical = hostCriticalDevices(inventory);
  const gpuOf = new Map<string, Inventory['gpus'][number]>();
  for (const gpu of inventory.gpus)
    for (const f of [gpu.address, ...gpu.functions]) gpuOf.set(f, gpu);

  const roles = new Map<string, DeviceRoleInfo>();
  for (const d of inventory.pci) {
    const gpu = gpuOf.get(d.address);
    const criticalReasons = critical.get(d.address) ?? [];
    if (gpu?.drivesDisplay)
      roles.set(d.address, {
        role: 'display-gpu',
        reasons: [`Drives the host's display (${gpu.name})`, ...criticalReasons],
      });
    else if (criticalReasons.length > 0)
      roles.set(d.address, { role: 'host-critical', reasons: criticalReasons });
    else if (gpu !== undefined || GPU_CLASSES.has(d.classCode))
      roles.set(d.address, {
        role: 'gpu',
        reasons: [
          gpu === undefined || gpu.address === d.address
            ? 'GPU'
            : `Function of the GPU ${gpu.name}`,
        ],
      });
    else if (d.classCode === PCI_BRIDGE_CLASS || d.classCode === HOST_BRIDGE_CLASS)
      roles.set(d.address, {
        role: 'bridge',
        reasons: [
          d.classCode === PCI_BRIDGE_CLASS
            ? 'PCI bridge: stays with the host, does not block passthrough'
            : 'Host bridge',
        ],
      });
    else roles.set(d.address, { role: 'other', reasons: [] });
  }
  return roles;
}

export interface GroupSummary {
  group: IommuGroup;
  devices: PciDevice[];
  /** A GPU here shares the group with endpoints that would have to go to the VM with it. */
  mixed: boolean;
  /** One of those endpoints is host-critical: the GPU cannot be passed through at all. */
  blocked: boolean;
  /** Plain-words note for the group box, or null when there is nothing to say. */
  note: string | null;
}

/**
 * What a group box says about itself. A group goes to a VM whole (bridges aside), so a GPU that
 * shares its group with other endpoints takes them along; if the host needs one of them, the GPU
 * cannot go at all. That is the first thing a user wants to see.
 */
export function summarizeGroup(
  group: IommuGroup,
  inventory: Inventory,
  roles: ReadonlyMap<string, DeviceRoleInfo>,
): GroupSummary {
  const byAddress = new Map(inventory.pci.map((d) => [d.address, d]));
  const devices = group.devices
    .map((a) => byAddress.get(a))
    .filter((d): d is PciDevice => d !== undefined);
  const roleOf = (d: PciDevice) => roles.get(d.address)?.role ?? 'other';
  const endpoints = devices.filter((d) => roleOf(d) !== 'bridge');
  const gpus = endpoints.filter((d) => roleOf(d) === 'gpu');
  if (gpus.length === 0) return { group, devices, mixed: false, blocked: false, note: null };
  const others = endpoints.filter((d) => roleOf(d) !== 'gpu' && roleOf(d) !== 'display-gpu');
  if (others.length === 0)
    return {
      group,
      devices,
      mixed: false,
      blocked: false,
      note: 'The GPU is alone in its group (bridges aside).',
    };
  const critical = others.filter((d) => roleOf(d) === 'host-critical');
  const names = others.map((d) => d.deviceName).join(', ');
  const note =
    critical.length > 0
      ? `Mixed: the GPU shares this group with ${names}, which the host needs (${critical.map((d) => roles.get(d.address)?.reasons[0] ?? d.className).join('; ')}). It cannot be passed through.`
      : `Mixed: the GPU shares this group with ${names}; passing it through gives ${others.length === 1 ? 'that device' : 'those devices'} to the VM too.`;
  return { group, devices, mixed: true, blocked: critical.length > 0, note };
}

/**
 * The passthrough analysis's verdict for each GPU and USB controller, by address. An inventory
 * read from a machine has every fact the analysis can use; the host keeps its display.
 */
export function passthroughVerdicts(inventory: Inventory): Map<string, PassthroughCandidate> {
  const analysis = analyzePassthrough(machineAnalysisContext(inventory, { hostHeadless: false }));
  return new Map([...analysis.gpus, ...analysis.usbControllers].map((c) => [c.address, c]));
}
