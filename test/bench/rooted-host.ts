// For the benchmark: a virtual machine laid out as a real directory tree (files, directories,
// relative symlinks) plus one output file per command, read through node:fs and `cat` so that
// both the inventory and the floor pay real I/O and real process spawns.
import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LocalHost } from '../../electron/host/local-host';
import { HostError, describeArgv } from '../../electron/host/host';
import type { Host, RunOptions, RunResult, StatResult } from '../../electron/host/host';
import { argvKey } from '../../electron/host/snapshot-format';
import type { VirtualHost } from '../../electron/host/virtual-host';

const COMMANDS_DIR = '.cohabit-commands';

export function commandFile(root: string, argv: readonly string[]): string {
  return join(
    root,
    COMMANDS_DIR,
    createHash('sha256').update(argvKey(argv)).digest('hex').slice(0, 32),
  );
}

/** Lays the virtual machine out under root as a real tree, plus one output file per command. */
export async function materializeMachine(machine: VirtualHost, root: string): Promise<void> {
  await mkdir(join(root, COMMANDS_DIR), { recursive: true });
  const links: { path: string; target: string }[] = [];
  for (const entry of machine.entries()) {
    const full = join(root, entry.path);
    if (entry.kind === 'dir') await mkdir(full, { recursive: true });
    else if (entry.kind === 'file') {
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, entry.data);
    } else links.push(entry);
  }
  for (const { path, target } of links) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    // Absolute targets would leave the tree: re-root them.
    await symlink(target.startsWith('/') ? join(root, target) : target, join(root, path));
  }
  for (const { argv, result } of machine.cannedCommands())
    await writeFile(commandFile(root, argv), result.stdout);
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
  async close(): Promise<void> {}

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
    if (result.exitCode !== 0)
      throw new HostError('ENOENT', describeArgv(argv), `${argv[0] ?? ''}: command not found`);
    return result;
  }
}
