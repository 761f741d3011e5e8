// Describes a Linux machine at the level of "a PCI device at 0000:01:00.0 behind root port
// 00:01.0" and writes the sysfs/procfs/dev tree and tool outputs a real kernel would show into
// a VirtualHost. The demo machine and the benchmark's large machine are both built with it.
import { VirtualHost } from '../../electron/host/virtual-host';
import {
  LSBLK_ARGV,
  LSPCI_ARGV,
  NIXOS_EVAL_CHANNELS_ARGV,
  ZFS_LIST_ARGV,
  ZFS_LIST_COLUMNS,
  ZFS_VERSION_ARGV,
  ZPOOL_GET_ARGV,
  ZPOOL_LIST_ARGV,
  ZPOOL_LIST_COLUMNS,
  ZPOOL_STATUS_ARGV,
} from '../../electron/inventory/commands';
import {
  deviceNumbers,
  partitionName,
  renderLsblk,
  renderZfsList,
  renderZpoolGetAll,
  renderZpoolList,
  renderZpoolStatus,
} from './storage-output';
import type { DatasetSpec, DiskSpec, MountInfo, PoolSpec } from './storage-output';

export type { DatasetSpec, DiskSpec, PoolSpec, PartitionSpec, VdevSpec } from './storage-output';

/** One PCI function. IDs are four lower-case hex digits; the class is the full 24-bit code. */
export interface PciSpec {
  address: string;
  /** Upstream bridge (root port, switch port); absent for devices on a root bus. */
  parent?: string;
  classCode: number;
  vendor: string;
  device: string;
  subsystemVendor?: string;
  subsystemDevice?: string;
  revision: string;
  /** Bound driver; absent or null = unbound (no `driver` link). */
  driver?: string | null;
  /** The kernel module providing the driver, when it is not built in. */
  module?: string | null;
  iommuGroup?: number;
  /** reset_method entries; [] = the device cannot be reset, so the file does not exist. */
  resetMethods?: string[];
  driverOverride?: string;
  /** VGA-class devices only: the firmware's display device. */
  bootVga?: boolean;
  /** Names for `lspci -nnmm`, as pci.ids gives them. */
  className: string;
  vendorName: string;
  deviceName: string;
  subsystemVendorName?: string;
  subsystemDeviceName?: string;
  /** Bridges: the secondary bus they open. */
  secondaryBus?: number;
}

export interface DrmConnectorSpec {
  /** e.g. `HDMI-A-1`, `DP-1` (the card prefix is added). */
  name: string;
  connected: boolean;
}

export interface DrmCardSpec {
  card: number;
  render: number;
  device: string;
  connectors: DrmConnectorSpec[];
}

export interface InputSpec {
  name: string;
  handlers: string;
  /** The `B:` lines, e.g. `EV=120013`. */
  bits: string[];
}

export interface UsbInterfaceSpec {
  cls: string;
  subclass: string;
  protocol: string;
  driver: string | null;
  /** Input devices the HID driver creates on this interface. */
  inputs?: InputSpec[];
}

export interface UsbDeviceSpec {
  bus: number;
  /** Port path below the root hub: `2`, `5.1`. */
  port: string;
  devnum: number;
  vendorId: string;
  productId: string;
  manufacturer: string | null;
  product: string | null;
  serial?: string | null;
  /** Mbit/s as sysfs `speed` prints it: `1.5`, `12`, `480`, `5000`, `10000`. */
  speed: string;
  deviceClass: string;
  usbVersion: string;
  bcdDevice: string;
  interfaces: UsbInterfaceSpec[];
}

export interface UsbBusSpec {
  bus: number;
  controller: string;
  /** `2.00` high-speed root hub or `3.10` SuperSpeed+ root hub. */
  usbVersion: '2.00' | '3.00' | '3.10';
  ports: number;
}

export interface NetInterfaceSpec {
  name: string;
  /** PCI device behind it; absent for virtual interfaces. */
  device?: string;
  mac: string;
}

export interface RouteSpec {
  iface: string;
  destination: string;
  gateway: string;
  mask: string;
  flags: number;
  metric: number;
}

export interface MachineOptions {
  description: string;
  kernelRelease: string;
  /** reset_method exists from Linux 5.15 on. */
  resetMethodAttribute?: boolean;
  /** `identity` with iommu=pt, `DMA` or `DMA-FQ` otherwise. */
  iommuDomainType?: string;
}

const SYS = '/sys';

/** Drivers that take MSI vectors and so show up as IR-PCI-MSI lines in /proc/interrupts. */
const MSI_DRIVERS = new Set([
  'pcieport',
  'xhci_hcd',
  'ahci',
  'nvme',
  'i915',
  'amdgpu',
  'nvidia',
  'snd_hda_intel',
  'e1000e',
  'mei_me',
  'iwlwifi',
  'igb',
  'ixgbe',
  'mpt3sas',
]);

/** `../` repeated once per path component below /sys of the directory holding a link. */
function up(dirBelowSys: string): string {
  const depth = dirBelowSys.split('/').filter((p) => p !== '').length;
  return '../'.repeat(depth);
}

function hex4(v: string): string {
  return `0x${v}\n`;
}

function busOf(address: string): string {
  return address.slice(0, 7);
}

