// ExecHost: a Host that may also change the machine, for the executor only (the root helper or the
// in-process executor when Cohabit already runs as root). LocalExecHost does it on this machine.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  mkdir as fsMkdir,
  realpath as fsRealpath,
  rmdir as fsRmdir,
  unlink as fsUnlink,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { HostError, describeArgv } from '../host/host';
import type { Host, HostErrorCode, RunOptions, RunResult, StatResult } from '../host/host';
import { LocalHost } from '../host/local-host';
import { SwappedError, appendNoFollow, copyNoFollow, writeNoFollow } from './safe-files';

export interface StreamOptions {
  /** Each line of stdout or stderr as soon as the tool prints it (a line ends at \n or \r). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface WriteOptions {
  mode: number;
  /** Owner of the new file; when the file exists and these are absent, its owner is kept. */
  uid?: number;
  gid?: number;
  /** Goes into the random temp name (the plan id), so a crash's leftover says whose it is. */
  tempTag?: string;
  /**
   * The temp file to use, from tempNameFor (random, beside the target): the executor journals it
   * before the write, so that a crash's leftover is removed on rollback. Created exclusively.
   */
  temp?: string;
}

export interface ExecHost extends Host {
  /**
   * A new temp file beside the target (random name, created with O_CREAT|O_EXCL|O_NOFOLLOW, so a
   * link planted there is never followed), fsync, rename over the target, fsync the directory.
   */
  writeFileAtomic(path: string, bytes: Uint8Array, options: WriteOptions): Promise<void>;
  /**
   * Copies a regular file (never through a link) with its mode and owner, creating the target's
   * directories; atomic (temp file and rename) and durable when it returns.
   */
  copyFile(source: string, target: string): Promise<void>;
  mkdir(path: string, mode: number, options?: { recursive?: boolean }): Promise<void>;
  rmdir(path: string): Promise<void>;
  /** Removes a file; a missing file is not an error (undo must be repeatable after a crash). */
  unlink(path: string): Promise<void>;
  realpath(path: string): Promise<string>;
  /**
   * Appends text and fsyncs before returning: the journal's write. Never through a link; with
   * `createNew` the file must not exist yet (a plan's first record: an id runs once).
   */
  appendDurable(path: string, text: string, options?: AppendOptions): Promise<void>;
  /** Runs argv, streaming lines; on timeout or abort the child gets SIGINT, then SIGTERM, then SIGKILL. */
  runStreaming(argv: readonly string[], options: StreamOptions): Promise<RunResult>;
  /**
   * The uid the changes are made as (root for the helper, the user for an unprivileged dry run or a
   * test): Cohabit's state directories must belong to root or to it. Absent: root only.
   */
  readonly actingUid?: number;
}

export interface AppendOptions {
  createNew?: boolean;
}

/**
 * A temp name beside path: the tag (the plan id) says whose a leftover is, and 96 random bits make
 * it unguessable, so nobody can plant a link there in advance (and O_EXCL refuses one anyway).
 */
export function tempNameFor(path: string, tag: string): string {
  const base = basename(path).slice(0, 160);
  return join(dirname(path), `.${base}.cohabit-${tag}-${randomBytes(12).toString('hex')}.tmp`);
}

/** Whether temp is a name tempNameFor could have given for path (the write refuses others). */
export function isTempFor(path: string, temp: string): boolean {
  const base = basename(path).slice(0, 160);
  const name = basename(temp);
  return (
    dirname(temp) === dirname(path) &&
    name.startsWith(`.${base}.cohabit-`) &&
    /-[0-9a-f]{24}\.tmp$/.test(name)
  );
}

const KNOWN = new Set(['ENOENT', 'EACCES', 'ENOTDIR', 'EISDIR', 'EINVAL', 'ELOOP', 'EIO']);
function hostError(error: unknown, target: string): HostError {
  if (error instanceof SwappedError)
    return new HostError('ELOOP', target, `${target}: ${error.message}`);
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EPERM') return new HostError('EACCES', target);
  if (code !== undefined && KNOWN.has(code)) return new HostError(code as HostErrorCode, target);
  return new HostError(
    'EIO',
    target,
    `${target}: ${error instanceof Error ? error.message : String(error)}`,
  );
}

/** Forwards every call to another ExecHost: extend it to watch, refuse or change a few. */
export class ForwardingExecHost implements ExecHost {
  readonly description: string;
  constructor(protected readonly inner: ExecHost) {
    this.description = inner.description;
  }
  get actingUid(): number | undefined {
    return this.inner.actingUid;
  }
  readFile(path: string, options?: { maxBytes?: number }): Promise<Uint8Array> {
    return this.inner.readFile(path, options);
  }
  readDir(path: string): Promise<string[]> {
    return this.inner.readDir(path);
  }
  readLink(path: string): Promise<string> {
    return this.inner.readLink(path);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  stat(path: string): Promise<StatResult> {
    return this.inner.stat(path);
  }
  realpath(path: string): Promise<string> {
    return this.inner.realpath(path);
  }
  run(argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    return this.inner.run(argv, options);
  }
  writeFileAtomic(path: string, bytes: Uint8Array, options: WriteOptions): Promise<void> {
    return this.inner.writeFileAtomic(path, bytes, options);
  }
  copyFile(source: string, target: string): Promise<void> {
    return this.inner.copyFile(source, target);
  }
  mkdir(path: string, mode: number, options?: { recursive?: boolean }): Promise<void> {
    return this.inner.mkdir(path, mode, options);
  }
  rmdir(path: string): Promise<void> {
    return this.inner.rmdir(path);
  }
  unlink(path: string): Promise<void> {
    return this.inner.unlink(path);
  }
  appendDurable(path: string, text: string, options?: AppendOptions): Promise<void> {
    return this.inner.appendDurable(path, text, options);
  }
  runStreaming(argv: readonly string[], options: StreamOptions): Promise<RunResult> {
    return this.inner.runStreaming(argv, options);
  }
}

/** Grace between the interrupt signals: nixos-install cleans up its mounts on SIGINT. */
export const KILL_GRACE_MS = 3_000;

export class LocalExecHost extends LocalHost implements ExecHost {
  constructor(
    private readonly tempTag = 'w',
    /** Between SIGINT and SIGTERM, and SIGTERM and SIGKILL; tests shorten it. */
    private readonly killGraceMs = KILL_GRACE_MS,
  ) {
    super();
  }

