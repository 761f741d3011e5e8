// SnapshotHost replays a host snapshot exactly: a read the snapshot does not hold is an error that
// names the path or argv (NOT_RECORDED), never a silent empty value.
import { readFile } from 'node:fs/promises';
import * as v from 'valibot';
import { HostError, describeArgv } from './host';
import type { Host, HostErrorCode, RunOptions, RunResult, StatResult } from './host';
import { HostSnapshotSchema, argvKey, decodeFile } from './snapshot-format';
import type { HostSnapshot } from './snapshot-format';

function fail(entry: { error: string; message?: string }, target: string): never {
  throw new HostError(entry.error as HostErrorCode, target, entry.message);
}

export class SnapshotHost implements Host {
  readonly description: string;
  private readonly commands = new Map<string, HostSnapshot['commands'][number]>();

  constructor(
    readonly snapshot: HostSnapshot,
    label?: string,
  ) {
    this.description = label ?? `snapshot (${snapshot.description})`;
    for (const c of snapshot.commands) this.commands.set(argvKey(c.argv), c);
  }

  static parse(json: unknown, label?: string): SnapshotHost {
    const result = v.safeParse(HostSnapshotSchema, json);
    if (!result.success) {
      const issue = result.issues[0];
      const where = issue.path?.map((p) => String(p.key)).join('.') ?? '';
      throw new HostError(
        'EINVAL',
        label ?? 'snapshot',
        `not a Cohabit host snapshot (${where}: ${issue.message})`,
      );
    }
    return new SnapshotHost(result.output, label);
  }

  static async load(path: string): Promise<SnapshotHost> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new HostError(
        'ENOENT',
        path,
        `cannot read snapshot ${path}: ${(error as Error).message}`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new HostError('EINVAL', path, `${path} is not JSON: ${(error as Error).message}`);
    }
    return SnapshotHost.parse(json, `snapshot ${path}`);
  }

  private missing(kind: string, target: string): HostError {
    return new HostError(
      'NOT_RECORDED',
      target,
      `the ${this.description} holds no ${kind} for ${target}`,
    );
  }

  readFile(path: string, options?: { maxBytes?: number }): Promise<Uint8Array> {
    const entry = this.snapshot.files[path];
    if (entry === undefined) return Promise.reject(this.missing('file', path));
    if ('error' in entry)
      return Promise.reject(new HostError(entry.error as HostErrorCode, path, entry.message));
    const bytes = decodeFile(entry);
    if (options?.maxBytes !== undefined && bytes.length > options.maxBytes)
      return Promise.reject(
        new HostError('TOO_LARGE', path, `${path} is larger than ${options.maxBytes} bytes`),
      );
    return Promise.resolve(bytes);
  }

  readDir(path: string): Promise<string[]> {
    return this.lookup(this.snapshot.dirs[path], 'directory listing', path, (e) => [...e.entries]);
  }

  /** A recording holds nothing open. */
  async close(): Promise<void> {}

  readLink(path: string): Promise<string> {
    return this.lookup(this.snapshot.links[path], 'link', path, (e) => e.target);
  }

  stat(path: string): Promise<StatResult> {
    return this.lookup(this.snapshot.stats[path], 'stat', path, (e) => ({ ...e }));
  }

  private lookup<E extends object, R>(
    entry: E | { error: string; message?: string } | undefined,
    kind: string,
    target: string,
    map: (e: E) => R,
  ): Promise<R> {
    try {
      if (entry === undefined) throw this.missing(kind, target);
      if ('error' in entry) fail(entry, target);
      return Promise.resolve(map(entry));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  run(argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    const target = describeArgv(argv);
    if (options?.signal?.aborted) return Promise.reject(new HostError('ABORTED', target));
    const entry = this.commands.get(argvKey(argv));
    if (entry === undefined) return Promise.reject(this.missing('command', target));
    if ('error' in entry)
      return Promise.reject(new HostError(entry.error as HostErrorCode, target, entry.message));
    return Promise.resolve({
      stdout: entry.stdout,
      stderr: entry.stderr,
      exitCode: entry.exitCode,
    });
  }
}
