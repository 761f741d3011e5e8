// The demo machine (DESIGN.md section 3): a NixOS 25.11 workstation on an Intel Z390 board with
// ZFS-on-LUKS root, GRUB on UEFI, an iGPU on the display, an RTX 2080 for a VM and a mixed group.
//
// Sources for the hardware (IDs, names, classes, revisions and group layout):
// - MSI MPG Z390 Gaming Edge AC + i9-9900KF + RTX 2080 (ASUS, subsystem 1043:8660), IOMMU group
//   listing and `lspci -nnv`: the "ubuntu_2004_vfio_guide" README (GitHub), groups 0-17.
// - Z390 board with UHD Graphics 630 [8086:3e98] and RTX 2070, groups 0-11:
//   github.com/iamcodernitesh/Single_GPU_Passthrough_Guide (README, "My output").
// - Cannon Lake PCH devices (Root Port #1/#5 IDs, Power Management Controller 00:1f.2 [8086:a321],
//   ASM2142 [1b21:2142]), Z170 reference grouping of 00:1f.*: 64kramsystem/vga-passthrough,
//   9_SAMPLE_IOMMU_GROUPS.md.
// - /proc/interrupts chip names (IR-IO-APIC, DMAR-MSI, IR-PCI-MSI <hwirq>-edge): kernel outputs
//   pasted in public repositories (xhci_hcd at 327680 = 00:14.0, i915 at 32768 = 00:02.0).
// - lsblk -J -b -O layout: util-linux 2.40.2 output in microsoft/trident's osutils lsblk tests.
// - NixOS os-release: 25.05 outputs in public test code; 25.11 follows the same module.
// Deliberate departures from those boards, demanded by DESIGN.md section 3 and marked below:
// the CPU root port 00:01.0 sits alone in its group (ACS), and the chipset root port 00:1c.4
// with an RX 560 shares a group with the SATA controller (as chipset devices do on AMD B450).
import type { VirtualHost } from '../../electron/host/virtual-host';
import { MachineBuilder, hostIdBytes } from './machine-builder';
import type { DatasetSpec, PciSpec } from './machine-builder';
import { DEMO_KERNEL_HASH, demoOrigin, demoSystemPath } from './demo-origin';
import { writeNixosOrigin } from './nixos-origin-files';
import { OPENZFS_2_3_FEATURES } from './storage-output';
import type { FeatureState } from './storage-output';
import {
  I9_9900K,
  renderCpuinfo,
  renderMeminfo,
  renderModules,
  renderNixosOsRelease,
} from './system-files';

export const DEMO_KERNEL = '6.12.58';
export const DEMO_NIXOS_VERSION = '25.11.4207.3c2c4d8a1b9e';

/**
 * What differs between the demo machines built on this board: the NixOS release and its kernel,
 * stage 1, the configuration's stateVersion and forceImportRoot, and the second GPU.
 */
export interface DemoVariant {
  release: '25.11' | '26.05' | '26.11';
  kernel: string;
  nixosVersion: string;
  /** os-release's VERSION_CODENAME and SUPPORT_END for the release. */
  codename: string;
  supportEnd: string;
  hostname: string;
  /** boot.initrd.systemd.enable (the default from 26.05 on). */
  systemdInitrd: boolean;
  stateVersion: string;
  /** boot.zfs.forceImportRoot as the machine's own configuration sets it; null = left unset. */
  forceImportRoot: boolean | null;
  /** A second RTX 2080 (the same IDs) in the chipset slot instead of the RX 560. */
  twinGpus: boolean;
  /**
   * Where the ESP is mounted: under /boot (so /boot/grub, and GRUB's grubenv, live on the root pool)
   * or at /boot itself (grubenv on FAT, where GRUB can keep a one-time choice; issue 16).
   */
  espMountPoint: '/boot/efi' | '/boot';
}

/** The first demo machine: 25.11, scripted initrd, an RX 560 beside the RTX 2080. */
export const WORKSTATION_2511: DemoVariant = {
  release: '25.11',
  kernel: DEMO_KERNEL,
  nixosVersion: DEMO_NIXOS_VERSION,
  codename: 'xantusia',
  supportEnd: '2026-06-30',
  hostname: 'atlas',
  systemdInitrd: false,
  stateVersion: '25.11',
  forceImportRoot: null,
  twinGpus: false,
  espMountPoint: '/boot/efi',
};

/** The same workstation upgraded to 26.11: systemd stage 1, forceImportRoot set as 26.05 advised. */
export const WORKSTATION_2611: DemoVariant = {
  release: '26.11',
  kernel: '6.18.54',
  nixosVersion: '26.11.1380.0bb7ec5d9e41',
  codename: 'zokor',
  supportEnd: '2027-06-30',
  hostname: 'atlas',
  systemdInitrd: true,
  stateVersion: '25.11',
  forceImportRoot: false,
  twinGpus: false,
  espMountPoint: '/boot/efi',
};

/** Installed on 26.05 with two identical RTX 2080s: the VM's must be bound by address. */
export const TWIN_GPU_2605: DemoVariant = {
  release: '26.05',
  kernel: '6.18.21',
  nixosVersion: '26.05.2264.8b1c0e7f5a2d',
  codename: 'yarara',
  supportEnd: '2026-12-31',
  // The same host name as the other demos: its recorded system paths (demo-origin.ts) name it.
  hostname: 'atlas',
  systemdInitrd: true,
  stateVersion: '26.05',
  forceImportRoot: null,
  twinGpus: true,
  espMountPoint: '/boot',
};
export const DEMO_HOSTID = '8425e349';
const GRUBENV_EMPTY = '# GRUB Environment Block\n'.padEnd(1024, '#');
export const DEMO_POOL_GUID = '12765237394712983047';

const MSI = {
  subsystemVendor: '1462',
  subsystemVendorName: 'Micro-Star International Co., Ltd. [MSI]',
};
const INTEL = 'Intel Corporation';

