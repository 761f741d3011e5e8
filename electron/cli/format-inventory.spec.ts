// `cohabit inventory`'s text: sizes in the shared IEC form, and a pool zpool could not measure
// (real FreeBSD `zpool list -Hp` with an UNAVAIL pool) said to be of unknown size, never 0.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../shared/model/inventory';
import { parseZpoolList } from '../../shared/parse/zpool';
import {
  FREEBSD11_ZPOOL_COLUMNS,
  asCohabitZpoolList,
  storageFixture,
} from '../../test/fixtures/storage/storage-fixtures';
import { loadDemoHost } from '../host/select-host';
import { readInventory } from '../inventory/read-inventory';
import { ansiStyle, formatInventory } from './format-inventory';

let demo: Inventory;
beforeAll(async () => {
  demo = await readInventory(await loadDemoHost());
});

/** The demo machine with its pools replaced by the rows of the telegraf #3149 paste. */
function withUnavailPool(): Inventory {
  const inv = structuredClone(demo);
  const template = inv.zfs.pools[0];
  if (template === undefined) throw new Error('the demo has no pool');
  const rows = parseZpoolList(
    asCohabitZpoolList(
      storageFixture('zpool-list-Hp-telegraf-3149-unavail.txt'),
      FREEBSD11_ZPOOL_COLUMNS,
    ),
  );
  inv.zfs.pools = rows.map((row) => ({ ...template, ...row, vdevs: [], devices: [] }));
  inv.zfs.datasets = [];
  return inv;
}

describe('formatInventory', () => {
  it('prints the demo pool and disks with the shared byte formatter', () => {
    const out = formatInventory(demo);
    expect(out).toMatch(/zroot {2}\[#+\.+\] 31% {2}287 GiB of 923 GiB, 636 GiB free {2}ONLINE/);
    // Three significant digits: a 4 TB disk is 3.64 TiB, the 16 MiB MSR partition 16.0 MiB.
    expect(out).toContain('  sda  3.64 TiB, disk,');
    expect(out).toContain('    zd0p2  16.0 MiB, part');
  });

  it('says whether /etc/nixos built the running system, and each check made or not', () => {
    const out = formatInventory(demo);
    expect(out).toContain(
      '  /etc/nixos builds the running system: /etc/nixos/configuration.nix evaluates to',
    );
    expect(out).toContain(
      '    checked build date: generation 42, registered 2026-11-20 18:04 UTC\n',
    );
    expect(out).toContain(
      '    not checked copied configuration: the running system keeps no copy of configuration.nix',
    );
  });

  it('says a pool zpool could not measure is of unknown size, and keeps the other pool', () => {
    const out = formatInventory(withUnavailPool());
    expect(out).toContain('  temp2  size unknown (zpool could not measure the pool)  UNAVAIL');
    expect(out).not.toMatch(/temp2 .*0 B/);
    expect(out).toMatch(/zroot {2}\[#+\.+\] 48% {2}49\.6 GiB of 103 GiB, 53\.4 GiB free {2}ONLINE/);
  });

  it('shows escapes, bidi overrides and invisible characters the machine reports, visibly', () => {
    const inv = structuredClone(demo);
    // A USB stick, a GPU's name or os-release can say anything; these would erase or reorder.
    inv.os.prettyName = 'NixOS\x1b[2K\rTotally not NixOS';
    const gpu = inv.gpus[0];
    const usb = inv.usb[0];
    const disk = inv.disks[0];
    if (gpu === undefined || usb === undefined || disk === undefined) throw new Error('demo');
    gpu.name = 'GeForce \u202eXTR 0904';
    disk.model = 'Samsung\u200b\u2066SSD\u2069';
    usb.devices = usb.devices.map((d) => ({ ...d, product: 'Keyboard\u009b31m', isHub: false }));
    inv.iommu.reasons = ['on\x1b]52;c;cm0gLXJmIC8K\x07'];
    for (const style of [undefined, ansiStyle]) {
      const out = formatInventory(inv, style);
      expect(out).toContain('NixOS\\x1b[2K\\rTotally not NixOS');
      expect(out).toContain('GeForce \\u202eXTR 0904');
      expect(out).toContain('Samsung\\u200b\\u2066SSD\\u2069');
      expect(out).toContain('Keyboard\\x9b31m');
      expect(out).toContain('on\\x1b]52;c;cm0gLXJmIC8K\\x07');
      // What remains of ESC is only the colours formatInventory adds itself.
      // eslint-disable-next-line no-control-regex -- the SGR colours are ESC sequences
      const uncoloured = out.replace(/\x1b\[[0-9]*m/g, '');
      expect(uncoloured).not.toMatch(
        // eslint-disable-next-line no-control-regex -- no control character may come out
        /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b\u202a-\u202e\u2066-\u2069]/,
      );
    }
  });
});