export class MachineBuilder {
  readonly host: VirtualHost;
  readonly options: MachineOptions;
  private readonly pciDevices = new Map<string, PciSpec>();
  private iommuTable: 'DMAR' | 'IVRS' | null = null;
  private iommuUnits: string[] = [];
  private iommuUnitFor: (address: string) => string = () => '';
  private readonly drmCards: DrmCardSpec[] = [];
  private readonly usbBuses: UsbBusSpec[] = [];
  private readonly usbDevices: UsbDeviceSpec[] = [];
  private readonly platformInputs: Array<InputSpec & { id: string; phys: string; sysfs: string }> =
    [];
  private readonly disks: DiskSpec[] = [];
  private readonly pools: PoolSpec[] = [];
  private readonly datasets: DatasetSpec[] = [];
  private readonly nets: NetInterfaceSpec[] = [];
  private readonly routes: RouteSpec[] = [];
  private readonly extraMounts: MountInfo[] = [];
  private readonly acpiTables: string[] = [];
  private zfsVersion: string | null = null;
  private interruptsCpus = 1;
  private readonly interruptExtra: string[] = [];

  constructor(options: MachineOptions) {
    this.options = options;
    this.host = new VirtualHost(options.description);
  }

  // ------------------------------------------------------------------ PCI

  pci(spec: PciSpec): this {
    if (this.pciDevices.has(spec.address)) throw new Error(`duplicate PCI device ${spec.address}`);
    if (spec.parent !== undefined && !this.pciDevices.has(spec.parent)) {
      throw new Error(`${spec.address}: parent ${spec.parent} not declared yet`);
    }
    this.pciDevices.set(spec.address, spec);
    return this;
  }

  pciDevice(address: string): PciSpec | undefined {
    return this.pciDevices.get(address);
  }

  get pciAddresses(): string[] {
    return [...this.pciDevices.keys()];
  }

  /** The device's directory below /sys, e.g. `devices/pci0000:00/0000:00:01.0/0000:01:00.0`. */
  pciPath(address: string): string {
    const chain: string[] = [];
    let current: PciSpec | undefined = this.pciDevices.get(address);
    if (current === undefined) throw new Error(`unknown PCI device ${address}`);
    while (current !== undefined) {
      chain.unshift(current.address);
      current = current.parent === undefined ? undefined : this.pciDevices.get(current.parent);
    }
    const root = chain[0] ?? address;
    return `devices/pci${busOf(root)}/${chain.join('/')}`;
  }

  iommu(table: 'DMAR' | 'IVRS', units: string[], unitFor: (address: string) => string): this {
    this.iommuTable = table;
    this.iommuUnits = units;
    this.iommuUnitFor = unitFor;
    return this;
  }

  acpi(tables: string[]): this {
    this.acpiTables.push(...tables);
    return this;
  }

  drm(card: DrmCardSpec): this {
    this.drmCards.push(card);
    return this;
  }

  // ------------------------------------------------------------------ USB and input

  usbBus(spec: UsbBusSpec): this {
    this.usbBuses.push(spec);
    return this;
  }

  usbDevice(spec: UsbDeviceSpec): this {
    this.usbDevices.push(spec);
    return this;
  }

  /** An input device that does not hang off USB (ACPI buttons, PC speaker, HDA jacks). */
  platformInput(spec: InputSpec & { id: string; phys: string; sysfs: string }): this {
    this.platformInputs.push(spec);
    return this;
  }

  // ------------------------------------------------------------------ storage

  disk(spec: DiskSpec): this {
    this.disks.push(spec);
    return this;
  }

  pool(spec: PoolSpec): this {
    this.pools.push(spec);
    return this;
  }

  dataset(spec: DatasetSpec): this {
    this.datasets.push(spec);
    return this;
  }

  zfs(versionOutput: string): this {
    this.zfsVersion = versionOutput;
    return this;
  }

  mount(m: MountInfo): this {
    this.extraMounts.push(m);
    return this;
  }

  // ------------------------------------------------------------------ network

  net(spec: NetInterfaceSpec): this {
    this.nets.push(spec);
    return this;
  }

  route(spec: RouteSpec): this {
    this.routes.push(spec);
    return this;
  }

  cpus(count: number): this {
    this.interruptsCpus = count;
    return this;
  }

  interrupt(line: string): this {
    this.interruptExtra.push(line);
    return this;
  }

  // ------------------------------------------------------------------ output

  /** Writes everything declared so far into the host and returns it. */
  build(): VirtualHost {
    this.writePci();
    this.writeIommu();
    this.writeDrm();
    this.writeUsb();
    this.writeInputs();
    this.writeBlock();
    this.writeZfs();
    this.writeNet();
    this.writeMounts();
    this.writeInterrupts();
    return this.host;
  }

