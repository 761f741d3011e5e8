// Checks the machine builder against facts of real sysfs and real tool output shapes, and that
// the demo and large machines hold what they claim.
import { describe, it, expect } from 'vitest';
import { readText } from '../../electron/host/host';
import { joinPath } from '../../electron/host/virtual-host';
import type { VirtualHost } from '../../electron/host/virtual-host';
import {
  LSBLK_ARGV,
  LSPCI_ARGV,
  NIXOS_EVAL_CHANNELS_ARGV,
  ZFS_LIST_ARGV,
  ZFS_LIST_COLUMNS,
  ZPOOL_GET_ARGV,
  ZPOOL_LIST_ARGV,
  ZPOOL_LIST_COLUMNS,
  ZPOOL_STATUS_ARGV,
} from '../../electron/inventory/commands';
import { MachineBuilder } from './machine-builder';
import type { PciSpec } from './machine-builder';
import { buildDemoMachine } from './demo-machine';
import { DEMO_EXPECTATION } from './demo-expectation';
import { buildLargeMachine } from './large-machine';

const base = { revision: 'a1', className: 'x', vendorName: 'x', deviceName: 'x' };

/** A root port, a GPU behind it and an unbound function, built from scratch (synthetic). */
function tinyMachine(): VirtualHost {
  const b = new MachineBuilder({ description: 'tiny', kernelRelease: '6.12.58' });
  const devices: PciSpec[] = [
    {
      ...base,
      address: '0000:00:01.0',
      classCode: 0x060400,
      vendor: '8086',
      device: '1901',
      driver: 'pcieport',
      iommuGroup: 1,
    },
    {
      ...base,
      address: '0000:01:00.0',
      parent: '0000:00:01.0',
      classCode: 0x030000,
      vendor: '10de',
      device: '1c82',
      driver: 'nvidia',
      iommuGroup: 16,
      bootVga: false,
      resetMethods: ['flr', 'bus'],
    },
    {
      ...base,
      address: '0000:01:00.1',
      parent: '0000:00:01.0',
      classCode: 0x040300,
      vendor: '10de',
      device: '0fb9',
      driver: null,
      iommuGroup: 16,
    },
  ];
  for (const d of devices) b.pci(d);
  b.iommu('DMAR', ['dmar0'], () => 'dmar0');
  return b.build();
}

async function resolveLink(host: VirtualHost, path: string): Promise<string> {
  const target = await host.readLink(path);
  return joinPath(path.split('/').slice(0, -1).join('/'), target);
}

