// The Inventory: everything Cohabit knows about one machine, read without root. It is plain JSON
// (it crosses IPC and HTTP), so it is described once here as a schema and the types follow from it.
import * as v from 'valibot';
import { DiagnosticSchema } from './diagnostic';
import { NixosOriginSchema } from './nixos-origin';

const nullable = <T extends v.GenericSchema>(s: T) => v.nullable(s);
const HexId = v.pipe(v.string(), v.regex(/^[0-9a-f]{4}$/));

/** Full PCI address with domain: `0000:01:00.0` (Intel VMD domains have more digits: `10000:e0:06.0`). */
export const PCI_ADDRESS_RE = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/;
export const PciAddressSchema = v.pipe(v.string(), v.regex(PCI_ADDRESS_RE));

export const PciDeviceSchema = v.object({
  address: PciAddressSchema,
  /** `0000:01:00`: the slot, shared by the functions of one card. */
  slot: v.string(),
  function: v.number(),
  /** Class and subclass as four hex digits, e.g. `0300` (VGA), `0604` (PCI bridge). */
  classCode: HexId,
  progIf: v.string(),
  className: v.string(),
  vendorId: HexId,
  deviceId: HexId,
  subsystemVendorId: nullable(HexId),
  subsystemDeviceId: nullable(HexId),
  revision: nullable(v.string()),
  vendorName: v.string(),
  deviceName: v.string(),
  /** Where the names came from: `lspci -nnmm`, a pci.ids file, or nothing but the IDs. */
  nameSource: v.picklist(['lspci', 'pci.ids', 'ids']),
  driver: nullable(v.string()),
  driverOverride: nullable(v.string()),
  iommuGroup: nullable(v.number()),
  /** `boot_vga` (1 = the firmware's display device); null when the file does not exist. */
  bootVga: nullable(v.boolean()),
  /** `reset_method` entries; [] = the device cannot be reset; null = the kernel does not say. */
  resetMethods: nullable(v.array(v.string())),
  /** The upstream bridge or root port, null for devices on a root bus. */
  parentBridge: nullable(PciAddressSchema),
  /** The other functions of the same slot. */
  slotFunctions: v.array(PciAddressSchema),
});
export type PciDevice = v.InferOutput<typeof PciDeviceSchema>;

export const IommuGroupSchema = v.object({ id: v.number(), devices: v.array(PciAddressSchema) });
export type IommuGroup = v.InferOutput<typeof IommuGroupSchema>;

export const IommuSchema = v.object({
  enabled: v.boolean(),
  /** Why we think so, in plain words (one sentence per fact). */
  reasons: v.array(v.string()),
  /** `DMAR` (Intel VT-d), `IVRS` (AMD-Vi), or null when no table is present. */
  firmwareTable: nullable(v.picklist(['DMAR', 'IVRS'])),
  /** IOMMU units the kernel registered (/sys/class/iommu). */
  units: v.array(v.string()),
  interruptRemapping: v.picklist(['on', 'off', 'unknown']),
  /** `pcie_acs_override=` is on the kernel command line: the groups are not trustworthy. */
  acsOverride: v.boolean(),
  /** `iommu=pt` or `intel_iommu=on` style arguments found on the kernel command line. */
  cmdlineArgs: v.array(v.string()),
  groups: v.array(IommuGroupSchema),
});
export type Iommu = v.InferOutput<typeof IommuSchema>;

export const GpuSchema = v.object({
  address: PciAddressSchema,
  vendorId: HexId,
  name: v.string(),
  /** The GPU's own functions: the same slot and the same vendor (VGA, HDMI audio, USB-C, UCSI). */
  functions: v.array(PciAddressSchema),
  bootVga: v.boolean(),
  /** DRM connectors of this GPU with a display attached. */
  connectedOutputs: v.array(v.string()),
  /** This GPU drives the host's display (boot_vga, or the only GPU with a connected output). */
  drivesDisplay: v.boolean(),
  driver: nullable(v.string()),
});
export type Gpu = v.InferOutput<typeof GpuSchema>;