  private writePci(): void {
    const h = this.host;
    const resetAttr = this.options.resetMethodAttribute ?? true;
    h.mkdirp(`${SYS}/bus/pci/devices`).mkdirp(`${SYS}/bus/pci/drivers`);
    const roots = new Set<string>();
    const drivers = new Map<string, string | null>();
    for (const d of this.pciDevices.values()) {
      const rel = this.pciPath(d.address);
      const dir = `${SYS}/${rel}`;
      roots.add(rel.split('/')[1] ?? '');
      h.link(`${SYS}/bus/pci/devices/${d.address}`, `${up('bus/pci/devices')}${rel}`);
      const cls = d.classCode.toString(16).padStart(6, '0');
      h.file(`${dir}/class`, `0x${cls}\n`, 0o444);
      h.file(`${dir}/vendor`, hex4(d.vendor), 0o444);
      h.file(`${dir}/device`, hex4(d.device), 0o444);
      h.file(`${dir}/subsystem_vendor`, hex4(d.subsystemVendor ?? '0000'), 0o444);
      h.file(`${dir}/subsystem_device`, hex4(d.subsystemDevice ?? '0000'), 0o444);
      h.file(`${dir}/revision`, `0x${d.revision}\n`, 0o444);
      h.file(`${dir}/driver_override`, `${d.driverOverride ?? '(null)'}\n`);
      h.file(`${dir}/enable`, d.driver ? '1\n' : '0\n');
      h.file(`${dir}/numa_node`, '-1\n', 0o444);
      h.file(`${dir}/local_cpulist`, '0-15\n', 0o444);
      h.file(
        `${dir}/modalias`,
        `pci:v0000${d.vendor.toUpperCase()}d0000${d.device.toUpperCase()}sv0000${(d.subsystemVendor ?? '0000').toUpperCase()}sd0000${(d.subsystemDevice ?? '0000').toUpperCase()}bc${cls.slice(0, 2).toUpperCase()}sc${cls.slice(2, 4).toUpperCase()}i${cls.slice(4, 6).toUpperCase()}\n`,
        0o444,
      );
      h.file(
        `${dir}/uevent`,
        `${d.driver ? `DRIVER=${d.driver}\n` : ''}PCI_CLASS=${d.classCode.toString(16).toUpperCase()}\nPCI_ID=${d.vendor.toUpperCase()}:${d.device.toUpperCase()}\nPCI_SUBSYS_ID=${(d.subsystemVendor ?? '0000').toUpperCase()}:${(d.subsystemDevice ?? '0000').toUpperCase()}\nPCI_SLOT_NAME=${d.address}\nMODALIAS=pci:v0000${d.vendor.toUpperCase()}d0000${d.device.toUpperCase()}\n`,
      );
      h.link(`${dir}/subsystem`, `${up(rel)}bus/pci`);
      if (d.classCode >> 8 === 0x0300) h.file(`${dir}/boot_vga`, d.bootVga ? '1\n' : '0\n', 0o444);
      if (resetAttr && d.resetMethods !== undefined && d.resetMethods.length > 0) {
        h.file(`${dir}/reset_method`, `${d.resetMethods.join(' ')}\n`);
        h.file(`${dir}/reset`, '', 0o200);
      }
      if (d.secondaryBus !== undefined) {
        h.file(`${dir}/secondary_bus_number`, `${d.secondaryBus}\n`, 0o444);
        h.file(`${dir}/subordinate_bus_number`, `${d.secondaryBus}\n`, 0o444);
      }
      if (d.driver) {
        h.link(`${dir}/driver`, `${up(rel)}bus/pci/drivers/${d.driver}`);
        h.link(
          `${SYS}/bus/pci/drivers/${d.driver}/${d.address}`,
          `${up('bus/pci/drivers/x')}${rel}`,
        );
        if (!drivers.has(d.driver)) drivers.set(d.driver, d.module ?? null);
      }
      if (d.iommuGroup !== undefined) {
        h.link(`${dir}/iommu_group`, `${up(rel)}kernel/iommu_groups/${d.iommuGroup}`);
        const unit = this.iommuUnitFor(d.address);
        if (unit !== '') h.link(`${dir}/iommu`, `${up(rel)}devices/virtual/iommu/${unit}`);
      }
    }
    for (const root of roots) {
      h.file(`${SYS}/devices/${root}/uevent`, '');
      h.mkdirp(`${SYS}/devices/${root}/power`);
    }
    for (const [name, module] of drivers) {
      const dir = `${SYS}/bus/pci/drivers/${name}`;
      for (const f of ['bind', 'unbind', 'new_id', 'remove_id']) h.file(`${dir}/${f}`, '', 0o200);
      h.file(`${dir}/uevent`, '', 0o200);
      if (module) h.link(`${dir}/module`, `${up('bus/pci/drivers/x')}module/${module}`);
    }
    if (this.pciDevices.size > 0) this.host.command(LSPCI_ARGV, { stdout: this.renderLspci() });
  }

  /** `lspci -nnmm -D`: names from pci.ids with the numeric IDs in brackets. */
  renderLspci(): string {
    const q = (s: string): string => `"${s}"`;
    const lines: string[] = [];
    const sorted = [...this.pciDevices.values()].sort((a, b) => (a.address < b.address ? -1 : 1));
    for (const d of sorted) {
      const cls = d.classCode.toString(16).padStart(6, '0');
      const progIf = cls.slice(4);
      let line = `${d.address} ${q(`${d.className} [${cls.slice(0, 4)}]`)} ${q(`${d.vendorName} [${d.vendor}]`)} ${q(`${d.deviceName} [${d.device}]`)}`;
      if (d.revision !== '00') line += ` -r${d.revision}`;
      if (progIf !== '00') line += ` -p${progIf}`;
      if (d.subsystemVendor !== undefined && d.subsystemVendor !== '0000') {
        line += ` ${q(`${d.subsystemVendorName ?? 'Device'} [${d.subsystemVendor}]`)} ${q(`${d.subsystemDeviceName ?? 'Device'} [${d.subsystemDevice ?? '0000'}]`)}`;
      } else {
        line += ' "" ""';
      }
      lines.push(`${line}\n`);
    }
    return lines.join('');
  }

