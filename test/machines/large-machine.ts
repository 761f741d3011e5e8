// A synthetic big server for the benchmark: hundreds of PCI functions in many IOMMU groups
// (root ports, PCIe switches, multi-function GPUs and NICs, AHCI cards), dozens of disks and
// thousands of datasets, written through the same MachineBuilder as the demo machine.
import type { VirtualHost } from '../../electron/host/virtual-host';
import { MachineBuilder, hostIdBytes } from './machine-builder';
import type { DiskSpec, PartitionSpec, PciSpec, VdevSpec } from './machine-builder';
import { OPENZFS_2_2_FEATURES } from './storage-output';
import {
  I9_9900K,
  renderCpuinfo,
  renderMeminfo,
  renderModules,
  renderNixosOsRelease,
} from './system-files';

export interface LargeMachineOptions {
  pciDevices?: number;
  groups?: number;
  disks?: number;
  /** Filesystems, volumes and snapshots together. */
  datasets?: number;
}

const INTEL = 'Intel Corporation';
const ZFS_TYPE = '6a898cc3-1dd2-11b2-99a6-080020736631';
const ZFS_RESERVED = '6a945a3b-1dd2-11b2-99a6-080020736631';

type UnitKind = 'switch' | 'gpu' | 'nic' | 'ahci';

/** A deterministic hex id so repeated builds produce identical machines. */
function hex(n: number, width: number): string {
  return (n >>> 0).toString(16).padStart(width, '0').slice(-width);
}

