// The demo machine's inventory, as the shipped snapshot replays it, against the hand-written
// expectation: a reader that misreads sysfs, lsblk or ZFS output fails here.
import { beforeAll, describe, expect, it } from 'vitest';
import type { BlockDevice, Inventory } from '../../shared/model/inventory';
import { loadDemoHost } from '../../electron/host/select-host';
import { flattenBlockDevices } from '../../electron/inventory/read-disks';
import { readInventory } from '../../electron/inventory/read-inventory';
import { DEMO_EXPECTATION as E } from './demo-expectation';

let inv: Inventory;
let byName: Map<string, BlockDevice>;
beforeAll(async () => {
  inv = await readInventory(await loadDemoHost('workstation-2511'));
  byName = new Map(flattenBlockDevices(inv.disks).map((d) => [d.name, d]));
});

describe('the demo machine inventory', () => {
  it('has no warnings or errors', () => {
    expect(inv.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
  });

  it('knows the OS, the NixOS facts and the hostid', () => {
    expect(inv.os).toMatchObject({ ...E.os, hostname: E.hostname, hostId: E.hostId });
    const n = inv.os.nixos;
    expect(n).toMatchObject({
      source: 'eval',
      version: E.nixos.version,
      stateVersion: E.nixos.stateVersion,
      hostId: E.nixos.hostId,
      flake: E.nixos.flake,
      configurationPath: E.nixos.configurationPath,
      initrdSecrets: E.nixos.initrdSecrets,
      efiSysMountPoint: E.nixos.efiSysMountPoint,
    });
    expect(n?.grub).toMatchObject(E.nixos.grub);
    expect(Object.fromEntries(n?.luksDevices.map((l) => [l.name, l.device]) ?? [])).toEqual(
      E.nixos.luksDevices,
    );
  });

  it('knows the firmware, bootloader, kernel and command line', () => {
    expect(inv.boot).toMatchObject({
      firmware: E.boot.firmware,
      bootloader: E.boot.bootloader,
      kernelRelease: E.boot.kernelRelease,
    });
    for (const arg of E.boot.cmdlineHas) expect(inv.boot.kernelCmdline.split(' ')).toContain(arg);
  });

  it('knows the CPU and memory', () => {
    expect(inv.cpu).toMatchObject(E.cpu);
    expect(inv.memory?.totalBytes).toBe(E.memory.totalBytes);
    expect(inv.memory?.hugepages.map((h) => h.sizeKiB)).toEqual(E.memory.hugepageSizesKiB);
  });

  it('knows the IOMMU state and groups', () => {
    const { groupCount, ...state } = E.iommu;
    expect(inv.iommu).toMatchObject(state);
    expect(inv.iommu.groups).toHaveLength(groupCount);
    const group = (id: number) => inv.iommu.groups.find((g) => g.id === id);
    for (const g of [
      E.groups.nvidia,
      E.groups.nvidiaRootPort,
      E.groups.spareUsb,
      E.groups.mixed,
      E.groups.chipset,
      ...E.groups.rootNvme,
    ])
      expect(group(g.id)?.devices).toEqual(g.devices);
    const unbound = inv.pci.filter((d) => d.driver === null).map((d) => d.address);
    expect(unbound).toEqual(E.unboundDevices);
  });

  it('finds the GPUs, their functions, and the one that drives the display', () => {
    expect(
      inv.gpus.map((g) => ({
        address: g.address,
        vendorId: g.vendorId,
        driver: g.driver,
        bootVga: g.bootVga,
        drivesDisplay: g.drivesDisplay,
        connectedOutputs: g.connectedOutputs,
        functions: g.functions,
        iommuGroup: inv.pci.find((d) => d.address === g.address)?.iommuGroup,
      })),
    ).toEqual(E.gpus);
  });

  it('finds the USB controllers, the keyboard and mouse, and the empty spare controller', () => {
    const c = (a: string) => inv.usb.find((u) => u.address === a);
    const kb = c(E.usb.keyboardController);
    expect(kb).toMatchObject({ hasKeyboard: true, hasMouse: true, buses: E.usb.keyboardBuses });
    expect(kb?.devices.find((d) => d.port === E.usb.keyboard.port)).toMatchObject({
      ...E.usb.keyboard,
      isKeyboard: true,
    });
    expect(kb?.devices.find((d) => d.port === E.usb.mouse.port)).toMatchObject({
      ...E.usb.mouse,
      isMouse: true,
      isKeyboard: false,
    });
    expect(kb?.devices.find((d) => d.port === E.usb.namelessDevice.port)).toMatchObject(
      E.usb.namelessDevice,
    );
    for (const spare of [E.usb.spareController, E.usb.gpuController]) {
      expect(c(spare.address)).toMatchObject({
        buses: spare.buses,
        hasKeyboard: false,
        hasMouse: false,
      });
      expect(c(spare.address)?.devices).toHaveLength(spare.devices);
    }
  });

  it('finds the disks, their controllers, LUKS containers, the ESP and the zvol', () => {
    for (const [name, controller] of Object.entries(E.disks.controllers))
      expect(byName.get(name)?.pciController, name).toBe(controller);
    expect(byName.get(E.disks.esp.device)).toMatchObject({
      fstype: E.disks.esp.fstype,
      mountpoints: [E.disks.esp.mountPoint],
    });
    for (const [part, mapper] of Object.entries(E.disks.luks))
      expect(byName.get(part)).toMatchObject({ fstype: 'crypto_LUKS', luksMapper: mapper });
    expect(byName.get(E.disks.dataDisk.device)).toMatchObject({
      fstype: E.disks.dataDisk.fstype,
      mountpoints: [E.disks.dataDisk.mountPoint],
    });
    expect(byName.get('nvme0n1')?.byId.length).toBeGreaterThan(0);
    expect(Object.keys(E.disks.zvols).every((z) => byName.has(z))).toBe(true);
  });

  it('finds the pool, its vdevs, features, datasets, snapshots and zvols', () => {
    expect(inv.zfs.version).toBe(E.zfs.version);
    const [pool] = inv.zfs.pools;
    const [want] = E.zfs.pools;
    expect(inv.zfs.pools).toHaveLength(1);
    expect(pool).toMatchObject({
      name: want.name,
      sizeBytes: want.sizeBytes,
      allocatedBytes: want.allocatedBytes,
      freeBytes: want.freeBytes,
      health: want.health,
      compatibility: want.compatibility,
    });
    expect(pool?.devices).toEqual(want.devices);
    expect(pool?.vdevs.map((v) => v.kind)).toEqual(want.vdevKinds);
    const active = Object.entries(pool?.features ?? {})
      .filter(([, s]) => s === 'active')
      .map(([f]) => f);
    expect(active.sort()).toEqual([...want.activeFeatures].sort());
    const names = (type: string) =>
      inv.zfs.datasets
        .filter((d) => d.type === type)
        .map((d) => d.name)
        .sort();
    expect(names('filesystem')).toEqual(E.zfs.filesystems);
    expect(names('snapshot')).toEqual(E.zfs.snapshots);
    expect(
      inv.zfs.datasets
        .filter((d) => d.type === 'volume')
        .map((d) => ({
          name: d.name,
          volsizeBytes: d.volsizeBytes,
          volblocksizeBytes: d.volblocksizeBytes,
          refreservationBytes: d.refreservationBytes,
        })),
    ).toEqual(E.zfs.volumes);
    expect(inv.mounts.find((m) => m.target === '/')?.source).toBe(E.zfs.rootDataset);
  });

  it('knows the default route, vfio state and the mounts that matter', () => {
    expect(inv.network).toEqual(E.network);
    expect(inv.vfio).toEqual(E.vfio);
    for (const [target, m] of Object.entries(E.mounts))
      expect(inv.mounts.find((x) => x.target === target)).toMatchObject(m);
  });
});