  private writeIommu(): void {
    const h = this.host;
    h.mkdirp(`${SYS}/kernel/iommu_groups`).mkdirp(`${SYS}/class/iommu`);
    h.mkdirp(`${SYS}/firmware/acpi/tables`);
    for (const t of this.acpiTables)
      h.file(`${SYS}/firmware/acpi/tables/${t}`, new Uint8Array([0]), 0o400);
    if (this.iommuTable !== null) {
      h.file(`${SYS}/firmware/acpi/tables/${this.iommuTable}`, new Uint8Array([0]), 0o400);
    }
    for (const unit of this.iommuUnits) {
      h.link(`${SYS}/class/iommu/${unit}`, `${up('class/iommu')}devices/virtual/iommu/${unit}`);
      h.mkdirp(`${SYS}/devices/virtual/iommu/${unit}/devices`);
      h.file(`${SYS}/devices/virtual/iommu/${unit}/uevent`, '');
    }
    const type = this.options.iommuDomainType ?? 'identity';
    for (const d of this.pciDevices.values()) {
      if (d.iommuGroup === undefined) continue;
      const rel = this.pciPath(d.address);
      const gdir = `${SYS}/kernel/iommu_groups/${d.iommuGroup}`;
      h.link(
        `${gdir}/devices/${d.address}`,
        `${up(`kernel/iommu_groups/${d.iommuGroup}/devices`)}${rel}`,
      );
      h.file(`${gdir}/type`, `${type}\n`);
      h.file(`${gdir}/reserved_regions`, '0x00000000fee00000 0x00000000feefffff msi\n', 0o444);
      const unit = this.iommuUnitFor(d.address);
      if (unit !== '') {
        h.link(
          `${SYS}/devices/virtual/iommu/${unit}/devices/${d.address}`,
          `${up(`devices/virtual/iommu/${unit}/devices`)}${rel}`,
        );
      }
    }
  }

  private writeDrm(): void {
    const h = this.host;
    if (this.drmCards.length === 0) return;
    h.file(`${SYS}/class/drm/version`, 'drm 1.1.0 20060810\n', 0o444);
    for (const c of this.drmCards) {
      const rel = this.pciPath(c.device);
      const card = `card${c.card}`;
      const cardRel = `${rel}/drm/${card}`;
      h.link(`${SYS}/class/drm/${card}`, `${up('class/drm')}${cardRel}`);
      h.link(`${SYS}/${cardRel}/device`, `../../../${c.device}`);
      h.link(`${SYS}/${cardRel}/subsystem`, `${up(cardRel)}class/drm`);
      h.file(`${SYS}/${cardRel}/dev`, `226:${c.card}\n`, 0o444);
      h.file(
        `${SYS}/${cardRel}/uevent`,
        `MAJOR=226\nMINOR=${c.card}\nDEVNAME=dri/${card}\nDEVTYPE=drm_minor\n`,
      );
      const renderRel = `${rel}/drm/renderD${c.render}`;
      h.link(`${SYS}/class/drm/renderD${c.render}`, `${up('class/drm')}${renderRel}`);
      h.link(`${SYS}/${renderRel}/device`, `../../../${c.device}`);
      h.file(`${SYS}/${renderRel}/dev`, `226:${c.render}\n`, 0o444);
      for (const conn of c.connectors) {
        const name = `${card}-${conn.name}`;
        const connRel = `${cardRel}/${name}`;
        h.link(`${SYS}/class/drm/${name}`, `${up('class/drm')}${connRel}`);
        h.file(`${SYS}/${connRel}/status`, conn.connected ? 'connected\n' : 'disconnected\n');
        h.file(`${SYS}/${connRel}/enabled`, conn.connected ? 'enabled\n' : 'disabled\n', 0o444);
        h.file(`${SYS}/${connRel}/dpms`, conn.connected ? 'On\n' : 'Off\n', 0o444);
        h.file(
          `${SYS}/${connRel}/modes`,
          conn.connected ? '2560x1440\n1920x1080\n1280x720\n' : '',
          0o444,
        );
        h.link(`${SYS}/${connRel}/subsystem`, `${up(connRel)}class/drm`);
      }
    }
  }

  /** `devices/.../usb1/1-5/1-5.1` for a device, `devices/.../usb1` for the root hub. */
  usbPath(bus: number, port: string | null): string {
    const b = this.usbBuses.find((x) => x.bus === bus);
    if (b === undefined) throw new Error(`unknown USB bus ${bus}`);
    let path = `${this.pciPath(b.controller)}/usb${bus}`;
    if (port === null) return path;
    const parts = port.split('.');
    for (let i = 1; i <= parts.length; i++) path += `/${bus}-${parts.slice(0, i).join('.')}`;
    return path;
  }