/** The chipset and CPU functions, bridges first so children can name them. */
function pciDevices(v: DemoVariant): PciSpec[] {
  const ms = (device: string): Partial<PciSpec> => ({
    ...MSI,
    subsystemDevice: device,
    subsystemDeviceName: 'Device',
  });
  return [
    {
      address: '0000:00:00.0',
      classCode: 0x060000,
      vendor: '8086',
      device: '3e30',
      revision: '0d',
      driver: 'skl_uncore',
      iommuGroup: 0,
      className: 'Host bridge',
      vendorName: INTEL,
      deviceName:
        '8th/9th Gen Core 8-core Desktop Processor Host Bridge/DRAM Registers [Coffee Lake S]',
      ...ms('7b17'),
    },
    // Departure: on the Z390 listings 00:01.0 shares group 1 with the GPU; here ACS splits them.
    {
      address: '0000:00:01.0',
      classCode: 0x060400,
      vendor: '8086',
      device: '1901',
      revision: '0d',
      driver: 'pcieport',
      iommuGroup: 1,
      className: 'PCI bridge',
      vendorName: INTEL,
      deviceName: '6th-10th Gen Core Processor PCIe Controller (x16)',
      secondaryBus: 1,
      ...ms('7b17'),
    },
    {
      address: '0000:00:02.0',
      classCode: 0x030000,
      vendor: '8086',
      device: '3e98',
      revision: '02',
      driver: 'i915',
      module: 'i915',
      iommuGroup: 2,
      bootVga: true,
      resetMethods: ['flr'],
      className: 'VGA compatible controller',
      vendorName: INTEL,
      deviceName: 'CoffeeLake-S GT2 [UHD Graphics 630]',
      ...ms('7b17'),
    },
    {
      address: '0000:00:08.0',
      classCode: 0x088000,
      vendor: '8086',
      device: '1911',
      revision: '00',
      driver: null,
      iommuGroup: 3,
      className: 'System peripheral',
      vendorName: INTEL,
      deviceName:
        'Xeon E3-1200 v5/v6 / E3-1500 v5 / 6th/7th/8th Gen Core Processor Gaussian Mixture Model',
      ...ms('7b17'),
    },
    {
      address: '0000:00:12.0',
      classCode: 0x118000,
      vendor: '8086',
      device: 'a379',
      revision: '10',
      driver: 'intel_pch_thermal',
      module: 'intel_pch_thermal',
      iommuGroup: 4,
      className: 'Signal processing controller',
      vendorName: INTEL,
      deviceName: 'Cannon Lake PCH Thermal Controller',
      ...ms('7b17'),
    },
    {
      address: '0000:00:14.0',
      classCode: 0x0c0330,
      vendor: '8086',
      device: 'a36d',
      revision: '10',
      driver: 'xhci_hcd',
      module: 'xhci_pci',
      iommuGroup: 5,
      className: 'USB controller',
      vendorName: INTEL,
      deviceName: 'Cannon Lake PCH USB 3.1 xHCI Host Controller',
      ...ms('7b17'),
    },
    {
      address: '0000:00:14.2',
      classCode: 0x050000,
      vendor: '8086',
      device: 'a36f',
      revision: '10',
      driver: null,
      iommuGroup: 5,
      className: 'RAM memory',
      vendorName: INTEL,
      deviceName: 'Cannon Lake PCH Shared SRAM',
      ...ms('7b17'),
    },
    {
      address: '0000:00:14.3',
      classCode: 0x028000,
      vendor: '8086',
      device: 'a370',
      revision: '10',
      driver: 'iwlwifi',
      module: 'iwlwifi',
      iommuGroup: 6,
      resetMethods: ['flr'],
      className: 'Network controller',
      vendorName: INTEL,
      deviceName: 'Wireless-AC 9560 [Jefferson Peak]',
      subsystemVendor: '8086',
      subsystemVendorName: INTEL,
      subsystemDevice: '0034',
      subsystemDeviceName: 'Wireless-AC 9560',
    },
    {
      address: '0000:00:16.0',
      classCode: 0x078000,
      vendor: '8086',
      device: 'a360',
      revision: '10',
      driver: 'mei_me',
      module: 'mei_me',
      iommuGroup: 7,
      className: 'Communication controller',
      vendorName: INTEL,
      deviceName: 'Cannon Lake PCH HECI Controller',
      ...ms('7b17'),
    },
    {
      address: '0000:00:17.0',
      classCode: 0x010601,
      vendor: '8086',
      device: 'a352',
      revision: '10',
      driver: 'ahci',
      module: 'ahci',
      iommuGroup: 8,
      className: 'SATA controller',
      vendorName: INTEL,
      deviceName: 'Cannon Lake PCH SATA AHCI Controller',
      ...ms('7b17'),
    },
    {
      address: '0000:00:1b.0',
      classCode: 0x060400,
      vendor: '8086',
      device: 'a340',
      revision: 'f0',
      driver: 'pcieport',
      iommuGroup: 9,
      className: 'PCI bridge',
      vendorName: INTEL,
      deviceName: 'Cannon Lake PCH PCI Express Root Port #17',
      secondaryBus: 2,
      ...ms('7b17'),
    },
    {
      address: '0000:00:1c.0',
      classCode: 0x060400,
      vendor: '8086',
      device: 'a338',
      revision: 'f0',
      driver: 'pcieport',
      iommuGroup: 10,
      className: 'PCI bridge',
      vendorName: INTEL,
      deviceName: 'Cannon Lake PCH PCI Express Root Port #1',
      secondaryBus: 3,
      ...ms('7b17'),
    },
    // Departure: the mixed group. Root port #5 (the x4 chipset slot) shares group 8 with SATA.
    {
      address: '0000:00:1c.4',
      classCode: 0x060400,
      vendor: '8086',
      device: 'a33c',
      revision: 'f0',
      driver: 'pcieport',
      iommuGroup: 8,
      className: 'PCI bridge',
      vendorName: INTEL,
      deviceName: 'Cannon Lake PCH PCI Express Root Port #5',
      secondaryBus: 4,
      ...ms('7b17'),
    },
    {
      address: '0000:00:1d.0',
      classCode: 0x060400,
      vendor: '8086',
      device: 'a330',
      revision: 'f0',
      driver: 'pcieport',
      iommuGroup: 11,
      className: 'PCI bridge',
      vendorName: INTEL,
      deviceName: 'Cannon Lake PCH PCI Express Root Port #9',
      secondaryBus: 5,
      ...ms('7b17'),
    },
    {
      address: '0000:00:1f.0',
      classCode: 0x060100,
      vendor: '8086',
      device: 'a305',
      revision: '10',
      driver: null,
      iommuGroup: 12,
      className: 'ISA bridge',
      vendorName: INTEL,
      deviceName: 'Z390 Chipset LPC/eSPI Controller',
      ...ms('7b17'),
    },
    {
      address: '0000:00:1f.2',
      classCode: 0x058000,
      vendor: '8086',
      device: 'a321',
      revision: '10',
      driver: null,
      iommuGroup: 12,
      className: 'Memory controller',
      vendorName: INTEL,
      deviceName: 'Cannon Lake PCH Power Management Controller',
      ...ms('7b17'),
    },
    {
      address: '0000:00:1f.3',
      classCode: 0x040300,
      vendor: '8086',
      device: 'a348',
      revision: '10',
      driver: 'snd_hda_intel',
      module: 'snd_hda_intel',
      iommuGroup: 12,
      className: 'Audio device',
      vendorName: INTEL,
      deviceName: 'Cannon Lake PCH cAVS',
      ...ms('9b17'),
    },
    {
      address: '0000:00:1f.4',
      classCode: 0x0c0500,
      vendor: '8086',
      device: 'a323',
      revision: '10',
      driver: 'i801_smbus',
      module: 'i2c_i801',
      iommuGroup: 12,
      className: 'SMBus',
      vendorName: INTEL,
      deviceName: 'Cannon Lake PCH SMBus Controller',
      ...ms('7b17'),
    },
    {
      address: '0000:00:1f.5',
      classCode: 0x0c8000,
      vendor: '8086',
      device: 'a324',
      revision: '10',
      driver: 'intel-spi',
      module: 'spi_intel_pci',
      iommuGroup: 12,
      className: 'Serial bus controller',
      vendorName: INTEL,
      deviceName: 'Cannon Lake PCH SPI Controller',
      ...ms('7b17'),
    },
    {
      address: '0000:00:1f.6',
      classCode: 0x020000,
      vendor: '8086',
      device: '15bc',
      revision: '10',
      driver: 'e1000e',
      module: 'e1000e',
      iommuGroup: 12,
      resetMethods: ['flr'],
      className: 'Ethernet controller',
      vendorName: INTEL,
      deviceName: 'Ethernet Connection (7) I219-V',
      ...ms('7b17'),
    },
    // The RTX 2080: all four functions of slot 01:00, alone in group 13.
    ...rtx2080('01', '0000:00:01.0', 13),
    {
      address: '0000:02:00.0',
      parent: '0000:00:1b.0',
      classCode: 0x010802,
      vendor: '144d',
      device: 'a808',
      revision: '00',
      driver: 'nvme',
      module: 'nvme',
      iommuGroup: 14,
      resetMethods: ['flr', 'bus'],
      className: 'Non-Volatile memory controller',
      vendorName: 'Samsung Electronics Co Ltd',
      deviceName: 'NVMe SSD Controller SM981/PM981/PM983',
      subsystemVendor: '144d',
      subsystemVendorName: 'Samsung Electronics Co Ltd',
      subsystemDevice: 'a801',
      subsystemDeviceName: 'SSD 970 EVO Plus 1TB',
    },
    // The spare USB controller: nothing plugged in, alone in group 15.
    {
      address: '0000:03:00.0',
      parent: '0000:00:1c.0',
      classCode: 0x0c0330,
      vendor: '1b21',
      device: '2142',
      revision: '00',
      driver: 'xhci_hcd',
      module: 'xhci_pci',
      iommuGroup: 15,
      resetMethods: ['bus'],
      className: 'USB controller',
      vendorName: 'ASMedia Technology Inc.',
      deviceName: 'ASM2142/ASM3142 USB 3.1 Host Controller',
      ...ms('7b17'),
    },
    ...(v.twinGpus ? secondRtx2080() : rx560()),
    {
      address: '0000:05:00.0',
      parent: '0000:00:1d.0',
      classCode: 0x010802,
      vendor: '144d',
      device: 'a808',
      revision: '00',
      driver: 'nvme',
      module: 'nvme',
      iommuGroup: 16,
      resetMethods: ['flr', 'bus'],
      className: 'Non-Volatile memory controller',
      vendorName: 'Samsung Electronics Co Ltd',
      deviceName: 'NVMe SSD Controller SM981/PM981/PM983',
      subsystemVendor: '144d',
      subsystemVendorName: 'Samsung Electronics Co Ltd',
      subsystemDevice: 'a801',
      subsystemDeviceName: 'SSD 970 EVO Plus 1TB',
    },
  ] as PciSpec[];
}