export const UsbDeviceSchema = v.object({
  /** sysfs name, e.g. `1-2.3`. */
  port: v.string(),
  busnum: v.number(),
  devnum: v.number(),
  vendorId: v.string(),
  productId: v.string(),
  manufacturer: nullable(v.string()),
  product: nullable(v.string()),
  speedMbps: nullable(v.number()),
  isHub: v.boolean(),
  isKeyboard: v.boolean(),
  isMouse: v.boolean(),
  /** Interface classes as `cc/ss/pp` hex triples. */
  interfaces: v.array(v.string()),
});
export type UsbDevice = v.InferOutput<typeof UsbDeviceSchema>;

export const UsbControllerSchema = v.object({
  address: PciAddressSchema,
  name: v.string(),
  /** Root hub bus numbers this controller owns. */
  buses: v.array(v.number()),
  devices: v.array(UsbDeviceSchema),
  hasKeyboard: v.boolean(),
  hasMouse: v.boolean(),
});
export type UsbController = v.InferOutput<typeof UsbControllerSchema>;

export interface BlockDevice {
  name: string;
  path: string;
  type: string;
  sizeBytes: number;
  model: string | null;
  serial: string | null;
  wwn: string | null;
  transport: string | null;
  rotational: boolean | null;
  removable: boolean | null;
  fstype: string | null;
  fsver: string | null;
  label: string | null;
  uuid: string | null;
  partuuid: string | null;
  parttype: string | null;
  partlabel: string | null;
  ptuuid: string | null;
  pttype: string | null;
  mountpoints: string[];
  /** /dev/disk/by-id names pointing at this device. */
  byId: string[];
  /** The PCI controller this disk hangs off (disks only; partitions inherit their disk's). */
  pciController: string | null;
  /** For a LUKS container: the mapper device open on top of it, if any. */
  luksMapper: string | null;
  children: BlockDevice[];
}
export const BlockDeviceSchema: v.GenericSchema<BlockDevice> = v.object({
  name: v.string(),
  path: v.string(),
  type: v.string(),
  sizeBytes: v.number(),
  model: nullable(v.string()),
  serial: nullable(v.string()),
  wwn: nullable(v.string()),
  transport: nullable(v.string()),
  rotational: nullable(v.boolean()),
  removable: nullable(v.boolean()),
  fstype: nullable(v.string()),
  fsver: nullable(v.string()),
  label: nullable(v.string()),
  uuid: nullable(v.string()),
  partuuid: nullable(v.string()),
  parttype: nullable(v.string()),
  partlabel: nullable(v.string()),
  ptuuid: nullable(v.string()),
  pttype: nullable(v.string()),
  mountpoints: v.array(v.string()),
  byId: v.array(v.string()),
  pciController: nullable(PciAddressSchema),
  luksMapper: nullable(v.string()),
  children: v.array(v.lazy(() => BlockDeviceSchema)),
});

export interface VdevNode {
  /** Device path (`/dev/disk/by-id/...-part2`) or a group name (`mirror-0`, `raidz1-0`). */
  name: string;
  kind:
    | 'disk'
    | 'file'
    | 'mirror'
    | 'raidz'
    | 'draid'
    | 'log'
    | 'cache'
    | 'spare'
    | 'special'
    | 'dedup'
    | 'group';
  state: string;
  readErrors: number;
  writeErrors: number;
  checksumErrors: number;
  children: VdevNode[];
}
export const VdevNodeSchema: v.GenericSchema<VdevNode> = v.object({
  name: v.string(),
  kind: v.picklist([
    'disk',
    'file',
    'mirror',
    'raidz',
    'draid',
    'log',
    'cache',
    'spare',
    'special',
    'dedup',
    'group',
  ]),
  state: v.string(),
  readErrors: v.number(),
  writeErrors: v.number(),
  checksumErrors: v.number(),
  children: v.array(v.lazy(() => VdevNodeSchema)),
});

export const FeatureStateSchema = v.picklist(['disabled', 'enabled', 'active']);
export const ZfsPoolSchema = v.object({
  name: v.string(),
  /** Sizes and capacity are null when zpool prints `-`: a FAULTED or UNAVAIL pool cannot be
   * opened to measure, and 0 would read as an empty pool. */
  sizeBytes: nullable(v.number()),
  allocatedBytes: nullable(v.number()),
  freeBytes: nullable(v.number()),
  fragmentationPercent: nullable(v.number()),
  capacityPercent: nullable(v.number()),
  health: v.string(),
  guid: v.string(),
  altroot: nullable(v.string()),
  bootfs: nullable(v.string()),
  /** The pool's `compatibility` property (e.g. `grub2`), or null for `off`. */
  compatibility: nullable(v.string()),
  /** `feature@name` -> state, with the `feature@` prefix removed. */
  features: v.record(v.string(), FeatureStateSchema),
  /**
   * The pool's `ashift` property: the sector shift new vdevs get; 0 means ZFS chose per disk.
   * Optional so that inventories recorded before it was read still parse.
   */
  ashift: v.optional(nullable(v.number())),
  vdevs: v.array(VdevNodeSchema),
  /** Whole-disk or partition device paths under the pool (leaves of the vdev tree). */
  devices: v.array(v.string()),
});
export type ZfsPool = v.InferOutput<typeof ZfsPoolSchema>;