  private writeUsbDeviceFiles(
    rel: string,
    f: {
      vendor: string;
      product: string;
      manufacturer: string | null;
      productName: string | null;
      serial: string | null;
      speed: string;
      busnum: number;
      devnum: number;
      deviceClass: string;
      version: string;
      bcdDevice: string;
      devpath: string;
      maxchild: number;
      numInterfaces: number;
    },
  ): void {
    const h = this.host;
    const dir = `${SYS}/${rel}`;
    h.file(`${dir}/idVendor`, `${f.vendor}\n`, 0o444);
    h.file(`${dir}/idProduct`, `${f.product}\n`, 0o444);
    if (f.manufacturer !== null) h.file(`${dir}/manufacturer`, `${f.manufacturer}\n`, 0o444);
    if (f.productName !== null) h.file(`${dir}/product`, `${f.productName}\n`, 0o444);
    if (f.serial !== null) h.file(`${dir}/serial`, `${f.serial}\n`, 0o444);
    h.file(`${dir}/speed`, `${f.speed}\n`, 0o444);
    h.file(`${dir}/busnum`, `${f.busnum}\n`, 0o444);
    h.file(`${dir}/devnum`, `${f.devnum}\n`, 0o444);
    h.file(`${dir}/bDeviceClass`, `${f.deviceClass}\n`, 0o444);
    h.file(`${dir}/bDeviceSubClass`, '00\n', 0o444);
    h.file(`${dir}/bDeviceProtocol`, f.deviceClass === '09' ? '01\n' : '00\n', 0o444);
    h.file(`${dir}/bNumInterfaces`, `${String(f.numInterfaces).padStart(2, ' ')}\n`, 0o444);
    h.file(`${dir}/bNumConfigurations`, '1\n', 0o444);
    h.file(`${dir}/bConfigurationValue`, '1\n');
    h.file(`${dir}/bcdDevice`, `${f.bcdDevice}\n`, 0o444);
    h.file(`${dir}/version`, `${f.version.padStart(5, ' ')}\n`, 0o444);
    h.file(`${dir}/devpath`, `${f.devpath}\n`, 0o444);
    h.file(`${dir}/maxchild`, `${f.maxchild}\n`, 0o444);
    h.link(`${dir}/driver`, `${up(rel)}bus/usb/drivers/usb`);
    h.link(`${dir}/subsystem`, `${up(rel)}bus/usb`);
  }

  private writeUsbInterface(
    rel: string,
    name: string,
    iface: UsbInterfaceSpec,
    number: number,
  ): void {
    const h = this.host;
    const irel = `${rel}/${name}`;
    const dir = `${SYS}/${irel}`;
    h.link(`${SYS}/bus/usb/devices/${name}`, `${up('bus/usb/devices')}${irel}`);
    h.file(`${dir}/bInterfaceClass`, `${iface.cls}\n`, 0o444);
    h.file(`${dir}/bInterfaceSubClass`, `${iface.subclass}\n`, 0o444);
    h.file(`${dir}/bInterfaceProtocol`, `${iface.protocol}\n`, 0o444);
    h.file(`${dir}/bInterfaceNumber`, `${number.toString(16).padStart(2, '0')}\n`, 0o444);
    h.file(`${dir}/bAlternateSetting`, ' 0\n', 0o444);
    h.file(`${dir}/bNumEndpoints`, '01\n', 0o444);
    h.link(`${dir}/subsystem`, `${up(irel)}bus/usb`);
    if (iface.driver !== null)
      h.link(`${dir}/driver`, `${up(irel)}bus/usb/drivers/${iface.driver}`);
  }

  private usbInputCounter = { hid: 1, input: 0 };
  private readonly usbInputRecords: string[] = [];

  private writeUsb(): void {
    const h = this.host;
    if (this.usbBuses.length === 0 && this.usbDevices.length === 0) return;
    h.mkdirp(`${SYS}/bus/usb/devices`);
    this.usbInputCounter.input = this.platformInputs.length;
    for (const b of this.usbBuses) {
      const rel = this.usbPath(b.bus, null);
      const ctrl = this.pciDevices.get(b.controller);
      h.link(`${SYS}/bus/usb/devices/usb${b.bus}`, `${up('bus/usb/devices')}${rel}`);
      const ss = b.usbVersion !== '2.00';
      this.writeUsbDeviceFiles(rel, {
        vendor: '1d6b',
        product: ss ? '0003' : '0002',
        manufacturer: `Linux ${this.options.kernelRelease} ${ctrl?.driver === 'xhci_hcd' ? 'xhci-hcd' : (ctrl?.driver ?? 'xhci-hcd')}`,
        productName: 'xHCI Host Controller',
        serial: b.controller,
        speed: b.usbVersion === '3.10' ? '10000' : b.usbVersion === '3.00' ? '5000' : '480',
        busnum: b.bus,
        devnum: 1,
        deviceClass: '09',
        version: b.usbVersion,
        bcdDevice: this.options.kernelRelease
          .split('.')
          .slice(0, 2)
          .map((p) => p.padStart(2, '0'))
          .join(''),
        devpath: '0',
        maxchild: b.ports,
        numInterfaces: 1,
      });
      this.writeUsbInterface(
        rel,
        `${b.bus}-0:1.0`,
        { cls: '09', subclass: '00', protocol: '00', driver: 'hub' },
        0,
      );
    }
    for (const d of this.usbDevices) {
      const rel = this.usbPath(d.bus, d.port);
      const name = `${d.bus}-${d.port}`;
      h.link(`${SYS}/bus/usb/devices/${name}`, `${up('bus/usb/devices')}${rel}`);
      this.writeUsbDeviceFiles(rel, {
        vendor: d.vendorId,
        product: d.productId,
        manufacturer: d.manufacturer,
        productName: d.product,
        serial: d.serial ?? null,
        speed: d.speed,
        busnum: d.bus,
        devnum: d.devnum,
        deviceClass: d.deviceClass,
        version: d.usbVersion,
        bcdDevice: d.bcdDevice,
        devpath: d.port,
        maxchild: d.deviceClass === '09' ? 4 : 0,
        numInterfaces: d.interfaces.length,
      });
      const ctrl = this.usbBuses.find((b) => b.bus === d.bus)?.controller ?? '';
      d.interfaces.forEach((iface, i) => {
        const ifName = `${name}:1.${i}`;
        this.writeUsbInterface(rel, ifName, iface, i);
        if (iface.inputs === undefined || iface.inputs.length === 0) return;
        const hidName = `0003:${d.vendorId.toUpperCase()}:${d.productId.toUpperCase()}.${this.usbInputCounter.hid.toString(16).toUpperCase().padStart(4, '0')}`;
        this.usbInputCounter.hid++;
        for (const input of iface.inputs) {
          const n = this.usbInputCounter.input++;
          const sysfs = `/${rel}/${ifName}/${hidName}/input/input${n}`;
          h.file(`${SYS}${sysfs}/name`, `${input.name}\n`, 0o444);
          h.file(`${SYS}${sysfs}/phys`, `usb-${ctrl}-${d.port}/input${i}\n`, 0o444);
          this.usbInputRecords.push(
            inputRecord({
              bus: '0003',
              vendor: d.vendorId,
              product: d.productId,
              version: d.deviceClass === '09' ? '0100' : '0110',
              name: input.name,
              phys: `usb-${ctrl}-${d.port}/input${i}`,
              sysfs,
              handlers: input.handlers,
              bits: input.bits,
            }),
          );
        }
      });
    }
  }