describe('MachineBuilder sysfs layout', () => {
  it('links /sys/bus/pci/devices/<a> to the device directory under its root port', async () => {
    const h = tinyMachine();
    expect(await h.readLink('/sys/bus/pci/devices/0000:01:00.0')).toBe(
      '../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0',
    );
    expect(await readText(h, '/sys/bus/pci/devices/0000:01:00.0/class')).toBe('0x030000\n');
    expect(await readText(h, '/sys/bus/pci/devices/0000:01:00.0/vendor')).toBe('0x10de\n');
    expect(await readText(h, '/sys/bus/pci/devices/0000:01:00.0/reset_method')).toBe('flr bus\n');
    expect(await readText(h, '/sys/bus/pci/devices/0000:01:00.0/boot_vga')).toBe('0\n');
    expect(await readText(h, '/sys/bus/pci/devices/0000:01:00.0/driver_override')).toBe('(null)\n');
  });

  it('counts the ../ of driver and iommu_group links from the real device directory', async () => {
    const h = tinyMachine();
    const driverLink = '/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/driver';
    expect(await h.readLink(driverLink)).toBe('../../../../bus/pci/drivers/nvidia');
    expect(await resolveLink(h, driverLink)).toBe('/sys/bus/pci/drivers/nvidia');
    expect(await h.readLink('/sys/devices/pci0000:00/0000:00:01.0/driver')).toBe(
      '../../../bus/pci/drivers/pcieport',
    );
    expect(await h.readLink('/sys/bus/pci/devices/0000:01:00.0/iommu_group')).toBe(
      '../../../../kernel/iommu_groups/16',
    );
    expect(await h.readDir('/sys/bus/pci/devices/0000:01:00.0/driver')).toContain('0000:01:00.0');
  });

  it('gives an unbound device no driver link, and non-VGA devices no boot_vga', async () => {
    const h = tinyMachine();
    await expect(h.readLink('/sys/bus/pci/devices/0000:01:00.1/driver')).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await expect(h.readFile('/sys/bus/pci/devices/0000:01:00.1/boot_vga')).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await expect(
      h.readFile('/sys/bus/pci/devices/0000:01:00.1/reset_method'),
    ).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('leaves out reset_method on kernels before 5.15', async () => {
    const b = new MachineBuilder({
      description: 'old',
      kernelRelease: '5.10.0',
      resetMethodAttribute: false,
    });
    b.pci({
      ...base,
      address: '0000:00:02.0',
      classCode: 0x030000,
      vendor: '8086',
      device: '3e98',
      driver: 'i915',
      iommuGroup: 0,
      bootVga: true,
      resetMethods: ['flr'],
    });
    const h = b.build();
    await expect(
      h.readFile('/sys/bus/pci/devices/0000:00:02.0/reset_method'),
    ).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readText(h, '/sys/bus/pci/devices/0000:00:02.0/boot_vga')).toBe('1\n');
  });

  it('lists exactly a group’s devices under /sys/kernel/iommu_groups/N/devices, linked back', async () => {
    const h = tinyMachine();
    expect(await h.readDir('/sys/kernel/iommu_groups')).toEqual(['1', '16']);
    expect(await h.readDir('/sys/kernel/iommu_groups/16/devices')).toEqual([
      '0000:01:00.0',
      '0000:01:00.1',
    ]);
    const back = '/sys/kernel/iommu_groups/16/devices/0000:01:00.1';
    expect(await h.readLink(back)).toBe('../../../../devices/pci0000:00/0000:00:01.0/0000:01:00.1');
    expect(await readText(h, `${back}/class`)).toBe('0x040300\n');
  });
});

describe('the demo machine', () => {
  const h = buildDemoMachine();

  it('has the groups the expectation names', async () => {
    for (const g of [
      DEMO_EXPECTATION.groups.nvidia,
      DEMO_EXPECTATION.groups.mixed,
      DEMO_EXPECTATION.groups.spareUsb,
      DEMO_EXPECTATION.groups.chipset,
    ]) {
      expect(await h.readDir(`/sys/kernel/iommu_groups/${g.id}/devices`)).toEqual([...g.devices]);
    }
    expect((await h.readDir('/sys/kernel/iommu_groups')).length).toBe(
      DEMO_EXPECTATION.iommu.groupCount,
    );
  });

  it('drives the display from the iGPU: boot_vga 1 and a connected HDMI connector', async () => {
    expect(await readText(h, '/sys/bus/pci/devices/0000:00:02.0/boot_vga')).toBe('1\n');
    expect(await readText(h, '/sys/bus/pci/devices/0000:01:00.0/boot_vga')).toBe('0\n');
    expect(await readText(h, '/sys/class/drm/card0-HDMI-A-1/status')).toBe('connected\n');
    expect(await resolveLink(h, '/sys/devices/pci0000:00/0000:00:02.0/drm/card0/device')).toBe(
      '/sys/devices/pci0000:00/0000:00:02.0',
    );
  });

  it('puts the keyboard under the chipset xHCI, in sysfs and in /proc/bus/input/devices', async () => {
    expect(await h.readLink('/sys/bus/usb/devices/1-2')).toBe(
      '../../../devices/pci0000:00/0000:00:14.0/usb1/1-2',
    );
    expect(await readText(h, '/sys/bus/usb/devices/1-2:1.0/bInterfaceProtocol')).toBe('01\n');
    await expect(h.readFile('/sys/bus/usb/devices/1-14/manufacturer')).rejects.toMatchObject({
      code: 'ENOENT',
    });
    const input = await readText(h, '/proc/bus/input/devices');
    const kbd =
      /N: Name="Logitech USB Keyboard"\nP: Phys=usb-0000:00:14\.0-2\/input0\nS: Sysfs=(\S+)/.exec(
        input,
      );
    expect(kbd?.[1]).toMatch(
      /^\/devices\/pci0000:00\/0000:00:14\.0\/usb1\/1-2\/1-2:1\.0\/0003:046D:C31C\.0001\/input\/input3$/,
    );
    expect(input).toContain('N: Name="Logitech USB Keyboard Consumer Control"');
    expect(await readText(h, `/sys${kbd?.[1] ?? ''}/name`)).toBe('Logitech USB Keyboard\n');
  });

  it('answers lsblk with JSON that parses, with the LUKS mappers and the ESP', async () => {
    const out = JSON.parse((await h.run(LSBLK_ARGV)).stdout) as {
      blockdevices: Array<
        Record<string, unknown> & {
          children?: Array<Record<string, unknown> & { children?: Array<Record<string, unknown>> }>;
        }
      >;
    };
    const nvme0 = out.blockdevices.find((d) => d['name'] === 'nvme0n1');
    expect(nvme0?.['tran']).toBe('nvme');
    expect(nvme0?.children?.[0]?.['mountpoints']).toEqual(['/boot/efi']);
    expect(nvme0?.children?.[1]?.['fstype']).toBe('crypto_LUKS');
    const mapper = nvme0?.children?.[1]?.children?.[0];
    expect(mapper).toMatchObject({
      name: 'cryptroot1',
      kname: 'dm-0',
      type: 'crypt',
      fstype: 'zfs_member',
      label: 'zroot',
    });
    expect(Object.keys(nvme0 ?? {}).length).toBeGreaterThanOrEqual(70);
    expect(await resolveLink(h, '/dev/mapper/cryptroot2')).toBe('/dev/dm-1');
    expect(await h.readLink('/sys/block/nvme0n1')).toBe(
      '../devices/pci0000:00/0000:00:1b.0/0000:02:00.0/nvme/nvme0/nvme0n1',
    );
    expect(await h.readLink('/sys/block/sda')).toBe(
      '../devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda',
    );
  });

  it('prints ZFS output tab-separated with one field per requested column', async () => {
    const list = (await h.run(ZPOOL_LIST_ARGV)).stdout.trimEnd().split('\n');
    expect(list).toHaveLength(1);
    expect(list[0]?.split('\t')).toHaveLength(ZPOOL_LIST_COLUMNS.length);
    const zfs = (await h.run(ZFS_LIST_ARGV)).stdout.trimEnd().split('\n');
    for (const line of zfs) expect(line.split('\t')).toHaveLength(ZFS_LIST_COLUMNS.length);
    expect(zfs.map((l) => l.split('\t')[0])).toContain('zroot/root@2026-11-01');
    const get = (await h.run(ZPOOL_GET_ARGV)).stdout.trimEnd().split('\n');
    for (const line of get) expect(line.split('\t')).toHaveLength(3);
    expect(get).toContain('zroot\tfeature@lz4_compress\tactive');
    expect(get).toContain('zroot\tcompatibility\tgrub2');
    const status = (await h.run(ZPOOL_STATUS_ARGV)).stdout;
    expect(status).toContain('\t    /dev/mapper/cryptroot1  ONLINE       0     0     0\n');
  });

  it('stores the hostId little-endian in /etc/hostid and answers the NixOS evaluation', async () => {
    expect([...(await h.readFile('/etc/hostid'))]).toEqual([0x49, 0xe3, 0x25, 0x84]);
    const facts = JSON.parse((await h.run(NIXOS_EVAL_CHANNELS_ARGV)).stdout) as Record<
      string,
      unknown
    >;
    expect(facts['hostId']).toBe(DEMO_EXPECTATION.nixos.hostId);
    expect(Object.keys(facts)).toEqual([...Object.keys(facts)].sort());
    await expect(h.stat('/etc/nixos/flake.nix')).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await h.stat('/sys/firmware/efi')).kind).toBe('dir');
    expect(await h.readDir('/sys/firmware/efi/efivars')).not.toContain(
      'LoaderInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f',
    );
  });

  it('shows interrupt remapping and the default route on the chipset NIC', async () => {
    const irq = await readText(h, '/proc/interrupts');
    expect(irq).toMatch(/IR-PCI-MSI 327680-edge\s+xhci_hcd/);
    expect(irq).toContain('IR-IO-APIC');
    const route = (await readText(h, '/proc/net/route')).split('\n')[1] ?? '';
    expect(route.split('\t').slice(0, 2)).toEqual(['eno1', '00000000']);
    expect(await h.readLink('/sys/class/net/eno1/device')).toBe('../../../0000:00:1f.6');
    expect((await h.run(LSPCI_ARGV)).stdout).toContain(
      '0000:01:00.0 "VGA compatible controller [0300]" "NVIDIA Corporation [10de]" "TU104 [GeForce RTX 2080 Rev. A] [1e87]" -ra1',
    );
    await expect(h.run(['vfio-list'])).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('the large machine', () => {
  it('meets the benchmark sizes with consistent groups', async () => {
    const h = buildLargeMachine();
    const pci = await h.readDir('/sys/bus/pci/devices');
    expect(pci.length).toBeGreaterThanOrEqual(300);
    const groups = await h.readDir('/sys/kernel/iommu_groups');
    expect(groups.length).toBeGreaterThanOrEqual(80);
    let members = 0;
    for (const g of groups)
      members += (await h.readDir(`/sys/kernel/iommu_groups/${g}/devices`)).length;
    expect(members).toBe(pci.length);
    const lsblk = JSON.parse((await h.run(LSBLK_ARGV)).stdout) as { blockdevices: unknown[] };
    expect(lsblk.blockdevices.length).toBeGreaterThanOrEqual(60);
    const datasets = (await h.run(ZFS_LIST_ARGV)).stdout.trimEnd().split('\n');
    expect(datasets.length).toBeGreaterThanOrEqual(10_000);
    expect(new Set(datasets.map((l) => l.split('\t')[0]?.split(/[/@]/)[0])).size).toBe(3);
    expect(await readText(h, '/proc/bus/input/devices')).toContain('Dell KB216 Wired Keyboard');
  });
});
