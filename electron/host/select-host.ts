// Picks the machine a command works on: this one, a recorded snapshot, or the shipped demo.
import { readFile } from 'node:fs/promises';
import { LocalHost } from './local-host';
import type { Host } from './host';
import { SnapshotHost } from './snapshot-host';

export const DEMO_SNAPSHOT_URL = new URL('./demo/demo-machine.snapshot.json', import.meta.url);

export async function loadDemoHost(): Promise<SnapshotHost> {
  const json: unknown = JSON.parse(await readFile(DEMO_SNAPSHOT_URL, 'utf8'));
  return SnapshotHost.parse(json, 'the demo machine');
}

export interface HostChoice {
  demo?: boolean;
  hostSnapshot?: string;
}

export async function selectHost(choice: HostChoice): Promise<Host> {
  if (choice.demo && choice.hostSnapshot !== undefined)
    throw new Error('Choose either --demo or --host-snapshot, not both.');
  if (choice.demo) return loadDemoHost();
  if (choice.hostSnapshot !== undefined) return SnapshotHost.load(choice.hostSnapshot);
  return new LocalHost();
}