  private writeInputs(): void {
    const records = this.platformInputs.map((p) =>
      inputRecord({
        bus: p.id.slice(0, 4),
        vendor: p.id.slice(5, 9),
        product: p.id.slice(10, 14),
        version: p.id.slice(15, 19),
        name: p.name,
        phys: p.phys,
        sysfs: p.sysfs,
        handlers: p.handlers,
        bits: p.bits,
      }),
    );
    this.host.file(
      '/proc/bus/input/devices',
      [...records, ...this.usbInputRecords].join(''),
      0o444,
    );
  }

  // ------------------------------------------------------------------ block devices

  /** Directory below /sys of a disk: NVMe namespace, SCSI disk or virtual block device. */
  blockPath(disk: DiskSpec): string {
    if (disk.transport === 'zvol') return `devices/virtual/block/${disk.name}`;
    if (disk.controller === null) throw new Error(`${disk.name}: no controller`);
    const ctrl = this.pciPath(disk.controller);
    if (disk.transport === 'nvme') return `${ctrl}/nvme/nvme${disk.nvmeIndex ?? 0}/${disk.name}`;
    const ata = disk.ata ?? { port: 1, host: 0 };
    return `${ctrl}/ata${ata.port}/host${ata.host}/target${ata.host}:0:0/${ata.host}:0:0:0/block/${disk.name}`;
  }

