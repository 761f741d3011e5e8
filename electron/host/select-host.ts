// Picks the machine a command works on: this one, a remote one over SSH, a recorded snapshot, or
// the shipped demo.
import { readFile } from 'node:fs/promises';
import { DEFAULT_DEMO, demoMachine, demoSnapshotUrl } from './demo-machines';
import { LocalHost } from './local-host';
import type { Host } from './host';
import { SnapshotHost } from './snapshot-host';
import { SshHost } from './ssh-host';
import type { SshTarget } from './ssh-host';

/** The default demo machine's snapshot (the one `--demo` without a name opens). */
export const DEMO_SNAPSHOT_URL = new URL('./demo/demo-machine.snapshot.json', import.meta.url);

/** A demo machine by name (see demo-machines.ts); the default one without a name. */
export async function loadDemoHost(name: string = DEFAULT_DEMO): Promise<SnapshotHost> {
  const machine = demoMachine(name);
  const url = name === DEFAULT_DEMO ? DEMO_SNAPSHOT_URL : demoSnapshotUrl(name);
  const json: unknown = JSON.parse(await readFile(url, 'utf8'));
  return SnapshotHost.parse(
    json,
    name === DEFAULT_DEMO ? 'the demo machine' : `the demo machine "${machine.name}"`,
  );
}

export interface HostChoice {
  /** true: the default demo machine; a string: the demo machine of that name. */
  demo?: boolean | string;
  hostSnapshot?: string;
  /** A remote machine, from `--host ssh://user@server[:port]` (parsed with parseSshUrl). */
  host?: SshTarget;
}

export async function selectHost(choice: HostChoice): Promise<Host> {
  if (choice.demo !== undefined && choice.demo !== false && choice.hostSnapshot !== undefined)
    throw new Error('Choose either --demo or --host-snapshot, not both.');
  const chosen = [
    choice.demo !== undefined && choice.demo !== false,
    choice.hostSnapshot !== undefined,
    choice.host !== undefined,
  ];
  if (chosen.filter(Boolean).length > 1)
    throw new Error('Choose one of --demo, --host-snapshot and --host.');
  if (choice.demo !== undefined && choice.demo !== false)
    return loadDemoHost(choice.demo === true ? DEFAULT_DEMO : choice.demo);
  if (choice.host !== undefined) return SshHost.connect(choice.host);
  if (choice.hostSnapshot !== undefined) return SnapshotHost.load(choice.hostSnapshot);
  return new LocalHost();
}

/** Ends what selectHost opened (the SSH master connection); other hosts hold nothing. */
export async function releaseHost(host: Host): Promise<void> {
  await host.close();
}
