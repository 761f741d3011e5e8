// SshExecHost: the executor's ExecHost on a remote machine over SshHost (the lab, and remote apply).
// Each write is a fixed POSIX sh script run as argv with every path a positional parameter.
import { HostError } from './host';
import type { HostErrorCode, RunOptions, RunResult, StatResult } from './host';
import type { SshHost } from './ssh-host';
import type { AppendOptions, ExecHost, StreamOptions, WriteOptions } from '../helper/exec-host';
import { KILL_GRACE_MS, isTempFor, tempNameFor } from '../helper/exec-host';

// The scripts below never see a path as text, only as "$1", "$2"...: a name holding quotes,
// spaces or $(...) stays one argument. `sync FILE...` fsyncs exactly those files (coreutils >=
// 8.24); a directory's fsync is best effort, as some filesystems refuse it. Input comes with its
// byte count: a connection that drops mid-transfer ends stdin early, and a short file must never
// be renamed into place nor a short record appended to the journal.
//
// No write follows a link (issue 13): the target's directory may belong to a user (an /etc/nixos
// chowned to them), who can plant a link or swap a name between two commands. So the temp file
// (a random name from tempNameFor) is created by GNU dd with conv=excl oflag=nofollow, that is
// O_CREAT|O_EXCL|O_NOFOLLOW, with its mode set by the umask at creation and fsync'd by dd
// (conv=fsync) before it is closed; what follows by name never follows a link either: `stat -c`
// (lstat), `chown -h`, `mv -T` (rename). chmod(1) would follow a link, so it runs only for a mode
// a umask cannot give (execute or special bits, when a rollback restores such a file), and only in
// a directory that nobody but root can change. The name is visible in the remote's process list:
// safety rests on O_EXCL|O_NOFOLLOW, not on its secrecy.
export const WRITE_ATOMIC = [
  'set -e',
  'path=$1 temp=$2 mode=$3 uid=$4 gid=$5 size=$6',
  // Whatever goes wrong after this point, the temp file does not stay behind: a signal (the
  // connection's end closing our stderr, a cancel) exits through the EXIT trap too.
  'trap \'rm -f -- "$temp"\' EXIT',
  "trap 'exit 1' HUP INT TERM PIPE",
  // $8: the umask that makes dd create the file with the mode's read and write bits exactly.
  'umask "$8"',
  'dd of="$temp" conv=excl,fsync oflag=nofollow status=none',
  'got=$(stat -c %s -- "$temp")',
  '[ "$got" -eq "$size" ] || { echo "cohabit-write: received $got of $size bytes: the transfer was cut short" >&2; exit 1; }',
  // $7 says whether this runs as root (the login or sudo): no `id -u` fork per write.
  'if [ "$7" = root ]; then',
  '  if [ -n "$uid" ]; then chown -h -- "$uid:$gid" "$temp";',
  // An existing regular file keeps its owner; a link there is replaced, its owner not inherited.
  '  elif owner=$(stat -c \'%u:%g %F\' -- "$path" 2>/dev/null) && [ "${owner#* }" = "regular file" ]; then',
  '    chown -h -- "${owner%% *}" "$temp"',
  '  fi',
  'fi',
  'if [ "$9" = chmod ]; then',
  '  dir=$(stat -c \'%u %a\' -- "${path%/*}/")',
  '  case $dir in',
  '    "0 "*[2367]? | "0 "*[2367]) echo "cohabit-write: ${path%/*} is writable by others, so mode $mode cannot be set safely there: Operation not permitted" >&2; exit 1 ;;',
  '    "0 "*) chmod -- "$mode" "$temp" ;;',
  '    *) echo "cohabit-write: ${path%/*} is not root\'s, so mode $mode cannot be set safely there: Operation not permitted" >&2; exit 1 ;;',
  '  esac',
  'fi',
  // The owner and mode changed after dd's fsync: make them durable before the rename (sync opens
  // the name, but only to fsync: harmless through any link).
  'sync -- "$temp"',
  // -T: a directory at the target is an error, not a place to move the file into.
  'mv -f -T -- "$temp" "$path"',
  // The temp file sits beside the target, so the directory is the path up to its last slash.
  'sync -- "${path%/*}/" 2>/dev/null || sync',
].join('\n');

// cp -P opens the source with O_NOFOLLOW and checks that what it read is what it lstat'ed (GNU
// copy.c: "replaced while being copied"); a link at the source is copied as a link, which the test
// after it refuses. The copy goes to a random temp name beside the target, then mv -T.
export const COPY_FILE = [
  'set -e',
  'umask 077',
  'src=$1 dst=$2 temp=$3',
  'dir=${dst%/*}',
  'mkdir -p -- "$dir"',
  'trap \'rm -f -- "$temp"\' EXIT',
  "trap 'exit 1' HUP INT TERM PIPE",
  'cp -P --preserve=mode,ownership -- "$src" "$temp"',
  'if [ -L "$temp" ] || [ ! -f "$temp" ]; then echo "cohabit-copy: $src is not a regular file: Too many levels of symbolic links" >&2; exit 1; fi',
  'sync -- "$temp"',
  'mv -f -T -- "$temp" "$dst"',
  'sync -- "$dir/" 2>/dev/null || sync',
].join('\n');

// The record is read whole before anything is appended (records are JSON lines: no NUL); in the C
// locale that the remote side sets, ${#rec} counts bytes. dd appends without following a link and
// fsyncs; $3 = new: the file must not exist yet (a plan's first record: conv=excl).
export const APPEND_DURABLE = [
  'set -e',
  'umask 077',
  "trap 'exit 1' HUP INT TERM PIPE",
  'rec=$(cat; printf x)',
  'rec=${rec%x}',
  '[ "${#rec}" -eq "$2" ] || { echo "cohabit-append: received ${#rec} of $2 bytes: the transfer was cut short" >&2; exit 1; }',
  'if [ "$3" = new ]; then conv=excl,fsync; else conv=notrunc,fsync; fi',
  'printf %s "$rec" | dd of="$1" oflag=append,nofollow conv="$conv" status=none',
].join('\n');