  private writeBlock(): void {
    const h = this.host;
    h.mkdirp(`${SYS}/block`).mkdirp(`${SYS}/class/block`).mkdirp('/dev/disk/by-id');
    const numbers = deviceNumbers(this.disks);
    for (const disk of this.disks) {
      const rel = this.blockPath(disk);
      const nums = numbers.get(disk.name);
      h.link(`${SYS}/block/${disk.name}`, `${up('block')}${rel}`);
      h.link(`${SYS}/class/block/${disk.name}`, `${up('class/block')}${rel}`);
      h.file(`${SYS}/${rel}/size`, `${disk.sizeBytes / 512}\n`, 0o444);
      h.file(`${SYS}/${rel}/dev`, `${nums?.disk ?? '0:0'}\n`, 0o444);
      h.file(`${SYS}/${rel}/ro`, '0\n', 0o444);
      h.file(`${SYS}/${rel}/removable`, '0\n', 0o444);
      h.file(`${SYS}/${rel}/queue/rotational`, disk.rotational ? '1\n' : '0\n');
      h.file(`${SYS}/${rel}/queue/logical_block_size`, `${disk.logicalSector}\n`, 0o444);
      h.file(`${SYS}/${rel}/queue/physical_block_size`, `${disk.physicalSector}\n`, 0o444);
      if (disk.model !== null && disk.transport === 'nvme') {
        h.file(`${SYS}/${rel}/device/model`, `${disk.model.padEnd(40)}\n`, 0o444);
        h.file(`${SYS}/${rel}/device/serial`, `${(disk.serial ?? '').padEnd(20)}\n`, 0o444);
        h.file(`${SYS}/${rel}/device/firmware_rev`, `${(disk.revision ?? '').padEnd(8)}\n`, 0o444);
        if (disk.wwn !== null) h.file(`${SYS}/${rel}/wwid`, `${disk.wwn}\n`, 0o444);
      } else if (disk.model !== null) {
        h.file(`${SYS}/${rel}/device/model`, `${disk.model.padEnd(16).slice(0, 16)}\n`, 0o444);
        h.file(`${SYS}/${rel}/device/vendor`, 'ATA     \n', 0o444);
        h.file(`${SYS}/${rel}/device/rev`, `${disk.revision ?? ''}\n`, 0o444);
      }
      h.mkdirp(`${SYS}/${rel}/holders`).mkdirp(`${SYS}/${rel}/slaves`);
      h.file(`/dev/${disk.name}`, '', 0o660);
      for (const id of disk.byId) h.link(`/dev/disk/by-id/${id}`, `../../${disk.name}`);
      if (disk.zvolDataset !== undefined) {
        const depth = disk.zvolDataset.split('/').length;
        h.link(`/dev/zvol/${disk.zvolDataset}`, `${'../'.repeat(depth)}${disk.name}`);
      }
      disk.partitions.forEach((part, index) => {
        const pname = partitionName(disk, part.number);
        const prel = `${rel}/${pname}`;
        h.link(`${SYS}/class/block/${pname}`, `${up('class/block')}${prel}`);
        h.file(`${SYS}/${prel}/partition`, `${part.number}\n`, 0o444);
        h.file(`${SYS}/${prel}/start`, `${part.startSector}\n`, 0o444);
        h.file(`${SYS}/${prel}/size`, `${part.sizeBytes / 512}\n`, 0o444);
        h.file(`${SYS}/${prel}/dev`, `${nums?.parts[index] ?? '0:0'}\n`, 0o444);
        h.file(`${SYS}/${prel}/ro`, '0\n', 0o444);
        h.mkdirp(`${SYS}/${prel}/holders`);
        h.file(`/dev/${pname}`, '', 0o660);
        for (const id of disk.byId)
          h.link(`/dev/disk/by-id/${id}-part${part.number}`, `../../${pname}`);
        if (disk.zvolDataset !== undefined) {
          const depth = disk.zvolDataset.split('/').length;
          h.link(
            `/dev/zvol/${disk.zvolDataset}-part${part.number}`,
            `${'../'.repeat(depth)}${pname}`,
          );
        }
        h.link(`/dev/disk/by-partuuid/${part.partUuid}`, `../../${pname}`);
        if (part.partLabel !== null) {
          h.link(
            `/dev/disk/by-partlabel/${part.partLabel.replace(/ /g, '\\x20')}`,
            `../../${pname}`,
          );
        }
        const fsUuid = part.crypt?.luksUuid ?? part.fs?.uuid ?? null;
        if (fsUuid !== null) h.link(`/dev/disk/by-uuid/${fsUuid}`, `../../${pname}`);
        if (part.fs?.label) h.link(`/dev/disk/by-label/${part.fs.label}`, `../../${pname}`);
        const crypt = part.crypt;
        if (crypt) {
          const dm = `dm-${crypt.dmIndex}`;
          const dmRel = `devices/virtual/block/${dm}`;
          h.link(`${SYS}/block/${dm}`, `${up('block')}${dmRel}`);
          h.link(`${SYS}/class/block/${dm}`, `${up('class/block')}${dmRel}`);
          h.link(`${SYS}/${prel}/holders/${dm}`, `${up(`${prel}/holders`)}${dmRel}`);
          h.link(`${SYS}/${dmRel}/slaves/${pname}`, `${up(`${dmRel}/slaves`)}${prel}`);
          h.file(`${SYS}/${dmRel}/dm/name`, `${crypt.name}\n`, 0o444);
          h.file(
            `${SYS}/${dmRel}/dm/uuid`,
            `CRYPT-LUKS${crypt.luksVersion}-${crypt.luksUuid.replace(/-/g, '')}-${crypt.name}\n`,
            0o444,
          );
          h.file(`${SYS}/${dmRel}/dev`, `254:${crypt.dmIndex}\n`, 0o444);
          h.file(`${SYS}/${dmRel}/size`, `${part.sizeBytes / 512 - 32768}\n`, 0o444);
          h.file(`/dev/${dm}`, '', 0o660);
          h.link(`/dev/mapper/${crypt.name}`, `../${dm}`);
          h.link(`/dev/disk/by-id/dm-name-${crypt.name}`, `../../${dm}`);
          h.link(
            `/dev/disk/by-id/dm-uuid-CRYPT-LUKS${crypt.luksVersion}-${crypt.luksUuid.replace(/-/g, '')}-${crypt.name}`,
            `../../${dm}`,
          );
        }
      });
    }
    this.host.command(LSBLK_ARGV, { stdout: renderLsblk(this.disks) });
  }

  private writeZfs(): void {
    const h = this.host;
    if (this.zfsVersion === null) {
      for (const argv of [
        ZPOOL_LIST_ARGV,
        ZPOOL_GET_ARGV,
        ZPOOL_STATUS_ARGV,
        ZFS_LIST_ARGV,
        ZFS_VERSION_ARGV,
      ]) {
        h.commandError(argv, 'ENOENT', `${argv[0] ?? ''}: command not found`);
      }
      return;
    }
    h.command(ZFS_VERSION_ARGV, { stdout: this.zfsVersion });
    h.command(ZPOOL_LIST_ARGV, { stdout: renderZpoolList(this.pools, ZPOOL_LIST_COLUMNS) });
    h.command(ZPOOL_GET_ARGV, { stdout: renderZpoolGetAll(this.pools) });
    h.command(ZPOOL_STATUS_ARGV, { stdout: renderZpoolStatus(this.pools) });
    h.command(ZFS_LIST_ARGV, {
      stdout: renderZfsList(this.datasets, ZFS_LIST_COLUMNS),
      stderr: this.datasets.length === 0 ? 'no datasets available\n' : '',
    });
    h.mkdirp(`${SYS}/module/zfs/parameters`);
    h.file(
      `${SYS}/module/zfs/version`,
      `${this.zfsVersion.split('\n')[1]?.replace('zfs-kmod-', '') ?? ''}\n`,
      0o444,
    );
  }

