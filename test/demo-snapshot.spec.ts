// Every demo snapshot shipped with the app is exactly a recording of its demo machine with today's
// readers, replays without an unrecorded read, and the machines are the releases they claim.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEMO, demoSnapshotUrl } from '../electron/host/demo-machines';
import { DEMO_SNAPSHOT_URL, loadDemoHost } from '../electron/host/select-host';
import { readInventory } from '../electron/inventory/read-inventory';
import { DEMO_MACHINES } from './machines/demo-machines';
import { recordDemo, serializeSnapshot } from './record-demo';

describe('the shipped demo snapshots', () => {
  it('the default one is the file the app opens without a name', () => {
    expect(demoSnapshotUrl(DEFAULT_DEMO).href).toBe(DEMO_SNAPSHOT_URL.href);
  });

  for (const machine of DEMO_MACHINES) {
    describe(machine.name, () => {
      it('is current: re-recording the machine gives the same file (else run npm run demo:record)', async () => {
        const shipped = await readFile(demoSnapshotUrl(machine.name), 'utf8');
        expect(serializeSnapshot(await recordDemo(machine))).toBe(shipped);
      });

      it('replays without a single unrecorded read, as the release it claims', async () => {
        const inv = await readInventory(await loadDemoHost(machine.name));
        expect(inv.diagnostics.filter((d) => d.code.endsWith('.not-recorded'))).toEqual([]);
        expect(inv.os.nixos?.release).toBe(machine.variant.release);
        expect(inv.os.nixos?.initrdSystemd).toBe(machine.variant.systemdInitrd);
      });
    });
  }
});