/** The errno that a coreutils message (C locale, ends with strerror's text) stands for. */
export function errnoOfMessage(stderr: string): HostErrorCode {
  const line =
    stderr
      .trim()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .at(-1) ?? '';
  // dash says "cannot create X: Directory nonexistent" where coreutils says ENOENT's text.
  if (/No such file or directory$|Directory nonexistent$/.test(line)) return 'ENOENT';
  if (/Permission denied$|Operation not permitted$|Read-only file system$/.test(line))
    return 'EACCES';
  if (/Not a directory$/.test(line)) return 'ENOTDIR';
  if (/Is a directory$/.test(line)) return 'EISDIR';
  if (/Too many levels of symbolic links$/.test(line)) return 'ELOOP';
  if (/Invalid argument$/.test(line)) return 'EINVAL';
  return 'EIO';
}

const WRITE_TIMEOUT_MS = 5 * 60_000;

export class SshExecHost implements ExecHost {
  readonly description: string;

  constructor(
    private readonly ssh: SshHost,
    private readonly tempTag = 'w',
  ) {
    this.description = ssh.description;
  }

  readFile(path: string, options?: { maxBytes?: number }): Promise<Uint8Array> {
    return this.ssh.readFile(path, options);
  }

  readDir(path: string): Promise<string[]> {
    return this.ssh.readDir(path);
  }

  readLink(path: string): Promise<string> {
    return this.ssh.readLink(path);
  }

  close(): Promise<void> {
    return this.ssh.close();
  }

  stat(path: string): Promise<StatResult> {
    return this.ssh.stat(path);
  }

  run(argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    return this.ssh.run(argv, options);
  }

  get actingUid(): number {
    return this.ssh.usesSudo ? 0 : this.ssh.remoteUid;
  }

  async writeFileAtomic(path: string, bytes: Uint8Array, options: WriteOptions): Promise<void> {
    const temp = options.temp ?? tempNameFor(path, options.tempTag ?? this.tempTag);
    if (!isTempFor(path, temp))
      throw new HostError('EINVAL', path, `${path}: ${temp} is not a temp name beside it`);
    const mode = options.mode & 0o7777;
    const owner = options.uid === undefined || options.gid === undefined;
    await this.script(
      'cohabit-write',
      WRITE_ATOMIC,
      [
        path,
        temp,
        mode.toString(8),
        owner ? '' : String(options.uid),
        owner ? '' : String(options.gid),
        String(bytes.length),
        this.ssh.remoteUid === 0 || this.ssh.usesSudo ? 'root' : 'user',
        // The umask that leaves exactly the mode's read and write bits at creation.
        (0o777 & ~(mode & 0o666)).toString(8).padStart(4, '0'),
        (mode & ~0o666) === 0 ? '' : 'chmod',
      ],
      path,
      bytes,
    );
  }

  async copyFile(source: string, target: string): Promise<void> {
    await this.script(
      'cohabit-copy',
      COPY_FILE,
      [source, target, tempNameFor(target, this.tempTag)],
      target,
    );
  }

  async mkdir(path: string, mode: number, options?: { recursive?: boolean }): Promise<void> {
    await this.command(
      [
        'mkdir',
        ...(options?.recursive ? ['-p'] : []),
        '-m',
        (mode & 0o7777).toString(8),
        '--',
        path,
      ],
      path,
    );
  }

  async rmdir(path: string): Promise<void> {
    await this.command(['rmdir', '--', path], path);
  }

  async unlink(path: string): Promise<void> {
    // rm -f: a missing file is fine (undo runs again after a crash); a directory is still refused.
    await this.command(['rm', '-f', '--', path], path);
  }

  async realpath(path: string): Promise<string> {
    const out = await this.command(['realpath', '-e', '--', path], path);
    return out.endsWith('\n') ? out.slice(0, -1) : out;
  }

  async appendDurable(path: string, text: string, options?: AppendOptions): Promise<void> {
    const bytes = new TextEncoder().encode(text);
    if (bytes.includes(0)) throw new HostError('EINVAL', path, `${path}: a record cannot hold NUL`);
    await this.script(
      'cohabit-append',
      APPEND_DURABLE,
      [path, String(bytes.length), options?.createNew ? 'new' : ''],
      path,
      bytes,
    );
  }

  runStreaming(argv: readonly string[], options: StreamOptions): Promise<RunResult> {
    return this.ssh.runStreaming(argv, { ...options, killGraceMs: KILL_GRACE_MS });
  }

  private async command(
    argv: string[],
    target: string,
    input?: Uint8Array,
    label?: string,
  ): Promise<string> {
    const r = await this.ssh.runStreaming(argv, {
      timeoutMs: WRITE_TIMEOUT_MS,
      ...(input ? { input } : {}),
      ...(label !== undefined ? { label } : {}),
    });
    if (r.exitCode !== 0) {
      const message = r.stderr.trim().split('\n').at(-1) ?? `exit ${r.exitCode}`;
      throw new HostError(errnoOfMessage(r.stderr), target, `${target}: ${message}`);
    }
    return r.stdout;
  }

  private script(
    name: string,
    body: string,
    args: string[],
    target: string,
    input?: Uint8Array,
  ): Promise<string> {
    // Messages name the script and its target, not its whole body.
    return this.command(['sh', '-c', body, name, ...args], target, input, `${name} ${target}`);
  }
}
