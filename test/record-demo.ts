// `npm run demo:record`: records every demo machine (built in test/machines/) into the snapshot
// shipped with the app under electron/host/demo/. A snapshot holds exactly what the inventory
// (and the planner, for the seed layout) reads, so it must be re-recorded when the readers
// change; test/demo-snapshot.spec.ts says when.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DEMO, demoSnapshotUrl } from '../electron/host/demo-machines';
import { RecordingHost } from '../electron/host/recording-host';
import type { HostSnapshot } from '../electron/host/snapshot-format';
import { readInventory } from '../electron/inventory/read-inventory';
import { readPlanFiles } from '../electron/planner/read-plan-files';
import { seedLayout } from '../shared/planner/examples';
import { DEMO_MACHINES, type DemoMachine } from './machines/demo-machines';

/** Fixed so that re-recording an unchanged machine gives a byte-identical file. */
export const DEMO_RECORDED_AT = '2026-11-27T00:00:00.000Z';

export async function recordDemo(
  machine: DemoMachine = defaultDemoMachine(),
): Promise<HostSnapshot> {
  const recorder = new RecordingHost(
    machine.build(),
    `Cohabit demo machine "${machine.name}": ${machine.description}`,
  );
  const inventory = await readInventory(recorder);
  // The planner reads the main system's configuration files too: record what the seed layout needs.
  await readPlanFiles(recorder, inventory, seedLayout(inventory));
  return { ...recorder.snapshot, recordedAt: DEMO_RECORDED_AT };
}

function defaultDemoMachine(): DemoMachine {
  const found = DEMO_MACHINES.find((m) => m.name === DEFAULT_DEMO);
  if (found === undefined) throw new Error(`no demo machine is named ${DEFAULT_DEMO}`);
  return found;
}

export function serializeSnapshot(snapshot: HostSnapshot): string {
  return JSON.stringify(snapshot, null, 1) + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const machine of DEMO_MACHINES) {
    const url = demoSnapshotUrl(machine.name);
    await writeFile(url, serializeSnapshot(await recordDemo(machine)));
    console.log(`Wrote ${fileURLToPath(url)}`);
  }
}