/** The `cohabit:` user properties Cohabit sets and reads. */
export const COHABIT_PROPS = [
  'cohabit:managed',
  'cohabit:role',
  'cohabit:system',
  'cohabit:journal',
] as const;

export const ZfsDatasetSchema = v.object({
  name: v.string(),
  pool: v.string(),
  type: v.picklist(['filesystem', 'volume', 'snapshot', 'bookmark']),
  usedBytes: v.number(),
  availableBytes: nullable(v.number()),
  referencedBytes: v.number(),
  mountpoint: nullable(v.string()),
  mounted: nullable(v.boolean()),
  canmount: nullable(v.string()),
  compression: nullable(v.string()),
  encryption: nullable(v.string()),
  keystatus: nullable(v.string()),
  volsizeBytes: nullable(v.number()),
  volblocksizeBytes: nullable(v.number()),
  refreservationBytes: nullable(v.number()),
  origin: nullable(v.string()),
  /** Seconds since the epoch. */
  creation: v.number(),
  /** The `cohabit:` user properties that are set. */
  cohabit: v.record(v.string(), v.string()),
});
export type ZfsDataset = v.InferOutput<typeof ZfsDatasetSchema>;

export const ZfsSchema = v.object({
  /** The zfs tools answered (the module may still have no pools). */
  available: v.boolean(),
  version: nullable(v.string()),
  pools: v.array(ZfsPoolSchema),
  datasets: v.array(ZfsDatasetSchema),
});
export type Zfs = v.InferOutput<typeof ZfsSchema>;

export const CpuSchema = v.object({
  vendor: v.picklist(['intel', 'amd', 'other']),
  vendorId: v.string(),
  model: v.string(),
  sockets: v.number(),
  cores: v.number(),
  threads: v.number(),
  /** `vmx` (Intel VT-x) or `svm` (AMD-V) when the CPU flags show it. */
  virtualization: nullable(v.picklist(['vmx', 'svm'])),
  /** Flags that matter for VMs: vmx/svm, ept/npt, pdpe1gb (1 GiB huge pages), hypervisor. */
  flags: v.array(v.string()),
});
export type Cpu = v.InferOutput<typeof CpuSchema>;

export const HugepagePoolSchema = v.object({
  sizeKiB: v.number(),
  total: v.number(),
  free: v.number(),
});
export const MemorySchema = v.object({
  totalBytes: v.number(),
  availableBytes: nullable(v.number()),
  hugepages: v.array(HugepagePoolSchema),
});
export type Memory = v.InferOutput<typeof MemorySchema>;

export const CmdlineArgSchema = v.object({ key: v.string(), value: nullable(v.string()) });
export const BootSchema = v.object({
  firmware: v.picklist(['uefi', 'bios']),
  bootloader: v.picklist(['grub', 'systemd-boot', 'unknown']),
  /** Why we believe the bootloader is what we say. */
  bootloaderEvidence: v.array(v.string()),
  kernelCmdline: v.string(),
  cmdlineArgs: v.array(CmdlineArgSchema),
  kernelRelease: nullable(v.string()),
});
export type Boot = v.InferOutput<typeof BootSchema>;

export const VfioSchema = v.object({
  /** vfio modules loaded or built in: vfio, vfio_pci, vfio_iommu_type1, ... */
  modules: v.array(v.string()),
  /** PCI devices currently bound to vfio-pci. */
  boundDevices: v.array(PciAddressSchema),
});

export const LuksDeviceSchema = v.object({
  name: v.string(),
  device: v.string(),
  keyFile: nullable(v.string()),
  preLvm: nullable(v.boolean()),
});
export type LuksDevice = v.InferOutput<typeof LuksDeviceSchema>;

