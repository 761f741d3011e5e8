// `npm run demo:record`: records the demo machine (built in test/machines/demo-machine.ts) into
// the snapshot shipped with the app. The snapshot holds exactly what the inventory (and the
// planner, for the seed layout) reads, so it
// must be re-recorded when the readers change; test/demo-snapshot.spec.ts says when.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { RecordingHost } from '../electron/host/recording-host';
import type { HostSnapshot } from '../electron/host/snapshot-format';
import { DEMO_SNAPSHOT_URL } from '../electron/host/select-host';
import { readInventory } from '../electron/inventory/read-inventory';
import { buildDemoMachine } from './machines/demo-machine';
import { readPlanFiles } from '../electron/planner/read-plan-files';
import { seedLayout } from '../shared/planner/examples';

/** Fixed so that re-recording an unchanged machine gives a byte-identical file. */
export const DEMO_RECORDED_AT = '2026-11-27T00:00:00.000Z';

export async function recordDemo(): Promise<HostSnapshot> {
  const recorder = new RecordingHost(
    buildDemoMachine(),
    'Cohabit demo machine: NixOS 25.11 workstation with ZFS on LUKS and two GPUs',
  );
  const inventory = await readInventory(recorder);
  // The planner reads the main system's configuration files too: record what the seed layout needs.
  await readPlanFiles(recorder, inventory, seedLayout(inventory));
  return { ...recorder.snapshot, recordedAt: DEMO_RECORDED_AT };
}

export function serializeSnapshot(snapshot: HostSnapshot): string {
  return JSON.stringify(snapshot, null, 1) + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const snapshot = await recordDemo();
  await writeFile(DEMO_SNAPSHOT_URL, serializeSnapshot(snapshot));
  console.log(`Wrote ${fileURLToPath(DEMO_SNAPSHOT_URL)}`);
}