  readonly actingUid = process.geteuid?.() ?? 0;

  async writeFileAtomic(path: string, bytes: Uint8Array, options: WriteOptions): Promise<void> {
    const temp = options.temp ?? tempNameFor(path, options.tempTag ?? this.tempTag);
    if (!isTempFor(path, temp))
      throw new HostError('EINVAL', path, `${path}: ${temp} is not a temp name beside it`);
    try {
      await writeNoFollow(path, bytes, {
        temp,
        mode: options.mode,
        ...(options.uid === undefined ? {} : { uid: options.uid }),
        ...(options.gid === undefined ? {} : { gid: options.gid }),
      });
    } catch (error) {
      throw hostError(error, path);
    }
  }

  async copyFile(source: string, target: string): Promise<void> {
    try {
      await fsMkdir(dirname(target), { recursive: true, mode: 0o700 });
      await copyNoFollow(source, target, tempNameFor(target, this.tempTag));
    } catch (error) {
      throw hostError(error, target);
    }
  }

  async mkdir(path: string, mode: number, options?: { recursive?: boolean }): Promise<void> {
    try {
      await fsMkdir(path, { mode, recursive: options?.recursive ?? false });
    } catch (error) {
      throw hostError(error, path);
    }
  }

  async rmdir(path: string): Promise<void> {
    try {
      await fsRmdir(path);
    } catch (error) {
      throw hostError(error, path);
    }
  }

  async unlink(path: string): Promise<void> {
    try {
      await fsUnlink(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw hostError(error, path);
    }
  }

  async realpath(path: string): Promise<string> {
    try {
      return await fsRealpath(path);
    } catch (error) {
      throw hostError(error, path);
    }
  }

  async appendDurable(path: string, text: string, options?: AppendOptions): Promise<void> {
    try {
      await appendNoFollow(path, text, options?.createNew ?? false);
    } catch (error) {
      throw hostError(error, path);
    }
  }

  runStreaming(argv: readonly string[], options: StreamOptions): Promise<RunResult> {
    return runStreamingLocal(argv, options, undefined, this.killGraceMs);
  }
}

/** Spawns argv (no shell) and streams its lines; shared with test hosts that run real children. */
export function runStreamingLocal(
  argv: readonly string[],
  options: StreamOptions,
  env: Record<string, string> = { LC_ALL: 'C', LANG: 'C' },
  killGraceMs = KILL_GRACE_MS,
): Promise<RunResult> {
  const [file, ...args] = argv;
  const target = describeArgv(argv);
  if (file === undefined) return Promise.reject(new HostError('EINVAL', '', 'empty argv'));
  if (options.signal?.aborted)
    return Promise.reject(new HostError('ABORTED', target, `${target} was cancelled`));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    const out: string[] = [];
    const err: string[] = [];
    let stopped: 'TIMEOUT' | 'ABORTED' | null = null;
    const timers: NodeJS.Timeout[] = [];
    const stop = (why: 'TIMEOUT' | 'ABORTED') => {
      if (stopped !== null) return;
      stopped = why;
      child.kill('SIGINT');
      timers.push(setTimeout(() => child.kill('SIGTERM'), killGraceMs));
      timers.push(setTimeout(() => child.kill('SIGKILL'), 2 * killGraceMs));
    };
    const timeout = setTimeout(() => stop('TIMEOUT'), options.timeoutMs ?? 30_000);
    const onAbort = () => stop('ABORTED');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const lines = (stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr', keep: string[]) => {
      const rl = createInterface({ input: stream, crlfDelay: Infinity });
      rl.on('line', (raw: string) => {
        // Progress bars redraw with \r: each redraw is a line for the listener.
        for (const line of raw.split('\r')) {
          if (line === '') continue;
          if (keep.length < 10_000) keep.push(line);
          options.onLine?.(line, name);
        }
      });
    };
    lines(child.stdout, 'stdout', out);
    lines(child.stderr, 'stderr', err);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timeout);
      options.signal?.removeEventListener('abort', onAbort);
      if (error.code === 'ENOENT')
        reject(new HostError('ENOENT', target, `${file}: command not found`));
      else reject(new HostError('SPAWN', target, `${target}: ${error.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timeout);
      for (const t of timers) clearTimeout(t);
      options.signal?.removeEventListener('abort', onAbort);
      if (stopped === 'TIMEOUT')
        reject(
          new HostError(
            'TIMEOUT',
            target,
            `${target} did not finish within ${options.timeoutMs ?? 30_000} ms and was stopped`,
          ),
        );
      else if (stopped === 'ABORTED')
        reject(new HostError('ABORTED', target, `${target} was cancelled`));
      else resolve({ stdout: out.join('\n'), stderr: err.join('\n'), exitCode: code ?? 1 });
    });
  });
}
