// VirtualHost: an in-memory machine (files, directories, symbolic links and canned command
// results) that behaves like a real filesystem: links are followed, a missing path is ENOENT.
// The demo machine and the benchmark's synthetic machine are built on it, then recorded into
// snapshots; tests use it to make one fact wrong at a time.
import { HostError, describeArgv } from './host';
import type { Host, HostErrorCode, RunOptions, RunResult, StatResult } from './host';
import { argvKey } from './snapshot-format';
import { joinPath, parentOf, splitPath as split } from './paths';

export { joinPath };

type Node =
  | { kind: 'file'; data: Uint8Array; mode: number }
  | { kind: 'dir'; mode: number }
  | { kind: 'link'; target: string };

export type CommandHandler = (
  argv: readonly string[],
  options?: RunOptions,
) => RunResult | Promise<RunResult>;

export class VirtualHost implements Host {
  readonly description: string;
  private readonly nodes = new Map<string, Node>([['/', { kind: 'dir', mode: 0o755 }]]);
  private readonly children = new Map<string, Set<string>>([['/', new Set()]]);
  private readonly commands = new Map<
    string,
    CommandHandler | RunResult | { error: HostErrorCode; message?: string }
  >();

  constructor(description = 'virtual machine') {
    this.description = description;
  }

  /** Where a new entry named by path really goes: its parent directory is reached through links. */
  private place(path: string): { parent: string; name: string; full: string } {
    const normal = joinPath('/', path);
    const name = split(normal).pop() ?? '';
    const parent = this.mkdirp(parentOf(normal)).resolve(parentOf(normal));
    return { parent, name, full: parent === '/' ? `/${name}` : `${parent}/${name}` };
  }

  private put(path: string, node: Node): void {
    const { parent, name, full } = this.place(path);
    this.nodes.set(full, node);
    this.children.get(parent)?.add(name);
    if (node.kind === 'dir' && !this.children.has(full)) this.children.set(full, new Set());
  }

  /** Creates missing directories along path, following links that already exist (as mkdir -p does). */
  mkdirp(path: string): this {
    let current = '/';
    for (const part of split(path)) {
      let next = current === '/' ? `/${part}` : `${current}/${part}`;
      const existing = this.nodes.get(next);
      if (existing?.kind === 'link') next = this.resolve(next);
      if (!this.nodes.has(next)) {
        this.nodes.set(next, { kind: 'dir', mode: 0o755 });
        this.children.set(next, new Set());
        this.children.get(parentOf(next))?.add(split(next).pop() ?? '');
      }
      current = next;
    }
    return this;
  }

  file(path: string, content: string | Uint8Array, mode = 0o644): this {
    const data = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    this.put(path, { kind: 'file', data, mode });
    return this;
  }

  link(path: string, target: string): this {
    this.put(path, { kind: 'link', target });
    return this;
  }

  remove(path: string): this {
    const { parent, name, full } = this.place(path);
    this.nodes.delete(full);
    this.children.get(parent)?.delete(name);
    for (const key of [...this.nodes.keys()])
      if (key.startsWith(full + '/')) this.nodes.delete(key);
    return this;
  }

  /** Canned result for one exact argv, or a handler computing it. */
  command(argv: readonly string[], result: Partial<RunResult> | CommandHandler): this {
    this.commands.set(
      argvKey(argv),
      typeof result === 'function' ? result : { stdout: '', stderr: '', exitCode: 0, ...result },
    );
    return this;
  }

  /** The argv fails to start (ENOENT: not installed) or times out. */
  commandError(argv: readonly string[], error: HostErrorCode, message?: string): this {
    this.commands.set(argvKey(argv), message === undefined ? { error } : { error, message });
    return this;
  }

  /** Every entry as stored (real paths, links unresolved), parents before children. */
  *entries(): Generator<
    { path: string } & (
      { kind: 'dir' } | { kind: 'file'; data: Uint8Array } | { kind: 'link'; target: string }
    )
  > {
    for (const path of [...this.nodes.keys()].sort()) {
      const node = this.nodes.get(path);
      if (node === undefined || path === '/') continue;
      if (node.kind === 'dir') yield { path, kind: 'dir' };
      else if (node.kind === 'file') yield { path, kind: 'file', data: node.data };
      else yield { path, kind: 'link', target: node.target };
    }
  }

