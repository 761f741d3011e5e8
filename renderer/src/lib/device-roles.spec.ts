// Device roles on a small synthetic machine (hand-written, modelled on the demo's Z390 layout):
// an iGPU on the display, a GPU alone in its group, a GPU slot sharing a group with the SATA
// controller, NVMe root pool disks behind LUKS, a keyboard on the chipset xHCI.
import { describe, expect, it } from 'vitest';
import type { BlockDevice, Inventory, PciDevice } from '../../../shared/model/inventory';
import {
  deviceRoles,
  hostCriticalDevices,
  passthroughVerdicts,
  summarizeGroup,
} from './device-roles';

function pci(
  address: string,
  classCode: string,
  iommuGroup: number,
  deviceName: string,
): PciDevice {
  return {
    address,
    slot: address.slice(0, -2),
    function: Number(address.slice(-1)),
    classCode,
    progIf: '00',
    className: classCode,
    vendorId: '8086',
    deviceId: '0000',
    subsystemVendorId: null,
    subsystemDeviceId: null,
    revision: null,
    vendorName: 'Vendor',
    deviceName,
    nameSource: 'lspci',
    driver: null,
    driverOverride: null,
    iommuGroup,
    bootVga: null,
    resetMethods: null,
    parentBridge: null,
    slotFunctions: [],
  };
}

function block(name: string, extra: Partial<BlockDevice> = {}): BlockDevice {
  return {
    name,
    path: `/dev/${name}`,
    type: 'part',
    sizeBytes: 1,
    model: null,
    serial: null,
    wwn: null,
    transport: null,
    rotational: null,
    removable: null,
    fstype: null,
    fsver: null,
    label: null,
    uuid: null,
    partuuid: null,
    parttype: null,
    partlabel: null,
    ptuuid: null,
    pttype: null,
    mountpoints: [],
    byId: [],
    pciController: null,
    luksMapper: null,
    children: [],
    ...extra,
  };
}

