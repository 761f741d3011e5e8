// Picks the machine a command works on: this one, a remote one over SSH, a recorded snapshot, or
// the shipped demo.
import { readFile } from 'node:fs/promises';
import { LocalHost } from './local-host';
import type { Host } from './host';
import { SnapshotHost } from './snapshot-host';
import { SshHost } from './ssh-host';
import type { SshTarget } from './ssh-host';

export const DEMO_SNAPSHOT_URL = new URL('./demo/demo-machine.snapshot.json', import.meta.url);

export async function loadDemoHost(): Promise<SnapshotHost> {
  const json: unknown = JSON.parse(await readFile(DEMO_SNAPSHOT_URL, 'utf8'));
  return SnapshotHost.parse(json, 'the demo machine');
}

export interface HostChoice {
  demo?: boolean;
  hostSnapshot?: string;
  /** A remote machine, from `--host ssh://user@server[:port]` (parsed with parseSshUrl). */
  host?: SshTarget;
}

export async function selectHost(choice: HostChoice): Promise<Host> {
  if (choice.demo && choice.hostSnapshot !== undefined)
    throw new Error('Choose either --demo or --host-snapshot, not both.');
  const chosen = [choice.demo, choice.hostSnapshot !== undefined, choice.host !== undefined];
  if (chosen.filter(Boolean).length > 1)
    throw new Error('Choose one of --demo, --host-snapshot and --host.');
  if (choice.demo) return loadDemoHost();
  if (choice.host !== undefined) return SshHost.connect(choice.host);
  if (choice.hostSnapshot !== undefined) return SnapshotHost.load(choice.hostSnapshot);
  return new LocalHost();
}

/** Ends what selectHost opened (the SSH master connection); other hosts hold nothing. */
export async function releaseHost(host: Host): Promise<void> {
  await host.close();
}