  /** The canned command results (handlers and errors are left out). */
  cannedCommands(): { argv: string[]; result: RunResult }[] {
    const out: { argv: string[]; result: RunResult }[] = [];
    for (const [key, entry] of this.commands) {
      if (typeof entry === 'function' || 'error' in entry) continue;
      out.push({ argv: JSON.parse(key) as string[], result: entry });
    }
    return out;
  }

  /** Follows links in every component; with followLast false the last component is not followed. */
  private resolve(path: string, followLast = true): string {
    let pending = split(path);
    let current = '/';
    let hops = 0;
    while (pending.length > 0) {
      const [head, ...rest] = pending as [string, ...string[]];
      pending = rest;
      if (head === '..') {
        current = parentOf(current);
        continue;
      }
      const next = current === '/' ? `/${head}` : `${current}/${head}`;
      const node = this.nodes.get(next);
      if (node?.kind === 'link' && (followLast || pending.length > 0)) {
        if (++hops > 40) throw new HostError('ELOOP', path);
        pending = [...split(node.target), ...pending];
        if (node.target.startsWith('/')) current = '/';
        continue;
      }
      if (node !== undefined && node.kind === 'file' && pending.length > 0)
        throw new HostError('ENOTDIR', path);
      current = next;
    }
    return current;
  }

  private nodeAt(path: string, followLast = true): { resolved: string; node: Node } {
    const resolved = this.resolve(path, followLast);
    const node = this.nodes.get(resolved);
    if (node === undefined) throw new HostError('ENOENT', path);
    return { resolved, node };
  }

  private async guard<T>(fn: () => T): Promise<T> {
    await Promise.resolve();
    return fn();
  }

  readFile(path: string, options?: { maxBytes?: number }): Promise<Uint8Array> {
    return this.guard(() => {
      const { node } = this.nodeAt(path);
      if (node.kind === 'dir') throw new HostError('EISDIR', path);
      if (node.kind !== 'file') throw new HostError('ENOENT', path);
      const max = options?.maxBytes ?? 16 * 1024 * 1024;
      if (node.data.length > max)
        throw new HostError('TOO_LARGE', path, `${path} is larger than ${max} bytes`);
      return node.data;
    });
  }

  readDir(path: string): Promise<string[]> {
    return this.guard(() => {
      const { resolved, node } = this.nodeAt(path);
      if (node.kind !== 'dir') throw new HostError('ENOTDIR', path);
      return [...(this.children.get(resolved) ?? [])].sort();
    });
  }

  /** An in-memory machine holds nothing open. */
  async close(): Promise<void> {}

  readLink(path: string): Promise<string> {
    return this.guard(() => {
      const { node } = this.nodeAt(path, false);
      if (node.kind !== 'link') throw new HostError('EINVAL', path);
      return node.target;
    });
  }

  stat(path: string): Promise<StatResult> {
    return this.guard(() => {
      const { node } = this.nodeAt(path, false);
      if (node.kind === 'link')
        return { kind: 'link', size: node.target.length, mode: 0o777, uid: 0, gid: 0 };
      if (node.kind === 'dir') return { kind: 'dir', size: 0, mode: node.mode, uid: 0, gid: 0 };
      return { kind: 'file', size: node.data.length, mode: node.mode, uid: 0, gid: 0 };
    });
  }

  async run(argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    await Promise.resolve();
    const target = describeArgv(argv);
    if (options?.signal?.aborted) throw new HostError('ABORTED', target);
    const entry = this.commands.get(argvKey(argv));
    if (entry === undefined)
      throw new HostError('ENOENT', target, `${argv[0] ?? ''}: command not found`);
    if (typeof entry === 'function') return entry(argv, options);
    if ('error' in entry) throw new HostError(entry.error, target, entry.message);
    return { ...entry };
  }
}
