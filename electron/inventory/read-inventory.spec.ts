// The inventory degrades, never crashes: each broken fact (malformed JSON, truncated output, odd
// sysfs content, a tool that hangs or fails, hostile names) gives a diagnostic and the rest of
// the inventory still arrives. The machine is the demo workstation with one thing broken at a time.
import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../shared/model/inventory';
import { buildDemoMachine } from '../../test/machines/demo-machine';
import { LocalHost } from '../host/local-host';
import {
  LSBLK_ARGV,
  LSPCI_ARGV,
  ZFS_LIST_ARGV,
  ZFS_VERSION_ARGV,
  ZPOOL_LIST_ARGV,
  ZPOOL_GET_ARGV,
  ZPOOL_STATUS_ARGV,
} from './commands';
import { readInventory } from './read-inventory';

const codes = (inv: Inventory) => inv.diagnostics.map((d) => d.code);

async function demoOutput(argv: readonly string[]): Promise<string> {
  return (await buildDemoMachine().run(argv)).stdout;
}

describe('readInventory on the demo machine', () => {
  it('reads everything without a warning', async () => {
    const inv = await readInventory(buildDemoMachine());
    expect(inv.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(inv.pci.length).toBeGreaterThan(10);
    expect(inv.zfs.pools.map((p) => p.name)).toContain('zroot');
  });
});

describe('readInventory with one broken fact', () => {
  it('malformed lsblk JSON: no disks, a diagnostic, pools and PCI still there', async () => {
    const inv = await readInventory(
      buildDemoMachine().command(LSBLK_ARGV, { stdout: '{"blockdevices": [ {"name": "sda", ' }),
    );
    expect(codes(inv)).toContain('disks.lsblk.malformed');
    expect(inv.disks).toEqual([]);
    expect(inv.zfs.pools.length).toBeGreaterThan(0);
    expect(inv.pci.length).toBeGreaterThan(0);
  });

  it('truncated zfs list: a diagnostic naming zfs list, the pools still listed', async () => {
    const full = await demoOutput(ZFS_LIST_ARGV);
    const cut = full.slice(0, Math.floor(full.length / 2));
    const inv = await readInventory(
      buildDemoMachine().command(ZFS_LIST_ARGV, { stdout: cut.slice(0, cut.lastIndexOf('\t')) }),
    );
    expect(inv.diagnostics.find((d) => d.code === 'zfs.list.malformed')?.message).toMatch(
      /zfs list/,
    );
    expect(inv.zfs.pools.map((p) => p.name)).toContain('zroot');
  });

  it('a sysfs class file with unexpected content drops only that device', async () => {
    const before = await readInventory(buildDemoMachine());
    const victim = before.pci.find((d) => d.classCode === '0c03');
    expect(victim).toBeDefined();
    const host = buildDemoMachine().file(
      `/sys/bus/pci/devices/${victim?.address ?? ''}/class`,
      'garbage\n',
    );
    const inv = await readInventory(host);
    expect(inv.diagnostics.find((d) => d.code === 'pci.unreadable')?.subject).toBe(victim?.address);
    expect(inv.pci.length).toBe(before.pci.length - 1);
  });

  it('a tool that hangs is stopped and reported; the rest arrives', async () => {
    const inv = await readInventory(
      buildDemoMachine().commandError(
        ZPOOL_STATUS_ARGV,
        'TIMEOUT',
        'zpool status -P did not finish within 30000 ms',
      ),
    );
    expect(codes(inv)).toContain('zfs.zpool-status.timeout');
    expect(inv.zfs.pools.map((p) => p.name)).toContain('zroot');
    expect(inv.gpus.length).toBeGreaterThan(0);
  });

  it('a tool that exits non-zero gives its stderr in the diagnostic', async () => {
    const inv = await readInventory(
      buildDemoMachine().command(ZPOOL_GET_ARGV, {
        exitCode: 1,
        stderr: 'cannot open pool: permission denied\n',
      }),
    );
    expect(inv.diagnostics.find((d) => d.code === 'zfs.zpool-get.exit')?.message).toMatch(
      /permission denied/,
    );
    expect(inv.zfs.pools[0]?.features).toEqual({});
  });

  it('without lspci, names come from pci.ids or the IDs, and it says so', async () => {
    const inv = await readInventory(buildDemoMachine().commandError(LSPCI_ARGV, 'ENOENT'));
    expect(codes(inv)).toContain('pci.lspci.missing-tool');
    expect(inv.pci.every((d) => d.nameSource !== 'lspci')).toBe(true);
  });

  it('without ZFS tools: a plain note, no pools, no crash', async () => {
    const host = buildDemoMachine();
    for (const argv of [
      ZFS_VERSION_ARGV,
      ZPOOL_LIST_ARGV,
      ZPOOL_GET_ARGV,
      ZPOOL_STATUS_ARGV,
      ZFS_LIST_ARGV,
    ])
      host.commandError(argv, 'ENOENT');
    const inv = await readInventory(host);
    expect(inv.zfs.available).toBe(false);
    expect(inv.diagnostics.find((d) => d.code === 'zfs.absent')?.message).toMatch(/No ZFS/);
  });

  it('dataset names with spaces and quotes, labels with newlines and non-UTF-8 bytes survive', async () => {
    const host = buildDemoMachine();
    const list = await demoOutput(ZFS_LIST_ARGV);
    const first = list.split('\n')[0] ?? '';
    const fields = first.split('\t');
    fields[0] = `${fields[0] ?? ''}/a b "c" 'd'`;
    host.command(ZFS_LIST_ARGV, { stdout: `${list}${fields.join('\t')}\n` });
    const usb = (await host.readDir('/sys/bus/usb/devices')).find((d) => /^\d+-\d+$/.test(d));
    if (usb !== undefined)
      host.file(
        `/sys/bus/usb/devices/${usb}/product`,
        new Uint8Array([0x4b, 0x65, 0x79, 0xff, 0xfe, 0x0a]),
      );
    const inv = await readInventory(host);
    expect(inv.zfs.datasets.map((d) => d.name)).toContain(
      `${first.split('\t')[0] ?? ''}/a b "c" 'd'`,
    );
    const product = inv.usb.flatMap((c) => c.devices).find((d) => d.port === usb)?.product;
    expect(product).toBe('Key\uFFFD\uFFFD');
  });
});

describe('readInventory on this machine', () => {
  it('reads the real machine without throwing, whatever it has', async () => {
    const inv = await readInventory(new LocalHost());
    expect(inv.format).toBe('cohabit-inventory/1');
    if (!inv.zfs.available) expect(codes(inv)).toContain('zfs.absent');
    if (!inv.iommu.enabled) expect(codes(inv)).toContain('iommu.off');
  }, 60_000);
});