function machine(): Inventory {
  const devices = [
    pci('0000:00:00.0', '0600', 0, 'Host Bridge'),
    pci('0000:00:01.0', '0604', 1, 'PCIe Controller (x16)'),
    pci('0000:00:02.0', '0300', 2, 'UHD Graphics 630'),
    pci('0000:00:14.0', '0c03', 5, 'USB 3.1 xHCI'),
    pci('0000:00:17.0', '0106', 8, 'SATA AHCI Controller'),
    pci('0000:00:1c.4', '0604', 8, 'PCI Express Root Port #5'),
    pci('0000:04:00.0', '0300', 8, 'Radeon RX 560'),
    pci('0000:04:00.1', '0403', 8, 'Radeon HDMI Audio'),
    pci('0000:00:1f.0', '0601', 12, 'LPC/eSPI Controller'),
    pci('0000:00:1f.4', '0c05', 12, 'SMBus'),
    pci('0000:00:1f.6', '0200', 12, 'Ethernet I219-V'),
    pci('0000:01:00.0', '0300', 13, 'TU104 [GeForce RTX 2080]'),
    pci('0000:01:00.1', '0403', 13, 'TU104 HD Audio'),
    pci('0000:02:00.0', '0108', 14, 'NVMe SSD Controller'),
  ];
  const nvme = block('nvme0n1', {
    type: 'disk',
    pciController: '0000:02:00.0',
    children: [
      block('nvme0n1p1', { mountpoints: ['/boot/efi'], byId: ['nvme-Samsung_SSD-part1'] }),
      block('nvme0n1p2', {
        fstype: 'crypto_LUKS',
        luksMapper: 'cryptroot',
        children: [block('cryptroot', { path: '/dev/mapper/cryptroot', type: 'crypt' })],
      }),
    ],
  });
  const sata = block('sda', {
    type: 'disk',
    pciController: '0000:00:17.0',
    children: [block('sda1', { mountpoints: ['/srv/data'] })],
  });
  return {
    format: 'cohabit-inventory/1',
    pci: devices,
    iommu: {
      enabled: true,
      reasons: [],
      firmwareTable: 'DMAR',
      units: [],
      interruptRemapping: 'on',
      acsOverride: false,
      cmdlineArgs: [],
      groups: [0, 1, 2, 5, 8, 12, 13, 14].map((id) => ({
        id,
        devices: devices.filter((d) => d.iommuGroup === id).map((d) => d.address),
      })),
    },
    gpus: [
      {
        address: '0000:00:02.0',
        vendorId: '8086',
        name: 'UHD 630',
        functions: ['0000:00:02.0'],
        bootVga: true,
        connectedOutputs: ['HDMI-A-1'],
        drivesDisplay: true,
        driver: 'i915',
      },
      {
        address: '0000:01:00.0',
        vendorId: '10de',
        name: 'RTX 2080',
        functions: ['0000:01:00.0', '0000:01:00.1'],
        bootVga: false,
        connectedOutputs: [],
        drivesDisplay: false,
        driver: 'nvidia',
      },
      {
        address: '0000:04:00.0',
        vendorId: '1002',
        name: 'RX 560',
        functions: ['0000:04:00.0', '0000:04:00.1'],
        bootVga: false,
        connectedOutputs: [],
        drivesDisplay: false,
        driver: 'amdgpu',
      },
    ],
    usb: [
      {
        address: '0000:00:14.0',
        name: 'xHCI',
        buses: [1, 2],
        devices: [],
        hasKeyboard: true,
        hasMouse: true,
      },
    ],
    disks: [nvme, sata],
    zfs: {
      available: true,
      version: '2.3.4',
      pools: [
        {
          name: 'zroot',
          sizeBytes: 100,
          allocatedBytes: 30,
          freeBytes: 70,
          fragmentationPercent: 1,
          capacityPercent: 30,
          health: 'ONLINE',
          guid: '1',
          altroot: null,
          bootfs: null,
          compatibility: null,
          features: {},
          vdevs: [],
          devices: ['/dev/mapper/cryptroot'],
        },
      ],
      datasets: [],
    },
    cpu: null,
    memory: null,
    boot: {
      firmware: 'uefi',
      bootloader: 'grub',
      bootloaderEvidence: [],
      kernelCmdline: '',
      cmdlineArgs: [],
      kernelRelease: null,
    },
    vfio: { modules: [], boundDevices: [] },
    os: {
      id: 'nixos',
      name: 'NixOS',
      versionId: null,
      prettyName: null,
      isNixos: true,
      hostname: null,
      hostId: null,
      nixos: null,
    },
    network: { defaultRouteInterface: 'eno1', defaultRouteDevice: '0000:00:1f.6' },
    mounts: [
      { source: 'zroot/root', target: '/', fstype: 'zfs', options: 'rw' },
      {
        source: '/dev/disk/by-id/nvme-Samsung_SSD-part1',
        target: '/boot/efi',
        fstype: 'vfat',
        options: 'rw',
      },
    ],
    diagnostics: [],
  };
}

describe('hostCriticalDevices', () => {
  it('finds the root pool controller through LUKS, the default-route NIC, the keyboard xHCI and chipset functions', () => {
    const critical = hostCriticalDevices(machine());
    // The disk controllers carry the passthrough analysis's words, the root pool first.
    expect(critical.get('0000:02:00.0')).toEqual([
      'Controller of nvme0n1, which holds the root pool zroot',
      'Controller of nvme0n1, which holds the EFI system partition (/boot/efi)',
      'Controller of nvme0n1, mounted at /boot/efi',
    ]);
    expect(critical.get('0000:00:1f.6')?.[0]).toMatch(/default route \(eno1\)/);
    expect(critical.get('0000:00:14.0')?.[0]).toMatch(/keyboard/);
    expect(critical.has('0000:00:1f.0')).toBe(true);
    expect(critical.has('0000:00:1f.4')).toBe(true);
    expect(critical.get('0000:00:14.0')).toContain('USB controller of the mouse in use');
    // A mounted data disk counts too, as it does for the passthrough analysis.
    expect(critical.get('0000:00:17.0')).toEqual(['Controller of sda, mounted at /srv/data']);
  });

  it('leaves a controller whose disks hold nothing in use to the user', () => {
    const inv = machine();
    const sda1 = inv.disks[1]?.children[0];
    if (sda1 !== undefined) sda1.mountpoints = [];
    expect(hostCriticalDevices(inv).has('0000:00:17.0')).toBe(false);
  });
});