  private writeNet(): void {
    const h = this.host;
    if (this.nets.length === 0) return;
    h.mkdirp(`${SYS}/class/net`);
    for (const n of this.nets) {
      const rel =
        n.device === undefined
          ? `devices/virtual/net/${n.name}`
          : `${this.pciPath(n.device)}/net/${n.name}`;
      h.link(`${SYS}/class/net/${n.name}`, `${up('class/net')}${rel}`);
      h.file(`${SYS}/${rel}/address`, `${n.mac}\n`, 0o444);
      h.file(`${SYS}/${rel}/operstate`, n.device === undefined ? 'unknown\n' : 'up\n', 0o444);
      if (n.device !== undefined) h.link(`${SYS}/${rel}/device`, `../../../${n.device}`);
    }
    const header =
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT';
    const lines = [
      header,
      ...this.routes.map(
        (r) =>
          `${r.iface}\t${r.destination}\t${r.gateway}\t${r.flags.toString(16).toUpperCase().padStart(4, '0')}\t0\t0\t${r.metric}\t${r.mask}\t0\t0\t0`,
      ),
    ];
    h.file('/proc/net/route', lines.map((l) => `${l.padEnd(127)}\n`).join(''), 0o444);
  }

  private writeMounts(): void {
    const mounts: MountInfo[] = [...this.extraMounts];
    const seen = new Set(mounts.map((m) => `${m.source} ${m.target}`));
    for (const d of this.disks) {
      for (const p of d.partitions) {
        for (const m of [...(p.mounts ?? []), ...(p.crypt?.mounts ?? [])]) {
          if (seen.has(`${m.source} ${m.target}`)) continue;
          seen.add(`${m.source} ${m.target}`);
          mounts.push(m);
        }
      }
    }
    const text = mounts
      .map((m) => `${m.source} ${m.target} ${m.fstype} ${m.options} 0 0\n`)
      .join('');
    this.host.file('/proc/mounts', text, 0o444);
  }

  private writeInterrupts(): void {
    const cpus = this.interruptsCpus;
    const head = `${' '.repeat(11)}${Array.from({ length: cpus }, (_, i) => `CPU${i}`.padEnd(11)).join('')}`;
    const lines = [head.trimEnd()];
    let irq = 120;
    const counts = (seed: number): string =>
      Array.from({ length: cpus }, (_, i) =>
        String((seed * 7919 + i * 104729) % 900000).padStart(10),
      ).join(' ');
    lines.push(...this.interruptExtra);
    const irChip = this.iommuTable !== null ? 'IR-PCI-MSI' : 'PCI-MSI';
    let nvmeIndex = 0;
    let hdaIndex = 0;
    for (const unit of this.iommuUnits) {
      if (unit.startsWith('dmar')) {
        lines.push(
          `${String(irq++).padStart(4)}: ${counts(0).replace(/\d+/g, (m) => '0'.padStart(m.length))}  DMAR-MSI   ${unit.slice(4)}-edge      ${unit}`,
        );
      }
    }
    for (const d of this.pciDevices.values()) {
      if (!d.driver || !MSI_DRIVERS.has(d.driver)) continue;
      const [busHex = '0', slotFn = '0.0'] = d.address.slice(5).split(':');
      const [slot = '0', fn = '0'] = slotFn.split('.');
      // The MSI hwirq is the requester ID shifted by 11 bits, as the x86 MSI domain numbers it.
      const hwirq =
        ((parseInt(busHex, 16) << 8) | (parseInt(slot, 16) << 3) | parseInt(fn, 10)) << 11;
      const name =
        d.driver === 'pcieport'
          ? 'PCIe PME'
          : d.driver === 'ahci'
            ? `ahci[${d.address}]`
            : d.driver === 'nvme'
              ? `nvme${nvmeIndex++}q0`
              : d.driver === 'snd_hda_intel'
                ? `snd_hda_intel:card${hdaIndex++}`
                : d.driver === 'e1000e'
                  ? (this.nets.find((n) => n.device === d.address)?.name ?? 'eth0')
                  : d.driver;
      lines.push(
        `${String(irq++).padStart(4)}: ${counts(irq)}  ${irChip} ${hwirq}-edge      ${name}`,
      );
    }
    lines.push(` NMI: ${counts(3)}   Non-maskable interrupts`);
    lines.push(` LOC: ${counts(5)}   Local timer interrupts`);
    lines.push(
      ` SPU: ${counts(0).replace(/\d+/g, (m) => '0'.padStart(m.length))}   Spurious interrupts`,
    );
    lines.push(' ERR:          0');
    lines.push(' MIS:          0');
    this.host.file('/proc/interrupts', `${lines.join('\n')}\n`, 0o444);
  }

  /** Answers the NixOS evaluation command with the JSON `nix-instantiate --json` prints. */
  nixosFacts(facts: Record<string, unknown>): this {
    this.host.command(NIXOS_EVAL_CHANNELS_ARGV, { stdout: `${JSON.stringify(sortKeys(facts))}\n` });
    return this;
  }
}

/** Nix prints attribute sets with their names sorted. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort())
      out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

function inputRecord(r: {
  bus: string;
  vendor: string;
  product: string;
  version: string;
  name: string;
  phys: string;
  sysfs: string;
  handlers: string;
  bits: string[];
}): string {
  return (
    `I: Bus=${r.bus} Vendor=${r.vendor} Product=${r.product} Version=${r.version}\n` +
    `N: Name="${r.name}"\n` +
    `P: Phys=${r.phys}\n` +
    `S: Sysfs=${r.sysfs}\n` +
    'U: Uniq=\n' +
    `H: Handlers=${r.handlers} \n` +
    r.bits.map((b) => `B: ${b}\n`).join('') +
    '\n'
  );
}

/** /etc/hostid as NixOS writes it from networking.hostId: the 32-bit value, little-endian. */
export function hostIdBytes(hostId: string): Uint8Array {
  const v = parseInt(hostId, 16);
  return new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);
}