export const FileSystemEntrySchema = v.object({
  mountPoint: v.string(),
  device: v.string(),
  fsType: nullable(v.string()),
});

export const NixosSchema = v.object({
  /** `eval`: from evaluating the configuration with nix; `running`: from what the running system shows. */
  source: v.picklist(['eval', 'running']),
  version: nullable(v.string()),
  stateVersion: nullable(v.string()),
  hostId: nullable(v.string()),
  flake: v.boolean(),
  configurationPath: nullable(v.string()),
  luksDevices: v.array(LuksDeviceSchema),
  /** boot.initrd.secrets: the path in the initrd -> the file it is read from on this system. */
  initrdSecrets: v.array(v.object({ name: v.string(), source: nullable(v.string()) })),
  grub: nullable(
    v.object({
      enable: v.boolean(),
      devices: v.array(v.string()),
      efiSupport: v.boolean(),
      efiInstallAsRemovable: v.boolean(),
      zfsSupport: v.boolean(),
      enableCryptodisk: v.boolean(),
      copyKernels: v.boolean(),
    }),
  ),
  systemdBoot: v.boolean(),
  efiSysMountPoint: nullable(v.string()),
  canTouchEfiVariables: nullable(v.boolean()),
  forceImportRoot: nullable(v.boolean()),
  fileSystems: v.array(FileSystemEntrySchema),
  /**
   * The NixOS release (`26.11`): system.nixos.release, else os-release's VERSION_ID. Optional, as
   * are the fields below, so that inventories recorded before they were read still parse.
   */
  release: v.optional(nullable(v.string())),
  /** Stage 1 is systemd (boot.initrd.systemd.enable, else `root=fstab` on the command line). */
  initrdSystemd: v.optional(nullable(v.boolean())),
  /** boot.kernelParams as evaluated, else the running command line's (null = unknown). */
  kernelParams: v.optional(nullable(v.array(v.string()))),
  /** boot.initrd.kernelModules as evaluated (null = unknown). */
  initrdKernelModules: v.optional(nullable(v.array(v.string()))),
});
export type Nixos = v.InferOutput<typeof NixosSchema>;

export const OsSchema = v.object({
  id: nullable(v.string()),
  name: nullable(v.string()),
  versionId: nullable(v.string()),
  prettyName: nullable(v.string()),
  isNixos: v.boolean(),
  hostname: nullable(v.string()),
  /** /etc/hostid as the 8 hex digits NixOS's networking.hostId uses. */
  hostId: nullable(v.string()),
  nixos: nullable(NixosSchema),
  /** Whether /etc/nixos built the running system (issue 18); optional so older inventories parse. */
  nixosOrigin: v.optional(nullable(NixosOriginSchema)),
});
export type Os = v.InferOutput<typeof OsSchema>;

export const INVENTORY_FORMAT = 'cohabit-inventory/1';
export const InventorySchema = v.object({
  format: v.literal(INVENTORY_FORMAT),
  pci: v.array(PciDeviceSchema),
  iommu: IommuSchema,
  gpus: v.array(GpuSchema),
  usb: v.array(UsbControllerSchema),
  disks: v.array(BlockDeviceSchema),
  zfs: ZfsSchema,
  cpu: nullable(CpuSchema),
  memory: nullable(MemorySchema),
  boot: BootSchema,
  vfio: VfioSchema,
  os: OsSchema,
  /** The default route's interface and the PCI device behind it. */
  network: v.object({
    defaultRouteInterface: nullable(v.string()),
    defaultRouteDevice: nullable(PciAddressSchema),
  }),
  /** Mount table entries for /, /boot and the ESP, as the running system has them. */
  mounts: v.array(
    v.object({ source: v.string(), target: v.string(), fstype: v.string(), options: v.string() }),
  ),
  /**
   * The main GRUB's environment block (/boot/grub/grubenv) as seen without root: `unreadable` when
   * /boot/grub is root's alone (NixOS makes it 0700). Optional so older inventories still parse.
   */
  grubEnv: v.optional(
    nullable(
      v.object({ path: v.string(), state: v.picklist(['present', 'absent', 'unreadable']) }),
    ),
  ),
  diagnostics: v.array(DiagnosticSchema),
});
export type Inventory = v.InferOutput<typeof InventorySchema>;