describe('deviceRoles', () => {
  it('colours the display GPU, the other GPUs with all their functions, bridges and the rest', () => {
    const roles = deviceRoles(machine());
    expect(roles.get('0000:00:02.0')?.role).toBe('display-gpu');
    expect(roles.get('0000:01:00.0')?.role).toBe('gpu');
    expect(roles.get('0000:01:00.1')?.role).toBe('gpu');
    expect(roles.get('0000:01:00.1')?.reasons[0]).toMatch(/Function of the GPU RTX 2080/);
    expect(roles.get('0000:00:01.0')?.role).toBe('bridge');
    expect(roles.get('0000:00:00.0')?.role).toBe('bridge');
    expect(roles.get('0000:02:00.0')?.role).toBe('host-critical');
    expect(roles.get('0000:00:17.0')?.role).toBe('host-critical');
    expect(roles.get('0000:00:1f.6')?.role).toBe('host-critical');
    expect(roles.get('0000:04:00.1')?.role).toBe('gpu');
  });
});

describe('summarizeGroup', () => {
  const inv = machine();
  const roles = deviceRoles(inv);
  const group = (id: number) => {
    const g = inv.iommu.groups.find((x) => x.id === id);
    if (g === undefined) throw new Error(`no group ${id}`);
    return summarizeGroup(g, inv, roles);
  };

  it('says a GPU is alone in its group when only its own functions (and bridges) are there', () => {
    const g = group(13);
    expect(g).toMatchObject({ mixed: false, blocked: false });
    expect(g.note).toMatch(/alone/);
  });

  it('calls out a GPU that would take an unused SATA controller along', () => {
    const idle = machine();
    const sda1 = idle.disks[1]?.children[0];
    if (sda1 !== undefined) sda1.mountpoints = [];
    const g = summarizeGroup(
      idle.iommu.groups.find((x) => x.id === 8) ?? { id: 8, devices: [] },
      idle,
      deviceRoles(idle),
    );
    expect(g.mixed).toBe(true);
    expect(g.blocked).toBe(false);
    expect(g.note).toMatch(
      /SATA AHCI Controller; passing it through gives that device to the VM too/,
    );
  });

  it('blocks a GPU that shares its group with a device the host needs', () => {
    const g = group(8);
    expect(g.blocked).toBe(true);
    expect(g.note).toMatch(
      /SATA AHCI Controller, which the host needs \(Controller of sda, mounted at \/srv\/data\)/,
    );
  });

  it('has nothing to say about a group without a GPU', () => {
    expect(group(12).note).toBeNull();
  });
});

describe('passthroughVerdicts', () => {
  it('refuses the display GPU and the GPU whose group holds a mounted disk, and passes the one alone', () => {
    const verdicts = passthroughVerdicts(machine());
    expect(verdicts.get('0000:00:02.0')?.verdict).toBe('refuse');
    expect(verdicts.get('0000:04:00.0')?.verdict).toBe('refuse');
    expect(verdicts.get('0000:04:00.0')?.reasons.map((r) => r.code)).toContain(
      'refuse.host-disk-controller',
    );
    expect(verdicts.get('0000:01:00.0')?.verdict).not.toBe('refuse');
    expect(verdicts.get('0000:00:14.0')?.verdict).toBe('refuse');
  });
});
