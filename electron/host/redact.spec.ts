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

  it('redacts an attached log tail with the same stand-ins, and the home directory as ~', async () => {
    const original = await recordDemo();
    const tokens = sensitiveTokens(original);
    const serial = tokens.find((t) => /[A-Z]/.test(t) && t.length > 6) ?? '';
    const guid = tokens.find((t) => /^\d{10,}$/.test(t)) ?? '';
    expect([serial, guid].every((t) => t.length > 0)).toBe(true);
    const tail = [
      JSON.stringify({ event: 'step-failed', argv: ['sgdisk', `/dev/disk/by-id/ata-${serial}`] }),
      JSON.stringify({
        event: 'cli-failed',
        stack: `at /home/alice/cohabit/x.js pool ${guid} on atlas`,
      }),
    ].join('\n');
    const withLog = {
      ...original,
      log: { path: '/home/alice/.local/state/cohabit/cohabit.log', tail },
    };
    const redacted = redactSnapshot(withLog, '/home/alice');
    const text = JSON.stringify(redacted.log);
    for (const t of [serial, guid, 'atlas', '/home/alice']) expect(text.includes(t), t).toBe(false);
    expect(redacted.log?.path).toBe('~/.local/state/cohabit/cohabit.log');
    // The tail names the disk as the redacted snapshot does, so the two still read together.
    const standIn = redacted.log?.tail.match(/ata-([^"]+)"/)?.[1] ?? '';
    expect(JSON.stringify({ ...redacted, log: undefined })).toContain(standIn);
    // Without --redact the tail is the user's own, as the rest of the snapshot is.
    expect(redactSnapshot(original, '/home/alice').log).toBeUndefined();
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
