// The Host interface: the only way Cohabit touches a machine (DESIGN.md section 3). Reads are
// paths, commands are argv arrays; there is no way to hand a shell a string.

export type HostErrorCode =
  | 'ENOENT'
  | 'EACCES'
  | 'ENOTDIR'
  | 'EISDIR'
  | 'EINVAL'
  | 'ELOOP'
  | 'EIO'
  | 'TOO_LARGE'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'NOT_RECORDED'
  | 'SPAWN'
  /** The machine could not be reached (a remote one whose connection dropped or was refused). */
  | 'UNREACHABLE';

/** A read or a command that could not be done. `target` is the path, or the argv joined for display. */
export class HostError extends Error {
  override readonly name = 'HostError';
  constructor(
    readonly code: HostErrorCode,
    readonly target: string,
    message?: string,
  ) {
    super(message ?? `${code}: ${target}`);
  }
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunOptions {
  /** Milliseconds before the command is killed and the call fails with TIMEOUT. Default 30 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Text written to the command's standard input. */
  input?: string;
}

export interface StatResult {
  kind: 'file' | 'dir' | 'link' | 'other';
  size: number;
  mode: number;
  uid: number;
  gid: number;
}

export interface Host {
  /** For messages: `this machine`, `snapshot demo.json`, `ssh://root@box`. */
  readonly description: string;
  /** Reads a file (following links). Fails with TOO_LARGE past maxBytes (default 16 MiB). */
  readFile(path: string, options?: { maxBytes?: number }): Promise<Uint8Array>;
  /** Names in a directory (following links), sorted, without `.` and `..`. */
  readDir(path: string): Promise<string[]>;
  /** The target of a symbolic link, as stored. */
  readLink(path: string): Promise<string>;
  /** lstat: does not follow a final link. */
  stat(path: string): Promise<StatResult>;
  /** Runs argv; resolves with the exit code whatever it is, fails only when it cannot run or times out. */
  run(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** Ends what the host holds (a remote machine's connection); later calls fail. Idempotent. */
  close(): Promise<void>;
}

/** Whether an error says the machine could not be reached: retrying now would fail too. */
export function isUnreachable(error: unknown): boolean {
  return error instanceof HostError && error.code === 'UNREACHABLE';
}

export function describeArgv(argv: readonly string[]): string {
  return argv.join(' ');
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Reads a text file; invalid UTF-8 becomes U+FFFD rather than an exception. */
export async function readText(host: Host, path: string, maxBytes?: number): Promise<string> {
  const bytes = await host.readFile(path, maxBytes === undefined ? undefined : { maxBytes });
  return decoder.decode(bytes);
}

/** A command that ran and failed: carries the argv, exit code and both outputs. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly argv: readonly string[],
    readonly result: RunResult,
  ) {
    const detail = result.stderr.trim().split('\n').slice(-3).join(' / ');
    super(`${describeArgv(argv)} exited ${result.exitCode}${detail ? `: ${detail}` : ''}`);
  }
}

/** Runs argv and returns stdout, failing with CommandError on a non-zero exit. */
export async function runChecked(
  host: Host,
  argv: readonly string[],
  options?: RunOptions,
): Promise<string> {
  const result = await host.run(argv, options);
  if (result.exitCode !== 0) throw new CommandError(argv, result);
  return result.stdout;
}