/** The four functions of an ASUS RTX 2080 (10de:1e87 and its audio, USB and UCSI functions). */
function rtx2080(bus: string, parent: string, group: number): PciSpec[] {
  return [
    {
      address: `0000:${bus}:00.0`,
      parent,
      classCode: 0x030000,
      vendor: '10de',
      device: '1e87',
      revision: 'a1',
      driver: 'nvidia',
      module: 'nvidia',
      iommuGroup: group,
      bootVga: false,
      resetMethods: ['bus'],
      className: 'VGA compatible controller',
      vendorName: 'NVIDIA Corporation',
      deviceName: 'TU104 [GeForce RTX 2080 Rev. A]',
      subsystemVendor: '1043',
      subsystemVendorName: 'ASUSTeK Computer Inc.',
      subsystemDevice: '8660',
      subsystemDeviceName: 'TU104 [GeForce RTX 2080 Rev. A]',
    },
    {
      address: `0000:${bus}:00.1`,
      parent,
      classCode: 0x040300,
      vendor: '10de',
      device: '10f8',
      revision: 'a1',
      driver: 'snd_hda_intel',
      module: 'snd_hda_intel',
      iommuGroup: group,
      resetMethods: ['bus'],
      className: 'Audio device',
      vendorName: 'NVIDIA Corporation',
      deviceName: 'TU104 HD Audio Controller',
      subsystemVendor: '1043',
      subsystemVendorName: 'ASUSTeK Computer Inc.',
      subsystemDevice: '8660',
      subsystemDeviceName: 'TU104 HD Audio Controller',
    },
    {
      address: `0000:${bus}:00.2`,
      parent,
      classCode: 0x0c0330,
      vendor: '10de',
      device: '1ad8',
      revision: 'a1',
      driver: 'xhci_hcd',
      module: 'xhci_pci',
      iommuGroup: group,
      resetMethods: ['bus'],
      className: 'USB controller',
      vendorName: 'NVIDIA Corporation',
      deviceName: 'TU104 USB 3.1 Host Controller',
      subsystemVendor: '1043',
      subsystemVendorName: 'ASUSTeK Computer Inc.',
      subsystemDevice: '8660',
      subsystemDeviceName: 'TU104 USB 3.1 Host Controller',
    },
    {
      address: `0000:${bus}:00.3`,
      parent,
      classCode: 0x0c8000,
      vendor: '10de',
      device: '1ad9',
      revision: 'a1',
      driver: 'nvidia-gpu',
      module: 'i2c_nvidia_gpu',
      iommuGroup: group,
      resetMethods: ['bus'],
      className: 'Serial bus controller',
      vendorName: 'NVIDIA Corporation',
      deviceName: 'TU104 USB Type-C UCSI Controller',
      subsystemVendor: '1043',
      subsystemVendorName: 'ASUSTeK Computer Inc.',
      subsystemDevice: '8660',
      subsystemDeviceName: 'TU104 USB Type-C UCSI Controller',
    },
  ];
}

/** The RX 560 in the chipset slot 1c.4, which shares group 8 with the SATA controller. */
function rx560(): PciSpec[] {
  return [
    {
      address: '0000:04:00.0',
      parent: '0000:00:1c.4',
      classCode: 0x030000,
      vendor: '1002',
      device: '67ff',
      revision: 'cf',
      driver: 'amdgpu',
      module: 'amdgpu',
      iommuGroup: 8,
      bootVga: false,
      resetMethods: ['bus'],
      className: 'VGA compatible controller',
      vendorName: 'Advanced Micro Devices, Inc. [AMD/ATI]',
      deviceName: 'Baffin [Radeon RX 550 640SP / RX 560/560X]',
      subsystemVendor: '1458',
      subsystemVendorName: 'Gigabyte Technology Co., Ltd',
      subsystemDevice: '22fc',
      subsystemDeviceName: 'Radeon RX 560 Gaming OC 4G',
    },
    {
      address: '0000:04:00.1',
      parent: '0000:00:1c.4',
      classCode: 0x040300,
      vendor: '1002',
      device: 'aae0',
      revision: '00',
      driver: 'snd_hda_intel',
      module: 'snd_hda_intel',
      iommuGroup: 8,
      resetMethods: ['bus'],
      className: 'Audio device',
      vendorName: 'Advanced Micro Devices, Inc. [AMD/ATI]',
      deviceName: 'Baffin HDMI/DP Audio [Radeon RX 550 640SP / RX 560/560X]',
      subsystemVendor: '1458',
      subsystemVendorName: 'Gigabyte Technology Co., Ltd',
      subsystemDevice: 'aae0',
      subsystemDeviceName: 'Device',
    },
  ];
}

/**
 * The twin-GPU machine's second card: the same RTX 2080 in the chipset slot 1c.4, in group 8 with
 * the SATA controller, so it stays with the host, and its IDs are the VM's card's IDs.
 */
function secondRtx2080(): PciSpec[] {
  return rtx2080('04', '0000:00:1c.4', 8).map((d) =>
    d.classCode === 0x030000 ? { ...d, driver: 'nvidia', module: 'nvidia' } : d,
  );
}

/** The pool was created with `-o compatibility=grub2` so GRUB can read /boot inside zroot/root. */
const GRUB2_FEATURES = new Set([
  'allocation_classes',
  'async_destroy',
  'block_cloning',
  'bookmarks',
  'device_rebuild',
  'embedded_data',
  'empty_bpobj',
  'enabled_txg',
  'extensible_dataset',
  'filesystem_limits',
  'hole_birth',
  'large_blocks',
  'livelist',
  'log_spacemap',
  'lz4_compress',
  'project_quota',
  'resilver_defer',
  'spacemap_histogram',
  'spacemap_v2',
  'userobj_accounting',
  'zilsaxattr',
  'zpool_checkpoint',
]);
const ACTIVE_FEATURES = new Set([
  'empty_bpobj',
  'lz4_compress',
  'spacemap_histogram',
  'enabled_txg',
  'hole_birth',
  'extensible_dataset',
  'embedded_data',
  'userobj_accounting',
  'project_quota',
  'spacemap_v2',
  'log_spacemap',
]);

