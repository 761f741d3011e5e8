// The user's log: what an error envelope or a one-line CLI message drops (stacks, argv, stderr,
// timings), one JSON object a line in `$XDG_STATE_HOME/cohabit/cohabit.log`, beside the drafts.
// Rotated by size (1 MiB, three files), 0600 in a 0700 directory, never through a symbolic link:
// it holds paths and command lines of the user's machine. Writing it never fails the caller.
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** `$XDG_STATE_HOME/cohabit`, or `~/.local/state/cohabit` as the XDG spec's default. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME;
  // The XDG spec says a relative path there is invalid and must be ignored.
  const base =
    state !== undefined && state.startsWith('/') ? state : join(homedir(), '.local', 'state');
  return join(base, 'cohabit');
}

export function defaultLogPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultStateDir(env), 'cohabit.log');
}

export type LogLevel = 'info' | 'error';
export type LogFields = Record<string, string | number | boolean | null | readonly string[]>;

export interface AppLog {
  readonly path: string;
  write(level: LogLevel, event: string, fields?: LogFields): void;
}

export interface AppLogOptions {
  /** The current file is rotated before a line would take it past this. */
  maxBytes?: number;
  /** How many files are kept, the current one included: cohabit.log, .1, .2. */
  files?: number;
  now?: () => Date;
  /** Where a write that failed is said (once); the default is silence. */
  onFailure?: (message: string) => void;
}

export const LOG_MAX_BYTES = 1024 * 1024;
export const LOG_FILES = 3;
/** One field's text is cut here: a line is for finding what happened, not for a whole output. */
const MAX_FIELD_CHARS = 16 * 1024;

function clip(value: LogFields[string]): LogFields[string] {
  if (typeof value === 'string' && value.length > MAX_FIELD_CHARS)
    return `${value.slice(0, MAX_FIELD_CHARS)}… (${value.length - MAX_FIELD_CHARS} more characters)`;
  return value;
}

/** The directory is made 0700; one that is a link or another user's is not written into. */
function ensureOwnDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) throw new Error(`${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) throw new Error(`${dir} belongs to another user`);
  // An older directory (or one made under a loose umask) is tightened, not trusted as it is.
  if ((stat.mode & 0o777) !== 0o700) chmodDir(dir);
}

function chmodDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    fchmodSync(fd, 0o700);
  } finally {
    closeSync(fd);
  }
}

function renameIfThere(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** The log at `path`; nothing is created until the first line is written. */
export function openAppLog(path: string = defaultLogPath(), options: AppLogOptions = {}): AppLog {
  const maxBytes = options.maxBytes ?? LOG_MAX_BYTES;
  const files = Math.max(1, options.files ?? LOG_FILES);
  const now = options.now ?? (() => new Date());
  let reported = false;

  const rotate = () => {
    for (let i = files - 1; i >= 1; i--)
      renameIfThere(i === 1 ? path : `${path}.${i - 1}`, `${path}.${i}`);
  };
  const append = (line: string) => {
    ensureOwnDir(dirname(path));
    const flags =
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;
    let fd = openSync(path, flags, 0o600);
    try {
      const size = fstatSync(fd).size;
      if (size > 0 && size + Buffer.byteLength(line) > maxBytes) {
        closeSync(fd);
        fd = -1;
        rotate();
        // With one file kept, rotating is starting it again.
        fd = openSync(path, flags | (files === 1 ? constants.O_TRUNC : 0), 0o600);
      }
      fchmodSync(fd, 0o600);
      writeSync(fd, line);
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  };

  return {
    path,
    write(level, event, fields = {}) {
      const record: Record<string, unknown> = { at: now().toISOString(), level, event };
      for (const [key, value] of Object.entries(fields)) record[key] = clip(value);
      try {
        append(`${JSON.stringify(record)}\n`);
      } catch (error) {
        // The log is a help, never a reason for an apply or a call to fail.
        if (!reported) options.onFailure?.(`cannot write ${path}: ${(error as Error).message}`);
        reported = true;
      }
    },
  };
}

/**
 * The last `maxBytes` of the log, older file first when the current one is shorter, cut at a line
 * start; '' when there is no log yet.
 */
export function readLogTail(path: string, maxBytes = 64 * 1024): string {
  const read = (p: string) => {
    try {
      const fd = openSync(p, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        return readFileSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
      throw error;
    }
  };
  const current = read(path);
  const both = current.length >= maxBytes ? current : Buffer.concat([read(`${path}.1`), current]);
  if (both.length <= maxBytes) return both.toString('utf8');
  const tail = both.subarray(both.length - maxBytes);
  const start = tail.indexOf(0x0a);
  return tail.subarray(start + 1).toString('utf8');
}