export function buildLargeMachine(opts: LargeMachineOptions = {}): VirtualHost {
  const targetDevices = opts.pciDevices ?? 320;
  const targetGroups = opts.groups ?? 80;
  const diskCount = opts.disks ?? 60;
  const datasetCount = opts.datasets ?? 10_000;
  const kernel = '6.12.58';
  const b = new MachineBuilder({
    description: 'synthetic large machine (benchmark)',
    kernelRelease: kernel,
  });

  // Fixed chipset part: host bridge, xHCI, chipset AHCI, LPC/SMBus/PMC group.
  const fixed: PciSpec[] = [
    {
      address: '0000:00:00.0',
      classCode: 0x060000,
      vendor: '8086',
      device: '09a2',
      revision: '04',
      driver: null,
      iommuGroup: 0,
      className: 'System peripheral',
      vendorName: INTEL,
      deviceName: 'Ice Lake Memory Map/VT-d',
    },
    {
      address: '0000:00:14.0',
      classCode: 0x0c0330,
      vendor: '8086',
      device: 'a1af',
      revision: '09',
      driver: 'xhci_hcd',
      module: 'xhci_pci',
      iommuGroup: 1,
      className: 'USB controller',
      vendorName: INTEL,
      deviceName: 'C620 Series Chipset Family USB 3.0 xHCI Controller',
    },
    {
      address: '0000:00:17.0',
      classCode: 0x010601,
      vendor: '8086',
      device: 'a182',
      revision: '09',
      driver: 'ahci',
      module: 'ahci',
      iommuGroup: 2,
      className: 'SATA controller',
      vendorName: INTEL,
      deviceName: 'C620 Series Chipset Family SATA Controller [AHCI mode]',
    },
    {
      address: '0000:00:1f.0',
      classCode: 0x060100,
      vendor: '8086',
      device: 'a1c2',
      revision: '09',
      driver: null,
      iommuGroup: 3,
      className: 'ISA bridge',
      vendorName: INTEL,
      deviceName: 'C621 Series Chipset LPC/eSPI Controller',
    },
    {
      address: '0000:00:1f.2',
      classCode: 0x058000,
      vendor: '8086',
      device: 'a1a1',
      revision: '09',
      driver: null,
      iommuGroup: 3,
      className: 'Memory controller',
      vendorName: INTEL,
      deviceName: 'C620 Series Chipset Family Power Management Controller',
    },
    {
      address: '0000:00:1f.4',
      classCode: 0x0c0500,
      vendor: '8086',
      device: 'a1a3',
      revision: '09',
      driver: 'i801_smbus',
      module: 'i2c_i801',
      iommuGroup: 3,
      className: 'SMBus',
      vendorName: INTEL,
      deviceName: 'C620 Series Chipset Family SMBus',
    },
  ];
  for (const d of fixed) b.pci(d);
  let devices = fixed.length;
  let group = 4;

  // Root ports live on root bus 00 (slots 01-13, 15, 16, 18-1e) and then on further domains.
  const freeSlots: number[] = [];
  for (let s = 1; s <= 0x1e; s++) if (s !== 0x14 && s !== 0x17) freeSlots.push(s);
  let domain = 0;
  let rootSlot = 0;
  let rootFn = 0;
  let nextBus = 1;
  const nextRootPort = (): string => {
    if (rootSlot >= freeSlots.length) {
      domain++;
      rootSlot = 0;
      rootFn = 0;
      nextBus = 1;
    }
    const addr = `${hex(domain, 4)}:00:${hex(freeSlots[rootSlot] ?? 1, 2)}.${rootFn}`;
    rootFn++;
    if (rootFn === 8) {
      rootFn = 0;
      rootSlot++;
    }
    return addr;
  };
  const takeBus = (): string => {
    if (nextBus > 250) throw new Error('large machine ran out of bus numbers');
    return hex(nextBus++, 2);
  };

  const nvmeControllers: string[] = [];
  const sataControllers: Array<{ address: string; ports: number }> = [
    { address: '0000:00:17.0', ports: 8 },
  ];
  const kinds: UnitKind[] = ['switch', 'gpu', 'nic', 'ahci'];
  let unit = 0;

  while (group < targetGroups || devices < targetDevices) {
    const groupsLeft = Math.max(1, targetGroups - group);
    const devicesLeft = targetDevices - devices;
    const kind: UnitKind = group >= targetGroups ? 'switch' : (kinds[unit % kinds.length] ?? 'nic');
    unit++;
    const rp = nextRootPort();
    const bus = takeBus();
    const domainPrefix = rp.slice(0, 4);
    const rootPort: PciSpec = {
      address: rp,
      classCode: 0x060400,
      vendor: '8086',
      device: '347a',
      revision: '04',
      driver: 'pcieport',
      className: 'PCI bridge',
      vendorName: INTEL,
      deviceName: 'Ice Lake Xeon PCI Express Root Port A',
      secondaryBus: parseInt(bus, 16),
    };
    if (kind === 'switch') {
      // A PLX switch without ACS: the root port, both switch levels and every NVMe behind them
      // end up in one group, sized so that the remaining devices spread over the remaining groups.
      const lanes = Math.max(1, Math.min(12, Math.round(devicesLeft / groupsLeft / 2)));
      const g = group++;
      b.pci({ ...rootPort, iommuGroup: g });
      const up = `${domainPrefix}:${bus}:00.0`;
      const upBus = takeBus();
      b.pci({
        address: up,
        parent: rp,
        classCode: 0x060400,
        vendor: '10b5',
        device: '8747',
        revision: 'ca',
        driver: 'pcieport',
        iommuGroup: g,
        className: 'PCI bridge',
        vendorName: 'PLX Technology, Inc.',
        deviceName: 'PEX 8747 48-Lane, 5-Port PCI Express Gen 3 (8.0 GT/s) Switch',
        secondaryBus: parseInt(upBus, 16),
      });
      devices += 2;
      for (let l = 0; l < lanes; l++) {
        const down = `${domainPrefix}:${upBus}:${hex(l, 2)}.0`;
        const leafBus = takeBus();
        b.pci({
          address: down,
          parent: up,
          classCode: 0x060400,
          vendor: '10b5',
          device: '8747',
          revision: 'ca',
          driver: 'pcieport',
          iommuGroup: g,
          className: 'PCI bridge',
          vendorName: 'PLX Technology, Inc.',
          deviceName: 'PEX 8747 48-Lane, 5-Port PCI Express Gen 3 (8.0 GT/s) Switch',
          secondaryBus: parseInt(leafBus, 16),
        });
        const nvme = `${domainPrefix}:${leafBus}:00.0`;
        b.pci({
          address: nvme,
          parent: down,
          classCode: 0x010802,
          vendor: '144d',
          device: 'a80a',
          revision: '00',
          driver: 'nvme',
          module: 'nvme',
          iommuGroup: g,
          resetMethods: ['flr', 'bus'],
          className: 'Non-Volatile memory controller',
          vendorName: 'Samsung Electronics Co Ltd',
          deviceName: 'NVMe SSD Controller PM9A1/PM9A3/980PRO',
          subsystemVendor: '144d',
          subsystemDevice: 'a801',
          subsystemVendorName: 'Samsung Electronics Co Ltd',
          subsystemDeviceName: 'SSD 980 PRO',
        });
        nvmeControllers.push(nvme);
        devices += 2;
      }
    } else if (kind === 'gpu') {
      // ACS root port: the port alone, the card's four functions together.
      b.pci({ ...rootPort, iommuGroup: group++ });
      const g = group++;
      const funcs: Array<[number, string, string, string]> = [
        [0x030000, '1e87', 'VGA compatible controller', 'TU104 [GeForce RTX 2080 Rev. A]'],
        [0x040300, '10f8', 'Audio device', 'TU104 HD Audio Controller'],
        [0x0c0330, '1ad8', 'USB controller', 'TU104 USB 3.1 Host Controller'],
        [0x0c8000, '1ad9', 'Serial bus controller', 'TU104 USB Type-C UCSI Controller'],
      ];
      funcs.forEach(([cls, dev, className, name], fn) => {
        const drivers = ['vfio-pci', 'vfio-pci', 'xhci_hcd', 'nvidia-gpu'];
        b.pci({
          address: `${domainPrefix}:${bus}:00.${fn}`,
          parent: rp,
          classCode: cls,
          vendor: '10de',
          device: dev,
          revision: 'a1',
          driver: drivers[fn] ?? null,
          module: fn < 2 ? 'vfio_pci' : null,
          iommuGroup: g,
          resetMethods: ['bus'],
          bootVga: false,
          className,
          vendorName: 'NVIDIA Corporation',
          deviceName: name,
          subsystemVendor: '10de',
          subsystemDevice: '12b0',
          subsystemVendorName: 'NVIDIA Corporation',
          subsystemDeviceName: name,
        });
      });
      devices += 5;
    } else if (kind === 'nic') {
      // A four-port I350 with its root port in one group (no ACS on this port).
      const g = group++;
      b.pci({ ...rootPort, iommuGroup: g });
      for (let fn = 0; fn < 4; fn++) {
        b.pci({
          address: `${domainPrefix}:${bus}:00.${fn}`,
          parent: rp,
          classCode: 0x020000,
          vendor: '8086',
          device: '1521',
          revision: '01',
          driver: 'igb',
          module: 'igb',
          iommuGroup: g,
          resetMethods: ['flr', 'bus'],
          className: 'Ethernet controller',
          vendorName: INTEL,
          deviceName: 'I350 Gigabit Network Connection',
          subsystemVendor: '8086',
          subsystemDevice: '0001',
          subsystemVendorName: INTEL,
          subsystemDeviceName: 'Ethernet Server Adapter I350-T4',
        });
      }
      devices += 5;
    } else {
      b.pci({ ...rootPort, iommuGroup: group++ });
      const ahci = `${domainPrefix}:${bus}:00.0`;
      b.pci({
        address: ahci,
        parent: rp,
        classCode: 0x010601,
        vendor: '1b21',
        device: '1166',
        revision: '02',
        driver: 'ahci',
        module: 'ahci',
        iommuGroup: group++,
        resetMethods: ['bus'],
        className: 'SATA controller',
        vendorName: 'ASMedia Technology Inc.',
        deviceName: 'ASM1166 Serial ATA Controller',
      });
      sataControllers.push({ address: ahci, ports: 6 });
      devices += 2;
    }
  }

  b.iommu(
    'DMAR',
    ['dmar0', 'dmar1', 'dmar2', 'dmar3'],
    (a) => `dmar${parseInt(a.slice(0, 4), 16) % 4}`,
  );
  b.acpi([
    'APIC',
    'BERT',
    'DSDT',
    'EINJ',
    'ERST',
    'FACP',
    'FACS',
    'HEST',
    'HMAT',
    'HPET',
    'MCFG',
    'MIGT',
    'MSCT',
    'OEM1',
    'PCCT',
    'PMTT',
    'SLIT',
    'SPCR',
    'SRAT',
    'SSDT1',
    'SSDT2',
    'SSDT3',
    'SVOS',
    'WDDT',
    'WSMT',
  ]);

  // USB: two keyboards and a mouse on the chipset controller, a hub with a flash drive.
  b.usbBus({ bus: 1, controller: '0000:00:14.0', usbVersion: '2.00', ports: 16 });
  b.usbBus({ bus: 2, controller: '0000:00:14.0', usbVersion: '3.00', ports: 10 });
  b.platformInput({
    id: '0019:0000:0001:0000',
    name: 'Power Button',
    phys: 'LNXPWRBN/button/input0',
    sysfs: '/devices/LNXSYSTM:00/LNXPWRBN:00/input/input0',
    handlers: 'kbd event0',
    bits: ['PROP=0', 'EV=3', 'KEY=8000 10000000000000 0'],
  });
  const kbd = (port: string, devnum: number, first: number) =>
    b.usbDevice({
      bus: 1,
      port,
      devnum,
      vendorId: '413c',
      productId: '2113',
      manufacturer: 'Dell',
      product: 'Dell KB216 Wired Keyboard',
      speed: '1.5',
      deviceClass: '00',
      usbVersion: '1.10',
      bcdDevice: '0108',
      interfaces: [
        {
          cls: '03',
          subclass: '01',
          protocol: '01',
          driver: 'usbhid',
          inputs: [
            {
              name: 'Dell KB216 Wired Keyboard',
              handlers: `sysrq kbd event${first} leds`,
              bits: [
                'PROP=0',
                'EV=120013',
                'KEY=1000000000007 ff9f207ac14057ff febeffdfffefffff fffffffffffffffe',
                'MSC=10',
                'LED=7',
              ],
            },
          ],
        },
        {
          cls: '03',
          subclass: '00',
          protocol: '00',
          driver: 'usbhid',
          inputs: [
            {
              name: 'Dell KB216 Wired Keyboard System Control',
              handlers: `kbd event${first + 1}`,
              bits: ['PROP=0', 'EV=13', 'KEY=c000 100000000000 0', 'MSC=10'],
            },
            {
              name: 'Dell KB216 Wired Keyboard Consumer Control',
              handlers: `kbd event${first + 2}`,
              bits: [
                'PROP=0',
                'EV=1f',
                'KEY=3f000303ff 0 0 483ffff17aff32d bfd4444600000000 1 130c730b17c000 267bfad9415fed 9e168000004400 10000002',
                'REL=1040',
                'ABS=100000000',
                'MSC=10',
              ],
            },
          ],
        },
      ],
    });
  kbd('1', 2, 1);
  kbd('2', 3, 4);
  b.usbDevice({
    bus: 1,
    port: '3',
    devnum: 4,
    vendorId: '413c',
    productId: '301a',
    manufacturer: 'PixArt',
    product: 'Dell MS116 USB Optical Mouse',
    speed: '1.5',
    deviceClass: '00',
    usbVersion: '2.00',
    bcdDevice: '0100',
    interfaces: [
      {
        cls: '03',
        subclass: '01',
        protocol: '02',
        driver: 'usbhid',
        inputs: [
          {
            name: 'PixArt Dell MS116 USB Optical Mouse',
            handlers: 'mouse0 event7',
            bits: ['PROP=0', 'EV=17', 'KEY=70000 0 0 0 0', 'REL=903', 'MSC=10'],
          },
        ],
      },
    ],
  });
  b.usbDevice({
    bus: 1,
    port: '5',
    devnum: 5,
    vendorId: '05e3',
    productId: '0608',
    manufacturer: null,
    product: 'USB2.0 Hub',
    speed: '480',
    deviceClass: '09',
    usbVersion: '2.00',
    bcdDevice: '6070',
    interfaces: [{ cls: '09', subclass: '00', protocol: '01', driver: 'hub' }],
  });
  b.usbDevice({
    bus: 1,
    port: '5.1',
    devnum: 6,
    vendorId: '0781',
    productId: '5583',
    manufacturer: 'SanDisk',
    product: 'Ultra Fit',
    serial: '4C530001230517102193',
    speed: '480',
    deviceClass: '00',
    usbVersion: '2.10',
    bcdDevice: '0100',
    interfaces: [{ cls: '08', subclass: '06', protocol: '50', driver: 'usb-storage' }],
  });

  // Disks: alternate NVMe (one per switch leaf) and SATA (chipset and ASM1166 ports).
  const disks: DiskSpec[] = [];
  let nvmeUsed = 0;
  let sataUsed = 0;
  let ataPort = 1;
  for (let i = 0; i < diskCount; i++) {
    const useNvme =
      (i % 2 === 0 && nvmeUsed < nvmeControllers.length) ||
      sataUsed >= sataControllers.reduce((s, c) => s + c.ports, 0);
    const serialNo = `S6B0NL0W${hex(0x10000 + i * 7919, 6).toUpperCase()}`;
    let disk: DiskSpec;
    if (useNvme) {
      const ctrl = nvmeControllers[nvmeUsed] ?? null;
      if (ctrl === null) break;
      const idx = nvmeUsed++;
      disk = {
        name: `nvme${idx}n1`,
        transport: 'nvme',
        controller: ctrl,
        nvmeIndex: idx,
        sizeBytes: 2_000_398_934_016,
        model: 'Samsung SSD 980 PRO 2TB',
        serial: serialNo,
        wwn: `eui.002538b${hex(0x1000000 + i, 7)}00`,
        revision: '5B2QGXA7',
        rotational: false,
        logicalSector: 512,
        physicalSector: 512,
        pttype: 'gpt',
        ptuuid: `${hex(i * 2654435761, 8)}-0000-4000-8000-${hex(i, 12)}`,
        diskSeq: i + 1,
        queues: 32,
        byId: [
          `nvme-Samsung_SSD_980_PRO_2TB_${serialNo}`,
          `nvme-eui.002538b${hex(0x1000000 + i, 7)}00`,
        ],
        partitions: [],
      };
    } else {
      let slot = sataUsed++;
      let ctrl = sataControllers[0];
      for (const c of sataControllers) {
        if (slot < c.ports) {
          ctrl = c;
          break;
        }
        slot -= c.ports;
      }
      const letters = diskLetters(sataUsed - 1);
      const wdSerial = `WD-WX${hex(0x21000000 + i * 104729, 8).toUpperCase()}`;
      disk = {
        name: `sd${letters}`,
        transport: 'sata',
        controller: ctrl?.address ?? '0000:00:17.0',
        ata: { port: ataPort, host: ataPort - 1 },
        sizeBytes: 12_000_138_625_024,
        model: 'WDC WD120EFBX-68B0EN0',
        serial: wdSerial,
        wwn: `0x5000cca2${hex(0x6000000 + i, 8)}`,
        revision: '85.00A85',
        rotational: true,
        logicalSector: 512,
        physicalSector: 4096,
        pttype: 'gpt',
        ptuuid: `${hex(i * 40503, 8)}-1111-4000-8000-${hex(i, 12)}`,
        diskSeq: i + 1,
        queues: 1,
        byId: [`ata-WDC_WD120EFBX-68B0EN0_${wdSerial}`, `wwn-0x5000cca2${hex(0x6000000 + i, 8)}`],
        partitions: [],
      };
      ataPort++;
    }
    // Whole-disk ZFS members: data partition 1 and the 8 MiB reserved partition 9, as zpool makes them.
    const size = disk.sizeBytes;
    const part1: PartitionSpec = {
      number: 1,
      startSector: 2048,
      sizeBytes: size - 2048 * 512 - 8 * 1024 * 1024 - 1024 * 1024,
      partType: ZFS_TYPE,
      partTypeName: 'Solaris /usr & Apple ZFS',
      partLabel: 'zfs-' + hex(i * 99991, 16),
      partUuid: `${hex(i * 31337, 8)}-2222-4000-8000-${hex(i, 12)}`,
      fs: { type: 'zfs_member', version: '5000', label: '', uuid: '' },
    };
    const part9: PartitionSpec = {
      number: 9,
      startSector: (size - 8 * 1024 * 1024 - 1024 * 1024) / 512,
      sizeBytes: 8 * 1024 * 1024,
      partType: ZFS_RESERVED,
      partTypeName: 'Solaris reserved 1',
      partLabel: null,
      partUuid: `${hex(i * 7331, 8)}-3333-4000-8000-${hex(i, 12)}`,
      fs: null,
    };
    disk.partitions.push(part1, part9);
    disks.push(disk);
  }

  // Pools: rpool (first two NVMe, mirror), fast (other NVMe, mirrors), tank (SATA, raidz2 of 6).
  const nvmeDisks = disks.filter((d) => d.transport === 'nvme');
  const sataDisks = disks.filter((d) => d.transport === 'sata');
  const poolDefs: Array<{
    name: string;
    guid: string;
    members: DiskSpec[];
    layout: 'mirror' | 'raidz2';
  }> = [
    {
      name: 'rpool',
      guid: '9034211987436511723',
      members: nvmeDisks.slice(0, 2),
      layout: 'mirror',
    },
    { name: 'fast', guid: '1566048890157722018', members: nvmeDisks.slice(2), layout: 'mirror' },
    { name: 'tank', guid: '17288423901128377310', members: sataDisks, layout: 'raidz2' },
  ];
  const pools = poolDefs.filter((p) => p.members.length > 0);
  for (const p of pools) {
    for (const d of p.members) {
      const part = d.partitions[0];
      if (part?.fs) part.fs = { type: 'zfs_member', version: '5000', label: p.name, uuid: p.guid };
    }
    const per = p.layout === 'mirror' ? 2 : 6;
    const vdevs: VdevSpec[] = [];
    for (let i = 0; i < p.members.length; i += per) {
      vdevs.push({
        name: `${p.layout}-${vdevs.length}`,
        children: p.members
          .slice(i, i + per)
          .map((d) => ({ name: `/dev/disk/by-id/${d.byId[0] ?? d.name}-part1` })),
      });
    }
    const raw = p.members.reduce((s, d) => s + (d.partitions[0]?.sizeBytes ?? 0), 0);
    const size = Math.floor((p.layout === 'mirror' ? raw / 2 : raw) / 1024 ** 3) * 1024 ** 3;
    b.pool({
      name: p.name,
      guid: p.guid,
      loadGuid: String(BigInt(p.guid) / 3n),
      sizeBytes: size,
      allocatedBytes: Math.floor(size * 0.41),
      fragmentationPercent: 11,
      health: 'ONLINE',
      altroot: null,
      bootfs: p.name === 'rpool' ? 'rpool/ROOT/nixos' : null,
      compatibility: 'off',
      ashift: 12,
      autotrim: 'on',
      features: OPENZFS_2_2_FEATURES.map(
        (f) =>
          [
            f,
            [
              'async_destroy',
              'bookmarks',
              'filesystem_limits',
              'multi_vdev_crash_dump',
              'sha512',
              'skein',
              'edonr',
              'device_removal',
              'zpool_checkpoint',
              'resilver_defer',
              'redaction_bookmarks',
              'redacted_datasets',
              'draid',
              'zilsaxattr',
              'blake3',
              'block_cloning',
            ].includes(f)
              ? 'enabled'
              : 'active',
          ] as const,
      ),
      vdevs,
      scan: 'scrub repaired 0B in 05:12:09 with 0 errors on Sun Nov  1 05:36:09 2026',
      zfsMinor: 2,
      lastScrubbedTxg: 0,
    });
  }
  for (const d of disks) b.disk(d);
  b.zfs('zfs-2.2.7-1\nzfs-kmod-2.2.7-1\n');

  // Datasets: per pool a few parents, then many project filesystems each with three snapshots.
  let made = 0;
  const base = Date.parse('2025-01-01T00:00:00Z') / 1000;
  const emit = (name: string, type: 'filesystem' | 'volume' | 'snapshot', i: number): void => {
    made++;
    const isSnap = type === 'snapshot';
    const isVol = type === 'volume';
    b.dataset({
      name,
      type,
      usedBytes: 1_048_576 * (1 + (i % 997)),
      availBytes: isSnap ? null : 40_000_000_000_000,
      referBytes: 524_288 * (1 + (i % 991)),
      mountpoint: isSnap || isVol ? null : `/${name}`,
      mounted: isSnap || isVol ? null : true,
      canmount: isSnap || isVol ? null : 'on',
      compression: 'zstd',
      encryption: 'off',
      keystatus: null,
      volsizeBytes: isVol ? 64 * 1024 ** 3 : null,
      volblocksizeBytes: isVol ? 16384 : null,
      refreservationBytes: isSnap ? null : 0,
      origin: null,
      creation: base + i * 61,
      user: i % 50 === 0 && !isSnap ? { 'cohabit:managed': 'on', 'cohabit:role': 'system' } : {},
    });
  };
  for (const p of pools) {
    emit(p.name, 'filesystem', made);
    emit(`${p.name}/projects`, 'filesystem', made);
    emit(`${p.name}/vm`, 'filesystem', made);
  }
  if (pools.some((p) => p.name === 'rpool')) {
    emit('rpool/ROOT', 'filesystem', made);
    emit('rpool/ROOT/nixos', 'filesystem', made);
  }
  let n = 0;
  while (made < datasetCount && pools.length > 0) {
    const p = pools[n % pools.length];
    if (p === undefined) break;
    if (n % 40 === 39) {
      emit(`${p.name}/vm/disk${n}`, 'volume', made);
    } else {
      const fsName = `${p.name}/projects/p${String(n).padStart(5, '0')}`;
      emit(fsName, 'filesystem', made);
      for (let s = 0; s < 3 && made < datasetCount; s++)
        emit(`${fsName}@auto-2026-1${s}-01`, 'snapshot', made);
    }
    n++;
  }

  b.net({ name: 'lo', mac: '00:00:00:00:00:00' });
  const nic = fixedNic(b);
  if (nic !== null) {
    b.net({ name: 'enp1s0f0', device: nic, mac: 'a0:36:9f:12:34:56' });
    b.route({
      iface: 'enp1s0f0',
      destination: '00000000',
      gateway: '010A0A0A',
      flags: 0x3,
      metric: 100,
      mask: '00000000',
    });
  }
  b.mount({
    source: 'rpool/ROOT/nixos',
    target: '/',
    fstype: 'zfs',
    options: 'rw,relatime,xattr,posixacl,casesensitive',
  });
  b.cpus(8);
  b.build();

  const h = b.host;
  h.file(
    '/proc/cpuinfo',
    renderCpuinfo(
      {
        ...I9_9900K,
        model: 106,
        stepping: 6,
        modelName: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz',
        microcode: '0xd0003e7',
        cacheKb: 49152,
        cores: 32,
        baseMhz: 2000,
      },
      2,
    ),
    0o444,
  );
  h.file('/proc/meminfo', renderMeminfo(527_951_388), 0o444);
  for (const size of ['hugepages-1048576kB', 'hugepages-2048kB']) {
    h.file(
      `/sys/kernel/mm/hugepages/${size}/nr_hugepages`,
      size.startsWith('hugepages-1') ? '64\n' : '0\n',
    );
    h.file(
      `/sys/kernel/mm/hugepages/${size}/free_hugepages`,
      size.startsWith('hugepages-1') ? '32\n' : '0\n',
    );
  }
  h.file('/proc/sys/kernel/osrelease', `${kernel}\n`, 0o444);
  h.file(
    '/proc/cmdline',
    `initrd=\\EFI\\nixos\\initrd.efi init=/nix/store/g9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4-nixos-system-bigbox-25.11/init intel_iommu=on iommu=pt vfio-pci.ids=10de:1e87,10de:10f8 loglevel=4\n`,
    0o444,
  );
  const global = '8be4df61-93ca-11d2-aa0d-00e098032b8c';
  for (const v of [
    `BootCurrent-${global}`,
    `BootOrder-${global}`,
    `Boot0000-${global}`,
    `SecureBoot-${global}`,
    'LoaderInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f',
    'LoaderEntrySelected-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f',
  ]) {
    h.file(`/sys/firmware/efi/efivars/${v}`, new Uint8Array([7, 0, 0, 0]));
  }
  h.file('/boot/loader/loader.conf', 'timeout 5\neditor 0\n');
  h.file(
    '/proc/modules',
    renderModules([
      { name: 'vfio_pci', size: 16384, users: [] },
      { name: 'vfio_pci_core', size: 86016, users: ['vfio_pci'] },
      { name: 'vfio_iommu_type1', size: 49152, users: [] },
      { name: 'vfio', size: 69632, users: ['vfio_pci_core', 'vfio_iommu_type1', 'vfio_pci'] },
      { name: 'zfs', size: 6647808, users: [], refcount: 40, taint: 'POE' },
      { name: 'spl', size: 143360, users: ['zfs'], taint: 'OE' },
      { name: 'igb', size: 290816, users: [] },
      { name: 'nvme', size: 61440, users: [], refcount: 60 },
      { name: 'ahci', size: 49152, users: [], refcount: 30 },
    ]),
    0o444,
  );
  for (const m of [
    'vfio',
    'vfio_pci',
    'vfio_pci_core',
    'vfio_iommu_type1',
    'zfs',
    'spl',
    'igb',
    'nvme',
    'ahci',
    'kvm',
    'kvm_intel',
    'usbcore',
  ])
    h.mkdirp(`/sys/module/${m}/parameters`);
  h.file(
    '/etc/os-release',
    renderNixosOsRelease({
      release: '25.11',
      codename: 'xantusia',
      buildId: '25.11.20251201.0a1b2c3',
      supportEnd: '2026-06-30',
    }),
    0o444,
  );
  h.file('/etc/hostname', 'bigbox\n', 0o444);
  h.file('/etc/hostid', hostIdBytes('0b5e11ad'), 0o444);
  h.file('/run/current-system/nixos-version', '25.11.20251201.0a1b2c3', 0o444);
  h.file('/etc/nixos/flake.nix', '{ outputs = { self, nixpkgs }: { }; }\n');
  return h;
}

/** sda..sdz, sdaa..: the kernel's sd naming. */
function diskLetters(index: number): string {
  let n = index;
  let s = '';
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

/** The first I350 port, which carries the default route. */
function fixedNic(b: MachineBuilder): string | null {
  return b.pciAddresses.find((a) => b.pciDevice(a)?.driver === 'igb') ?? null;
}
