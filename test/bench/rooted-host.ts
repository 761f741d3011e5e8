// For the benchmark: a host snapshot laid out as a real directory tree (files, directories,
// relative symlinks) plus one output file per command, read through node:fs and `cat` so that
// both the inventory and the floor pay real I/O and real process spawns.
import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LocalHost } from '../../electron/host/local-host';
import { HostError, describeArgv } from '../../electron/host/host';
import type { Host, RunOptions, RunResult, StatResult } from '../../electron/host/host';
import { argvKey, decodeFile } from '../../electron/host/snapshot-format';
import type { HostSnapshot } from '../../electron/host/snapshot-format';

const COMMANDS_DIR = '.cohabit-commands';

export function commandFile(root: string, argv: readonly string[]): string {
  return join(root, COMMANDS_DIR, createHash('sha256').update(argvKey(argv)).digest('hex').slice(0, 32));
}

/** Writes the snapshot's successful reads under root; errors are simply absent (ENOENT). */
export async function materializeSnapshot(snapshot: HostSnapshot, root: string): Promise<void> {
  await mkdir(join(root, COMMANDS_DIR), { recursive: true });
  for (const [path, entry] of Object.entries(snapshot.dirs)) if ('entries' in entry) await mkdir(join(root, path), { recursive: true });
  for (const [path, entry] of Object.entries(snapshot.links)) {
    if (!('target' in entry)) continue;
    await mkdir(dirname(join(root, path)), { recursive: true });
    await symlink(entry.target, join(root, path)).catch(() => undefined);
  }
  for (const [path, entry] of Object.entries(snapshot.files)) {
    if ('error' in entry) continue;
    const full = join(root, path);
    await mkdir(dirname(full), { recursive: true }).catch(() => undefined);
    await writeFile(full, decodeFile(entry)).catch(() => undefined);
  }
  for (const [path, entry] of Object.entries(snapshot.stats)) {
    if ('error' in entry || entry.kind !== 'dir') continue;
    await mkdir(join(root, path), { recursive: true });
  }
  for (const c of snapshot.commands) {
    if (!('stdout' in c)) continue;
    await writeFile(commandFile(root, c.argv), c.stdout);
  }
}

export class RootedHost implements Host {
  readonly description: string;
  private readonly local = new LocalHost();

  constructor(private readonly root: string) {
    this.description = `tree at ${root}`;
  }

  private at(path: string): string {
    return join(this.root, path);
  }

  readFile(path: string, options?: { maxBytes?: number }): Promise<Uint8Array> {
    return this.local.readFile(this.at(path), options).catch((e: unknown) => {
      throw e instanceof HostError ? new HostError(e.code, path) : e;
    });
  }
  readDir(path: string): Promise<string[]> {
    return this.local.readDir(this.at(path)).catch((e: unknown) => {
      throw e instanceof HostError ? new HostError(e.code, path) : e;
    });
  }
  readLink(path: string): Promise<string> {
    return this.local.readLink(this.at(path)).catch((e: unknown) => {
      throw e instanceof HostError ? new HostError(e.code, path) : e;
    });
  }
  stat(path: string): Promise<StatResult> {
    return this.local.stat(this.at(path)).catch((e: unknown) => {
      throw e instanceof HostError ? new HostError(e.code, path) : e;
    });
  }
  async run(argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    const result = await this.local.run(['cat', commandFile(this.root, argv)], options);
    if (result.exitCode !== 0) throw new HostError('ENOENT', describeArgv(argv), `${argv[0] ?? ''}: command not found`);
    return result;
  }
}