export function demoPoolFeatures(): Array<[string, FeatureState]> {
  return OPENZFS_2_3_FEATURES.map((f): [string, FeatureState] => [
    f,
    ACTIVE_FEATURES.has(f) ? 'active' : GRUB2_FEATURES.has(f) ? 'enabled' : 'disabled',
  ]);
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const t = (iso: string): number => Date.parse(iso) / 1000;

function demoDatasets(): DatasetSpec[] {
  const fs = (name: string, o: Partial<DatasetSpec>): DatasetSpec => ({
    name,
    type: 'filesystem',
    usedBytes: 0,
    availBytes: 0,
    referBytes: 0,
    mountpoint: 'legacy',
    mounted: true,
    canmount: 'on',
    compression: 'lz4',
    encryption: 'off',
    keystatus: null,
    volsizeBytes: null,
    volblocksizeBytes: null,
    refreservationBytes: 0,
    origin: null,
    creation: t('2025-12-02T19:14:07Z'),
    user: {},
    ...o,
  });
  const snap = (name: string, used: number, refer: number, creation: number): DatasetSpec => ({
    name,
    type: 'snapshot',
    usedBytes: used,
    availBytes: null,
    referBytes: refer,
    mountpoint: null,
    mounted: null,
    canmount: null,
    compression: 'lz4',
    encryption: 'off',
    keystatus: null,
    volsizeBytes: null,
    volblocksizeBytes: null,
    refreservationBytes: null,
    origin: null,
    creation,
    user: {},
  });
  const avail = 621_948_223_488;
  return [
    fs('zroot', {
      usedBytes: 305_712_381_952,
      availBytes: avail,
      referBytes: 196_608,
      mountpoint: 'none',
      mounted: false,
    }),
    fs('zroot/root', {
      usedBytes: 21_474_836_480 + 1_611_661_312,
      availBytes: avail,
      referBytes: 21_474_836_480,
      creation: t('2025-12-02T19:14:09Z'),
    }),
    snap('zroot/root@2026-11-01', 1_073_741_824, 20_401_094_656, t('2026-11-01T00:00:00Z')),
    snap('zroot/root@2026-11-15', 537_919_488, 21_206_401_024, t('2026-11-15T00:00:00Z')),
    fs('zroot/nix', {
      usedBytes: 68_719_476_736,
      availBytes: avail,
      referBytes: 68_719_476_736,
      creation: t('2025-12-02T19:14:11Z'),
    }),
    fs('zroot/home', {
      usedBytes: 83_751_862_272,
      availBytes: avail,
      referBytes: 79_456_894_976,
      creation: t('2025-12-02T19:14:12Z'),
    }),
    snap('zroot/home@2026-11-01', 2_147_483_648, 78_383_153_152, t('2026-11-01T00:00:00Z')),
    snap('zroot/home@2026-11-15', 2_147_483_648, 79_120_539_648, t('2026-11-15T00:00:00Z')),
    fs('zroot/var', {
      usedBytes: 8_589_934_592,
      availBytes: avail,
      referBytes: 8_589_934_592,
      creation: t('2025-12-02T19:14:13Z'),
    }),
    fs('zroot/vm', {
      usedBytes: 121_564_626_944,
      availBytes: avail,
      referBytes: 98_304,
      mountpoint: 'none',
      mounted: false,
      creation: t('2026-06-12T21:02:40Z'),
    }),
    {
      name: 'zroot/vm/win10',
      type: 'volume',
      usedBytes: 121_564_528_640,
      availBytes: avail + 60_129_542_144,
      referBytes: 51_539_607_552,
      mountpoint: null,
      mounted: null,
      canmount: null,
      compression: 'lz4',
      encryption: 'off',
      keystatus: null,
      volsizeBytes: 100 * GiB,
      volblocksizeBytes: 16384,
      refreservationBytes: 110_595_407_872,
      origin: null,
      creation: t('2026-06-12T21:03:11Z'),
      user: {},
    },
    snap('zroot/vm/win10@2026-11-01', 10_969_120_768, 49_392_123_904, t('2026-11-01T00:00:00Z')),
  ];
}

const ESP_TYPE = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';
const LINUX_TYPE = '0fc63daf-8483-4772-8e79-3d69d8477de4';

const HID_KBD_BITS = [
  'PROP=0',
  'EV=120013',
  'KEY=1000000000007 ff9f207ac14057ff febeffdfffefffff fffffffffffffffe',
  'MSC=10',
  'LED=7',
];

export function buildDemoMachine(v: DemoVariant = WORKSTATION_2511): VirtualHost {
  const b = new MachineBuilder({
    description: `demo machine (NixOS ${v.release} workstation, Z390${v.twinGpus ? ', two RTX 2080' : ''})`,
    kernelRelease: v.kernel,
  });
  for (const d of pciDevices(v)) b.pci(d);

  // VT-d: dmar0 is the graphics unit in front of the iGPU, dmar1 covers everything else.
  b.iommu('DMAR', ['dmar0', 'dmar1'], (a) => (a === '0000:00:02.0' ? 'dmar0' : 'dmar1'));
  b.acpi([
    'APIC',
    'BGRT',
    'DBG2',
    'DBGP',
    'DSDT',
    'FACP',
    'FACS',
    'FIDT',
    'FPDT',
    'HPET',
    'LPIT',
    'MCFG',
    'SSDT1',
    'SSDT2',
    'SSDT3',
    'SSDT4',
    'SSDT5',
    'SSDT6',
    'SSDT7',
    'TPM2',
    'UEFI',
    'WSMT',
  ]);
  b.host.mkdirp('/sys/firmware/acpi/tables/data').mkdirp('/sys/firmware/acpi/tables/dynamic');

  b.drm({
    card: 0,
    render: 128,
    device: '0000:00:02.0',
    connectors: [
      { name: 'DP-1', connected: false },
      { name: 'HDMI-A-1', connected: true },
      { name: 'HDMI-A-2', connected: false },
    ],
  });
  b.drm({
    card: 1,
    render: 129,
    device: '0000:01:00.0',
    connectors: [
      { name: 'DP-1', connected: false },
      { name: 'DP-2', connected: false },
      { name: 'DP-3', connected: false },
      { name: 'HDMI-A-1', connected: false },
      { name: 'DP-4', connected: false },
    ],
  });
  b.drm({
    card: 2,
    render: 130,
    device: '0000:04:00.0',
    connectors: v.twinGpus
      ? [
          { name: 'DP-1', connected: false },
          { name: 'DP-2', connected: false },
          { name: 'DP-3', connected: false },
          { name: 'HDMI-A-1', connected: false },
          { name: 'DP-4', connected: false },
        ]
      : [
          { name: 'DP-1', connected: false },
          { name: 'HDMI-A-1', connected: false },
          { name: 'DVI-D-1', connected: false },
        ],
  });

  // Buses are numbered in PCI probe order: chipset xHCI, then the GPU's, then the ASMedia card.
  b.usbBus({ bus: 1, controller: '0000:00:14.0', usbVersion: '2.00', ports: 16 });
  b.usbBus({ bus: 2, controller: '0000:00:14.0', usbVersion: '3.10', ports: 10 });
  b.usbBus({ bus: 3, controller: '0000:01:00.2', usbVersion: '2.00', ports: 2 });
  b.usbBus({ bus: 4, controller: '0000:01:00.2', usbVersion: '3.10', ports: 1 });
  b.usbBus({ bus: 5, controller: '0000:03:00.0', usbVersion: '2.00', ports: 2 });
  b.usbBus({ bus: 6, controller: '0000:03:00.0', usbVersion: '3.10', ports: 2 });
  if (v.twinGpus) {
    b.usbBus({ bus: 7, controller: '0000:04:00.2', usbVersion: '2.00', ports: 2 });
    b.usbBus({ bus: 8, controller: '0000:04:00.2', usbVersion: '3.10', ports: 1 });
  }
  b.platformInput({
    id: '0019:0000:0001:0000',
    name: 'Power Button',
    phys: 'PNP0C0C/button/input0',
    sysfs: '/devices/LNXSYSTM:00/LNXSYBUS:00/PNP0C0C:00/input/input0',
    handlers: 'kbd event0',
    bits: ['PROP=0', 'EV=3', 'KEY=8000 10000000000000 0'],
  });
  b.platformInput({
    id: '0019:0000:0001:0000',
    name: 'Power Button',
    phys: 'LNXPWRBN/button/input0',
    sysfs: '/devices/LNXSYSTM:00/LNXPWRBN:00/input/input1',
    handlers: 'kbd event1',
    bits: ['PROP=0', 'EV=3', 'KEY=8000 10000000000000 0'],
  });
  b.platformInput({
    id: '0019:0000:0006:0000',
    name: 'Video Bus',
    phys: 'LNXVIDEO/video/input0',
    sysfs: '/devices/LNXSYSTM:00/LNXSYBUS:00/PNP0A08:00/LNXVIDEO:00/input/input2',
    handlers: 'kbd event2',
    bits: ['PROP=0', 'EV=3', 'KEY=3e000b00000000 0 0 0'],
  });
  b.usbDevice({
    bus: 1,
    port: '2',
    devnum: 2,
    vendorId: '046d',
    productId: 'c31c',
    manufacturer: 'Logitech',
    product: 'USB Keyboard',
    speed: '1.5',
    deviceClass: '00',
    usbVersion: '1.10',
    bcdDevice: '6400',
    interfaces: [
      {
        cls: '03',
        subclass: '01',
        protocol: '01',
        driver: 'usbhid',
        inputs: [
          { name: 'Logitech USB Keyboard', handlers: 'sysrq kbd event3 leds', bits: HID_KBD_BITS },
        ],
      },
      {
        cls: '03',
        subclass: '00',
        protocol: '00',
        driver: 'usbhid',
        inputs: [
          {
            name: 'Logitech USB Keyboard Consumer Control',
            handlers: 'kbd event4',
            bits: [
              'PROP=0',
              'EV=1f',
              'KEY=3f000303ff 0 0 483ffff17aff32d bfd4444600000000 1 130c730b17c000 267bfad9415fed 9e168000004400 10000002',
              'REL=1040',
              'ABS=100000000',
              'MSC=10',
            ],
          },
          {
            name: 'Logitech USB Keyboard System Control',
            handlers: 'kbd event5',
            bits: ['PROP=0', 'EV=13', 'KEY=c000 100000000000 0', 'MSC=10'],
          },
        ],
      },
    ],
  });
  b.usbDevice({
    bus: 1,
    port: '3',
    devnum: 3,
    vendorId: '046d',
    productId: 'c077',
    manufacturer: 'Logitech',
    product: 'USB Optical Mouse',
    speed: '1.5',
    deviceClass: '00',
    usbVersion: '2.00',
    bcdDevice: '7200',
    interfaces: [
      {
        cls: '03',
        subclass: '01',
        protocol: '02',
        driver: 'usbhid',
        inputs: [
          {
            name: 'Logitech USB Optical Mouse',
            handlers: 'mouse0 event6',
            bits: ['PROP=0', 'EV=17', 'KEY=70000 0 0 0 0', 'REL=903', 'MSC=10'],
          },
        ],
      },
    ],
  });
  // The CNVi Bluetooth half of the 9560: no string descriptors, so no manufacturer or product.
  b.usbDevice({
    bus: 1,
    port: '14',
    devnum: 4,
    vendorId: '8087',
    productId: '0aaa',
    manufacturer: null,
    product: null,
    speed: '12',
    deviceClass: 'e0',
    usbVersion: '2.00',
    bcdDevice: '0002',
    interfaces: [
      { cls: 'e0', subclass: '01', protocol: '01', driver: 'btusb' },
      { cls: 'e0', subclass: '01', protocol: '01', driver: 'btusb' },
    ],
  });

  // Storage: two 970 EVO Plus (LUKS2 -> ZFS mirror), an ESP on the first, a WD Blue data HDD on SATA.
  const nvmeParts = (
    esp: { uuid: string; partuuid: string; mounted: boolean },
    luks: { uuid: string; partuuid: string; mapper: string; dm: number },
  ) => [
    {
      number: 1,
      startSector: 2048,
      sizeBytes: 1 * GiB,
      partType: ESP_TYPE,
      partTypeName: 'EFI System',
      partLabel: 'ESP',
      partUuid: esp.partuuid,
      fs: { type: 'vfat', version: 'FAT32', label: 'ESP', uuid: esp.uuid },
      ...(esp.mounted
        ? {
            mounts: [
              {
                target: v.espMountPoint,
                source: '/dev/nvme0n1p1',
                fstype: 'vfat',
                options:
                  'rw,relatime,fmask=0022,dmask=0022,codepage=437,iocharset=iso8859-1,shortname=mixed,errors=remount-ro',
              },
            ],
            usage: { sizeBytes: 1_071_616_000, usedBytes: 48_128_000, availBytes: 1_023_488_000 },
          }
        : {}),
    },
    {
      number: 2,
      startSector: 2099200,
      sizeBytes: 999_129_350_144,
      partType: LINUX_TYPE,
      partTypeName: 'Linux filesystem',
      partLabel: 'cryptroot',
      partUuid: luks.partuuid,
      fs: null,
      crypt: {
        name: luks.mapper,
        dmIndex: luks.dm,
        luksUuid: luks.uuid,
        luksVersion: '2' as const,
        content: { type: 'zfs_member', version: '5000', label: 'zroot', uuid: DEMO_POOL_GUID },
      },
    },
  ];
  b.disk({
    name: 'nvme0n1',
    transport: 'nvme',
    controller: '0000:02:00.0',
    nvmeIndex: 0,
    sizeBytes: 1_000_204_886_016,
    model: 'Samsung SSD 970 EVO Plus 1TB',
    serial: 'S4EWNX0R812345K',
    wwn: 'eui.0025385881b12345',
    revision: '2B2QEXM7',
    rotational: false,
    logicalSector: 512,
    physicalSector: 512,
    pttype: 'gpt',
    ptuuid: '8e6b1c2a-4f3d-4e5b-9a7c-1d2e3f4a5b6c',
    diskSeq: 1,
    queues: 16,
    byId: [
      'nvme-Samsung_SSD_970_EVO_Plus_1TB_S4EWNX0R812345K',
      'nvme-Samsung_SSD_970_EVO_Plus_1TB_S4EWNX0R812345K_1',
      'nvme-eui.0025385881b12345',
    ],
    partitions: nvmeParts(
      { uuid: '6A3B-1F2C', partuuid: 'a1b2c3d4-1111-4a5b-8c6d-7e8f9a0b1c2d', mounted: true },
      {
        uuid: '3f1c9b7e-5d2a-4c8e-9b0a-1d2e3f4a5b6c',
        partuuid: 'b2c3d4e5-2222-4b6c-9d7e-8f9a0b1c2d3e',
        mapper: 'cryptroot1',
        dm: 0,
      },
    ),
  });
  b.disk({
    name: 'nvme1n1',
    transport: 'nvme',
    controller: '0000:05:00.0',
    nvmeIndex: 1,
    sizeBytes: 1_000_204_886_016,
    model: 'Samsung SSD 970 EVO Plus 1TB',
    serial: 'S4EWNX0R812399W',
    wwn: 'eui.0025385881b12399',
    revision: '2B2QEXM7',
    rotational: false,
    logicalSector: 512,
    physicalSector: 512,
    pttype: 'gpt',
    ptuuid: '9f7c2d3b-5a4e-4f6c-8b9d-2e3f4a5b6c7d',
    diskSeq: 2,
    queues: 16,
    byId: [
      'nvme-Samsung_SSD_970_EVO_Plus_1TB_S4EWNX0R812399W',
      'nvme-Samsung_SSD_970_EVO_Plus_1TB_S4EWNX0R812399W_1',
      'nvme-eui.0025385881b12399',
    ],
    partitions: nvmeParts(
      { uuid: '7C4D-2A3E', partuuid: 'c3d4e5f6-3333-4c7d-8e9f-0a1b2c3d4e5f', mounted: false },
      {
        uuid: '4a2d0c8f-6e3b-4d9f-8c1b-2e3f4a5b6c7d',
        partuuid: 'd4e5f6a7-4444-4d8e-9f0a-1b2c3d4e5f6a',
        mapper: 'cryptroot2',
        dm: 1,
      },
    ),
  });
  b.disk({
    name: 'sda',
    transport: 'sata',
    controller: '0000:00:17.0',
    ata: { port: 1, host: 0 },
    sizeBytes: 4_000_787_030_016,
    model: 'WDC WD40EZRZ-00GXCB0',
    serial: 'WD-WCC7K4NLF8E1',
    wwn: '0x50014ee2b9a1c3d4',
    revision: '0A80',
    rotational: true,
    logicalSector: 512,
    physicalSector: 4096,
    pttype: 'gpt',
    ptuuid: '2b7e9a4c-6d1f-4e8a-b3c5-7d9e1f2a4b6c',
    diskSeq: 3,
    queues: 1,
    byId: ['ata-WDC_WD40EZRZ-00GXCB0_WD-WCC7K4NLF8E1', 'wwn-0x50014ee2b9a1c3d4'],
    partitions: [
      {
        number: 1,
        startSector: 2048,
        sizeBytes: 4_000_785_104_896,
        partType: LINUX_TYPE,
        partTypeName: 'Linux filesystem',
        partLabel: 'data',
        partUuid: 'e5f6a7b8-5555-4e9f-8a0b-2c3d4e5f6a7b',
        fs: {
          type: 'ext4',
          version: '1.0',
          label: 'data',
          uuid: '5c0e6f1a-8b2d-4c3e-9f4a-6b7c8d9e0f1a',
        },
        mounts: [
          { target: '/srv/data', source: '/dev/sda1', fstype: 'ext4', options: 'rw,relatime' },
        ],
        usage: {
          sizeBytes: 3_936_818_806_784,
          usedBytes: 1_418_329_174_016,
          availBytes: 2_318_455_730_176,
        },
      },
    ],
  });
  b.disk({
    name: 'zd0',
    transport: 'zvol',
    controller: null,
    zvolDataset: 'zroot/vm/win10',
    sizeBytes: 100 * GiB,
    model: null,
    serial: null,
    wwn: null,
    revision: null,
    rotational: false,
    logicalSector: 512,
    physicalSector: 16384,
    pttype: 'gpt',
    ptuuid: '4e1d2c3b-a5f6-4789-b0c1-d2e3f4a5b6c7',
    diskSeq: 4,
    queues: 1,
    byId: [],
    partitions: [
      {
        number: 1,
        startSector: 2048,
        sizeBytes: 100 * MiB,
        partType: ESP_TYPE,
        partTypeName: 'EFI System',
        partLabel: 'EFI system partition',
        partUuid: '5f2e3d4c-b6a7-4890-c1d2-e3f4a5b6c7d8',
        fs: { type: 'vfat', version: 'FAT32', label: null, uuid: '3C41-9A2B' },
      },
      {
        number: 2,
        startSector: 206848,
        sizeBytes: 16 * MiB,
        partType: 'e3c9e316-0b5c-4db8-817d-f92df00215ae',
        partTypeName: 'Microsoft reserved',
        partLabel: 'Microsoft reserved partition',
        partUuid: '6a3f4e5d-c7b8-4901-d2e3-f4a5b6c7d8e9',
        fs: null,
      },
      {
        number: 3,
        startSector: 239616,
        sizeBytes: 106_663_460_864,
        partType: 'ebd0a0a2-b9e5-4433-87c0-68b6b72699c7',
        partTypeName: 'Microsoft basic data',
        partLabel: 'Basic data partition',
        partUuid: '7b4a5f6e-d8c9-4012-e3f4-a5b6c7d8e9f0',
        fs: { type: 'ntfs', version: null, label: null, uuid: '5A7C3E1B7C3DF2A1' },
      },
      {
        number: 4,
        startSector: 208572416,
        sizeBytes: 576_716_800,
        partType: 'de94bba4-06d1-4d40-a16a-bfd50179d6ac',
        partTypeName: 'Windows recovery environment',
        partLabel: null,
        partUuid: '8c5b6a7f-e9d0-4123-f4a5-b6c7d8e9f0a1',
        fs: { type: 'ntfs', version: null, label: null, uuid: '2E9A1F3C9A1F0B57' },
      },
    ],
  });

  b.zfs('zfs-2.3.4-1\nzfs-kmod-2.3.4-1\n');
  b.pool({
    name: 'zroot',
    guid: DEMO_POOL_GUID,
    loadGuid: '3452123998712301923',
    sizeBytes: 991_529_558_016,
    allocatedBytes: 308_579_950_592,
    fragmentationPercent: 4,
    health: 'ONLINE',
    altroot: null,
    bootfs: null,
    compatibility: 'grub2',
    ashift: 12,
    autotrim: 'off',
    features: demoPoolFeatures(),
    vdevs: [
      {
        name: 'mirror-0',
        children: [{ name: '/dev/mapper/cryptroot1' }, { name: '/dev/mapper/cryptroot2' }],
      },
    ],
    scan: 'scrub repaired 0B in 00:06:41 with 0 errors on Sun Nov  1 00:06:41 2026',
    zfsMinor: 3,
    lastScrubbedTxg: 2_118_742,
  });
  for (const d of demoDatasets()) b.dataset(d);

  const zfsOpts = 'rw,relatime,xattr,noacl,casesensitive';
  for (const m of [
    { source: 'zroot/root', target: '/', fstype: 'zfs', options: zfsOpts },
    {
      source: 'devtmpfs',
      target: '/dev',
      fstype: 'devtmpfs',
      options: 'rw,nosuid,size=3288628k,nr_inodes=8217531,mode=755',
    },
    {
      source: 'devpts',
      target: '/dev/pts',
      fstype: 'devpts',
      options: 'rw,nosuid,noexec,relatime,gid=3,mode=620,ptmxmode=666',
    },
    {
      source: 'tmpfs',
      target: '/dev/shm',
      fstype: 'tmpfs',
      options: 'rw,nosuid,nodev,size=32886272k',
    },
    { source: 'proc', target: '/proc', fstype: 'proc', options: 'rw,nosuid,nodev,noexec,relatime' },
    {
      source: 'tmpfs',
      target: '/run',
      fstype: 'tmpfs',
      options: 'rw,nosuid,nodev,size=16443136k,mode=755',
    },
    {
      source: 'sysfs',
      target: '/sys',
      fstype: 'sysfs',
      options: 'rw,nosuid,nodev,noexec,relatime',
    },
    {
      source: 'efivarfs',
      target: '/sys/firmware/efi/efivars',
      fstype: 'efivarfs',
      options: 'rw,nosuid,nodev,noexec,relatime',
    },
    { source: 'zroot/nix', target: '/nix', fstype: 'zfs', options: zfsOpts },
    {
      source: 'zroot/nix',
      target: '/nix/store',
      fstype: 'zfs',
      options: 'ro,nosuid,nodev,relatime,xattr,noacl,casesensitive',
    },
    { source: 'zroot/home', target: '/home', fstype: 'zfs', options: zfsOpts },
    { source: 'zroot/var', target: '/var', fstype: 'zfs', options: zfsOpts },
    {
      source: '/dev/nvme0n1p1',
      target: v.espMountPoint,
      fstype: 'vfat',
      options:
        'rw,relatime,fmask=0022,dmask=0022,codepage=437,iocharset=iso8859-1,shortname=mixed,errors=remount-ro',
    },
    { source: '/dev/sda1', target: '/srv/data', fstype: 'ext4', options: 'rw,relatime' },
  ])
    b.mount(m);

  b.net({ name: 'lo', mac: '00:00:00:00:00:00' });
  b.net({ name: 'eno1', device: '0000:00:1f.6', mac: '30:9c:23:8a:41:5e' });
  b.net({ name: 'wlo1', device: '0000:00:14.3', mac: '8c:c6:81:4d:2e:17' });
  b.route({
    iface: 'eno1',
    destination: '00000000',
    gateway: '0101A8C0',
    flags: 0x3,
    metric: 100,
    mask: '00000000',
  });
  b.route({
    iface: 'eno1',
    destination: '0001A8C0',
    gateway: '00000000',
    flags: 0x1,
    metric: 100,
    mask: '00FFFFFF',
  });

  b.cpus(16);
  const zero = Array.from({ length: 16 }, () => '0'.padStart(10)).join(' ');
  b.interrupt(`   0: ${zero.replace(/^ {9}0/, '        15')}  IR-IO-APIC    2-edge      timer`);
  b.interrupt(`   8: ${zero.replace(/^ {9}0/, '         1')}  IR-IO-APIC    8-edge      rtc0`);
  b.interrupt(`   9: ${zero.replace(/^ {9}0/, '         4')}  IR-IO-APIC    9-fasteoi   acpi`);
  b.interrupt(`  16: ${zero}  IR-IO-APIC   16-fasteoi   i801_smbus`);
  b.build();
  writeSystem(b, v);
  return b.host;
}

/** The kernel command line the machine booted with, as GRUB passed NixOS's boot.kernelParams. */
function kernelParams(v: DemoVariant): string[] {
  return [
    ...(v.systemdInitrd ? ['root=fstab'] : []),
    'intel_iommu=on',
    'iommu=pt',
    'loglevel=4',
    'lsm=landlock,yama,bpf',
  ];
}

// Over 80 lines: it writes every /proc, /sys and /etc file of the machine in one place, in the
// order a reader would look for them.
function writeSystem(b: MachineBuilder, v: DemoVariant): void {
  const h = b.host;
  h.file('/proc/cpuinfo', renderCpuinfo(I9_9900K), 0o444);
  h.file('/proc/meminfo', renderMeminfo(65_772_548), 0o444);
  for (const size of ['hugepages-1048576kB', 'hugepages-2048kB']) {
    const dir = `/sys/kernel/mm/hugepages/${size}`;
    for (const f of [
      'nr_hugepages',
      'free_hugepages',
      'resv_hugepages',
      'surplus_hugepages',
      'nr_overcommit_hugepages',
    ])
      h.file(`${dir}/${f}`, '0\n');
    h.file(`${dir}/nr_hugepages_mempolicy`, '0\n');
  }
  h.file('/proc/sys/kernel/osrelease', `${v.kernel}\n`, 0o444);
  h.file(
    '/proc/cmdline',
    `BOOT_IMAGE=(cryptouuid/3f1c9b7e5d2a4c8e9b0a1d2e3f4a5b6c)/root@/nix/store/${DEMO_KERNEL_HASH}-linux-${v.kernel}/bzImage init=${demoSystemPath(v.nixosVersion)}/init ${kernelParams(v).join(' ')}\n`,
    0o444,
  );

  // UEFI variables: GRUB leaves no systemd-boot LoaderInfo; NixOS's grub-install added Boot0001.
  h.mkdirp('/sys/firmware/efi/efivars');
  h.file('/sys/firmware/efi/fw_platform_size', '64\n', 0o444);
  const global = '8be4df61-93ca-11d2-aa0d-00e098032b8c';
  const db = 'd719b2cb-3d3a-4596-a3bc-dad00e67656f';
  for (const v of [
    `Boot0000-${global}`,
    `Boot0001-${global}`,
    `Boot0002-${global}`,
    `BootCurrent-${global}`,
    `BootOptionSupport-${global}`,
    `BootOrder-${global}`,
    `ConIn-${global}`,
    `ConInDev-${global}`,
    `ConOut-${global}`,
    `ConOutDev-${global}`,
    `ErrOut-${global}`,
    `ErrOutDev-${global}`,
    `KEK-${global}`,
    `Lang-${global}`,
    `LangCodes-${global}`,
    `OsIndications-${global}`,
    `OsIndicationsSupported-${global}`,
    `PK-${global}`,
    `PlatformLang-${global}`,
    `PlatformLangCodes-${global}`,
    `SecureBoot-${global}`,
    `SetupMode-${global}`,
    `SignatureSupport-${global}`,
    `Timeout-${global}`,
    `VendorKeys-${global}`,
    `db-${db}`,
    `dbx-${db}`,
    'MTC-eb704011-1402-11d3-8e77-00a0c969723b',
    'MemoryOverwriteRequestControl-e20939be-32d4-41be-a150-897f85d49829',
  ]) {
    h.file(`/sys/firmware/efi/efivars/${v}`, new Uint8Array([7, 0, 0, 0, 0]));
  }
  h.file('/boot/grub/grub.cfg', '# Automatically generated.  DO NOT EDIT THIS FILE!\n', 0o444);
  // grub-install's --bootloader-id is NixOS and the ESP's mount point with / made - (grub.nix).
  h.file(
    `${v.espMountPoint}/EFI/NixOS${v.espMountPoint.replaceAll('/', '-')}/grubx64.efi`,
    new Uint8Array([0x4d, 0x5a]),
  );
  // grub-install's empty environment block: the signature, then # up to 1024 bytes
  // (util/grub-editenv.c create_envblk_fs; GRUB_ENVBLK_SIGNATURE in include/grub/lib/envblk.h).
  h.file('/boot/grub/grubenv', GRUBENV_EMPTY, 0o644);

  h.file(
    '/proc/modules',
    renderModules([
      { name: 'nvidia_drm', size: 135168, users: [], refcount: 2, taint: 'POE' },
      { name: 'nvidia_modeset', size: 1564672, users: ['nvidia_drm'], taint: 'POE' },
      { name: 'nvidia_uvm', size: 4931584, users: [], taint: 'POE' },
      {
        name: 'nvidia',
        size: 60710912,
        users: ['nvidia_uvm', 'nvidia_modeset'],
        refcount: 41,
        taint: 'POE',
      },
      ...(v.twinGpus
        ? [
            { name: 'i915', size: 4546560, users: [], refcount: 12 },
            { name: 'ttm', size: 110592, users: ['i915'] },
            { name: 'drm_display_helper', size: 253952, users: ['i915'] },
          ]
        : [
            { name: 'amdgpu', size: 14761984, users: [], refcount: 1 },
            { name: 'i915', size: 4546560, users: [], refcount: 12 },
            { name: 'drm_ttm_helper', size: 16384, users: ['amdgpu'] },
            { name: 'ttm', size: 110592, users: ['amdgpu', 'drm_ttm_helper', 'i915'] },
            { name: 'drm_display_helper', size: 253952, users: ['amdgpu', 'i915'] },
          ]),
      { name: 'kvm_intel', size: 425984, users: [] },
      { name: 'kvm', size: 1396736, users: ['kvm_intel'] },
      { name: 'zfs', size: 6647808, users: [], refcount: 7, taint: 'POE' },
      { name: 'spl', size: 143360, users: ['zfs'], taint: 'OE' },
      { name: 'dm_crypt', size: 65536, users: [], refcount: 2 },
      { name: 'iwlmvm', size: 692224, users: [] },
      { name: 'iwlwifi', size: 589824, users: ['iwlmvm'] },
      { name: 'btusb', size: 81920, users: [] },
      { name: 'snd_hda_intel', size: 65536, users: [], refcount: 6 },
      { name: 'e1000e', size: 356352, users: [] },
      { name: 'i2c_nvidia_gpu', size: 16384, users: [] },
      { name: 'i2c_i801', size: 40960, users: [] },
      { name: 'spi_intel_pci', size: 12288, users: [] },
      { name: 'mei_me', size: 53248, users: [] },
      { name: 'intel_pch_thermal', size: 20480, users: [] },
      { name: 'xhci_pci', size: 24576, users: [] },
      { name: 'nvme', size: 61440, users: [], refcount: 4 },
      { name: 'ahci', size: 49152, users: [], refcount: 1 },
      { name: 'usbhid', size: 77824, users: [] },
    ]),
    0o444,
  );
  for (const m of [
    'acpi',
    'ahci',
    'amdgpu',
    'block',
    'btusb',
    'dm_crypt',
    'drm',
    'drm_display_helper',
    'e1000e',
    'firmware_class',
    'i2c_i801',
    'i2c_nvidia_gpu',
    'i8042',
    'i915',
    'intel_iommu',
    'intel_pch_thermal',
    'iwlmvm',
    'iwlwifi',
    'kernel',
    'keyboard',
    'kvm',
    'kvm_intel',
    'mei_me',
    'module',
    'nvidia',
    'nvidia_drm',
    'nvidia_modeset',
    'nvidia_uvm',
    'nvme',
    'nvme_core',
    'pcie_aspm',
    'printk',
    'rcupdate',
    'snd_hda_intel',
    'spi_intel_pci',
    'spl',
    'sysrq',
    'usbcore',
    'usbhid',
    'xhci_hcd',
    'xhci_pci',
    'zfs',
  ]) {
    h.mkdirp(`/sys/module/${m}/parameters`);
  }

  h.file(
    '/etc/os-release',
    renderNixosOsRelease({
      release: v.release,
      codename: v.codename,
      buildId: v.nixosVersion,
      supportEnd: v.supportEnd,
    }),
    0o444,
  );
  h.file('/etc/hostname', `${v.hostname}\n`, 0o444);
  h.file('/etc/hostid', hostIdBytes(DEMO_HOSTID), 0o444);
  writeNixosOrigin(h, demoOrigin(v.nixosVersion));
  h.file('/etc/nixos/configuration.nix', demoConfigurationNix(v));
  // NixOS creates /mnt; the key file boot.initrd.secrets reads, readable by root only.
  h.mkdirp('/mnt');
  h.file('/etc/secrets/initrd/cryptroot.key', new Uint8Array(64).fill(0x5a), 0o400);
  h.file('/etc/nixos/hardware-configuration.nix', demoHardwareConfigurationNix(v));

  b.nixosFacts({
    version: v.nixosVersion,
    release: v.release,
    initrdSystemd: v.systemdInitrd,
    // NixOS adds root=fstab for systemd stage 1; the configuration's own come after it.
    kernelParams: kernelParams(v),
    // hardware-configuration.nix's dm-snapshot, and zfs.nix's zfs and spl for the root pool.
    initrdKernelModules: ['dm-snapshot', 'zfs', 'spl'],
    stateVersion: v.stateVersion,
    hostId: DEMO_HOSTID,
    luks: {
      cryptroot1: {
        device: '/dev/disk/by-uuid/3f1c9b7e-5d2a-4c8e-9b0a-1d2e3f4a5b6c',
        keyFile: '/cryptroot.key',
        preLVM: true,
      },
      cryptroot2: {
        device: '/dev/disk/by-uuid/4a2d0c8f-6e3b-4d9f-8c1b-2e3f4a5b6c7d',
        keyFile: '/cryptroot.key',
        preLVM: true,
      },
    },
    initrdSecrets: { '/cryptroot.key': '/etc/secrets/initrd/cryptroot.key' },
    grub: {
      enable: true,
      devices: ['nodev'],
      efiSupport: true,
      efiInstallAsRemovable: false,
      zfsSupport: true,
      enableCryptodisk: true,
      copyKernels: false,
    },
    systemdBoot: false,
    efiSysMountPoint: v.espMountPoint,
    canTouchEfiVariables: true,
    forceImportRoot: v.forceImportRoot ?? !(v.release === '26.11' && v.stateVersion >= '26.11'),
    fileSystems: {
      '/': { device: 'zroot/root', fsType: 'zfs' },
      '/nix': { device: 'zroot/nix', fsType: 'zfs' },
      '/home': { device: 'zroot/home', fsType: 'zfs' },
      '/var': { device: 'zroot/var', fsType: 'zfs' },
      [v.espMountPoint]: { device: '/dev/disk/by-uuid/6A3B-1F2C', fsType: 'vfat' },
      '/srv/data': {
        device: '/dev/disk/by-uuid/5c0e6f1a-8b2d-4c3e-9f4a-6b7c8d9e0f1a',
        fsType: 'ext4',
      },
    },
  });
}

/** What nixos-generate-config wrote for this machine (its disks, pool and LUKS devices). */
const demoHardwareConfigurationNix = (
  v: DemoVariant,
): string => `# Do not modify this file!  It was generated by ‘nixos-generate-config’
# and may be overwritten by future invocations.  Please make changes
# to /etc/nixos/configuration.nix instead.
{ config, lib, pkgs, modulesPath, ... }:

{
  boot.initrd.availableKernelModules = [ "xhci_pci" "ahci" "nvme" "usbhid" "usb_storage" "sd_mod" ];
  boot.initrd.kernelModules = [ "dm-snapshot" ];
  boot.kernelModules = [ "kvm-intel" ];

  fileSystems."/" =
    { device = "zroot/root";
      fsType = "zfs";
    };

  boot.initrd.luks.devices."cryptroot1".device = "/dev/disk/by-uuid/3f1c9b7e-5d2a-4c8e-9b0a-1d2e3f4a5b6c";
  boot.initrd.luks.devices."cryptroot2".device = "/dev/disk/by-uuid/4a2d0c8f-6e3b-4d9f-8c1b-2e3f4a5b6c7d";

  fileSystems."/nix" =
    { device = "zroot/nix";
      fsType = "zfs";
    };

  fileSystems."/home" =
    { device = "zroot/home";
      fsType = "zfs";
    };

  fileSystems."/var" =
    { device = "zroot/var";
      fsType = "zfs";
    };

  fileSystems."${v.espMountPoint}" =
    { device = "/dev/disk/by-uuid/6A3B-1F2C";
      fsType = "vfat";
      options = [ "fmask=0022" "dmask=0022" ];
    };

  fileSystems."/srv/data" =
    { device = "/dev/disk/by-uuid/5c0e6f1a-8b2d-4c3e-9f4a-6b7c8d9e0f1a";
      fsType = "ext4";
    };

  networking.useDHCP = lib.mkDefault true;
  hardware.cpu.intel.updateMicrocode = lib.mkDefault config.hardware.enableRedistributableFirmware;
}
`;

/** The machine's own configuration.nix, as its owner wrote it. */
export const demoConfigurationNix = (v: DemoVariant): string => `{ config, pkgs, ... }:

{
  imports = [ ./hardware-configuration.nix ];

  boot.loader.grub = {
    enable = true;
    device = "nodev";
    efiSupport = true;
    zfsSupport = true;
    enableCryptodisk = true;
  };
  boot.loader.efi.canTouchEfiVariables = true;
  boot.loader.efi.efiSysMountPoint = "${v.espMountPoint}";
  boot.kernelParams = [ "intel_iommu=on" "iommu=pt" ];

  boot.initrd.secrets."/cryptroot.key" = "/etc/secrets/initrd/cryptroot.key";
  boot.initrd.luks.devices = {
    cryptroot1 = { device = "/dev/disk/by-uuid/3f1c9b7e-5d2a-4c8e-9b0a-1d2e3f4a5b6c"; keyFile = "/cryptroot.key"; };
    cryptroot2 = { device = "/dev/disk/by-uuid/4a2d0c8f-6e3b-4d9f-8c1b-2e3f4a5b6c7d"; keyFile = "/cryptroot.key"; };
  };

  networking.hostName = "${v.hostname}";
  networking.hostId = "${DEMO_HOSTID}";
  services.zfs.autoScrub.enable = true;${
    v.forceImportRoot === null
      ? ''
      : `
  # As NixOS 26.05's warning advises: the pool is imported by force only when asked at boot.
  boot.zfs.forceImportRoot = ${String(v.forceImportRoot)};`
  }
  hardware.nvidia.open = false;
  services.xserver.videoDrivers = [ "modesetting" "nvidia" ];

  system.stateVersion = "${v.stateVersion}";
}
`;

/** The first demo's configuration.nix (the drifted demo edits it). */
export const DEMO_CONFIGURATION_NIX = demoConfigurationNix(WORKSTATION_2511);
