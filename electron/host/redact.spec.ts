// --redact removes what identifies a machine and keeps the snapshot replayable: the same value
// gets the same stand-in everywhere, so by-id names still point at their disks.
import { describe, expect, it } from 'vitest';
import { readInventory } from '../inventory/read-inventory';
import { flattenBlockDevices } from '../inventory/read-disks';
import { recordDemo } from '../../test/record-demo';
import { redactSnapshot, sensitiveTokens } from './redact';
import { SnapshotHost } from './snapshot-host';

describe('redactSnapshot', () => {
  it('removes serials, UUIDs, pool GUIDs, the hostid and the hostname from every string', async () => {
    const original = await recordDemo();
    const tokens = sensitiveTokens(original);
    const inv = await readInventory(new SnapshotHost(original));
    const serial = flattenBlockDevices(inv.disks).find((d) => d.serial !== null)?.serial;
    expect(tokens).toEqual(
      expect.arrayContaining([serial, inv.zfs.pools[0]?.guid, 'atlas', '8425e349']),
    );
    const text = JSON.stringify(redactSnapshot(original));
    for (const t of tokens) expect(text.includes(t), t).toBe(false);
  });

  it('replays to the same machine shape with consistent stand-ins', async () => {
    const original = await recordDemo();
    const before = await readInventory(new SnapshotHost(original));
    const after = await readInventory(new SnapshotHost(redactSnapshot(original)));
    expect(after.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(after.os.hostId).toMatch(/^[0-9a-f]{8}$/);
    expect(after.os.hostId).not.toBe(before.os.hostId);
    expect(after.os.nixos?.hostId).toBe(after.os.hostId);
    const shape = (i: typeof before) =>
      flattenBlockDevices(i.disks).map((d) => [
        d.name,
        d.byId.length,
        d.pciController,
        d.luksMapper,
      ]);
    expect(shape(after)).toEqual(shape(before));
    expect(after.zfs.datasets.map((d) => d.name)).toEqual(before.zfs.datasets.map((d) => d.name));
    expect(after.pci).toEqual(before.pci);
  });
});
