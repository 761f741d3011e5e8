// SshHost: a remote machine through the system `ssh` client (so ~/.ssh/config, agents and
// known_hosts work as the user expects), over one multiplexed connection, never prompting.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { shellQuote } from '../../shared/emit/shell-quote';
import { HostError, describeArgv } from './host';
import type { Host, HostErrorCode, RunOptions, RunResult, StatResult } from './host';

const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_S = 10;
// sshd's default MaxSessions is 10 per connection; stay under it so no session is refused.
const DEFAULT_MAX_PARALLEL = 8;

/** Where to connect: from `ssh://user@server:port`, or an alias of ~/.ssh/config. */
export interface SshTarget {
  user?: string;
  host: string;
  port?: number;
}

// User and host names from safe sets: nothing that ssh could read as an option or a shell could
// read as syntax reaches the command line.
const USER_RE = /^[A-Za-z_][A-Za-z0-9._-]{0,31}$/;
const HOST_LABEL_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const IPV6_RE = /^[0-9A-Fa-f:.]{2,45}$/;

export class SshUrlError extends Error {
  override readonly name = 'SshUrlError';
}

/** Parses `ssh://[user@]host[:port]` strictly; anything else is an SshUrlError saying why. */
export function parseSshUrl(text: string): SshTarget {
  const m = /^ssh:\/\/(?:([^@/]*)@)?(\[[^\]]*\]|[^:/]*)(?::([^/]*))?\/?$/.exec(text);
  if (!m)
    throw new SshUrlError(
      `"${text}" is not an ssh:// address: write ssh://user@server or ssh://user@server:port`,
    );
  const [, user, rawHost = '', rawPort] = m;
  const target: SshTarget = { host: '' };
  if (user !== undefined) {
    if (!USER_RE.test(user))
      throw new SshUrlError(
        `"${user}" is not a user name Cohabit accepts (letters, digits, . _ -, not starting with - or a digit)`,
      );
    target.user = user;
  }
  if (rawHost.startsWith('[')) {
    const inner = rawHost.slice(1, -1);
    if (!IPV6_RE.test(inner) || !inner.includes(':'))
      throw new SshUrlError(`"${rawHost}" is not an IPv6 address`);
    target.host = inner;
  } else {
    const labels = rawHost.split('.');
    if (rawHost.length === 0 || rawHost.length > 253 || !labels.every((l) => HOST_LABEL_RE.test(l)))
      throw new SshUrlError(
        `"${rawHost}" is not a host name Cohabit accepts (letters, digits and - in dot-separated labels)`,
      );
    target.host = rawHost;
  }
  if (rawPort !== undefined) {
    const port = Number(rawPort);
    if (!/^\d{1,5}$/.test(rawPort) || port < 1 || port > 65535)
      throw new SshUrlError(`"${rawPort}" is not a port (1 to 65535)`);
    target.port = port;
  }
  return target;
}

export function formatSshUrl(target: SshTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `ssh://${target.user !== undefined ? `${target.user}@` : ''}${host}${target.port !== undefined ? `:${target.port}` : ''}`;
}

/** Failures that mean the machine could not be reached (rather than that a command failed there). */
const UNREACHABLE: ReadonlySet<string> = new Set([
  'dropped',
  'refused',
  'timeout',
  'unresolved',
  'closed',
]);

export type SshFailure =
  | 'host-key'
  | 'auth'
  | 'refused'
  | 'timeout'
  | 'unresolved'
  | 'sudo'
  | 'dropped'
  | 'closed'
  | 'other';

/** The connection, the login or the elevation failed: nothing ran on the remote side. */
export class SshError extends HostError {
  constructor(
    readonly failure: SshFailure,
    target: string,
    message: string,
    readonly stderr: string,
  ) {
    super(
      failure === 'sudo' ? 'EACCES' : UNREACHABLE.has(failure) ? 'UNREACHABLE' : 'SPAWN',
      target,
      message,
    );
  }
}

export interface SshHostOptions {
  /** Root is needed (the executor): when the login is not root, every call goes through `sudo -n`. */
  root?: boolean;
  /** Seconds for the TCP connection and the key exchange (ssh's ConnectTimeout). */
  connectTimeoutS?: number;
  /** Extra ssh options placed before the destination, e.g. `['-i', key, '-o', 'UserKnownHostsFile=…']`. */
  sshOptions?: readonly string[];
  /** Calls in flight at once over the one connection. */
  maxParallel?: number;
  /** The ssh client to run (default `ssh` from PATH). */
  sshCommand?: string;
}

// Every call runs this POSIX sh function on the remote side; the operation and the path are
// positional parameters, never part of the script text. The first stderr line marks that the
// shell started (so anything before it is ssh's or sudo's) and names its pid and start time (field
// 22 of /proc/PID/stat, read without a fork), so that a command left running by a dropped
// connection can be found again, and never confused with a later process given the same pid;
// exit 97 plus a last line
// `cohabit-host-error:CODE` is a failed read with its errno, classified from the C-locale
// strerror text that ends every coreutils message.
const STARTED = 'cohabit-host-started';
const ERROR_PREFIX = 'cohabit-host-error:';
const ERROR_EXIT = 97;
// Sets $st to field 22 of /proc/PID/stat, given the text after "PID (comm) " (field 3 onwards);
// a function, not $(...), which would fork on every call.
const START_TIME_FN = 'starttime() { set -- $1; shift 19; st=$1; }';
const REMOTE_SCRIPT = [
  START_TIME_FN,
  'st=; if read -r st < /proc/$$/stat 2>/dev/null; then starttime "${st##*) }"; fi',
  `printf '%s %s %s\\n' ${STARTED} $$ "$st" >&2`,
  'LC_ALL=C; LANG=C; export LC_ALL LANG',
  `fail() { printf '\\n${ERROR_PREFIX}%s\\n' "$1" >&2; exit ${ERROR_EXIT}; }`,
  // Each read sets `code` when it fails, so that one call can run many reads (batch) as well as one.
  'classify() {',
  '  case $1 in',
  "    *'No such file or directory') code=ENOENT ;;",
  "    *'Permission denied' | *'Operation not permitted') code=EACCES ;;",
  "    *'Not a directory') code=ENOTDIR ;;",
  "    *'Is a directory') code=EISDIR ;;",
  "    *'Too many levels of symbolic links') code=ELOOP ;;",
  "    *'Invalid argument') code=EINVAL ;;",
  '    *) code=EIO ;;',
  '  esac',
  '}',
  'exec 3>&1',
  'do_read() { e=$(head -c "$2" -- "$1" 2>&1 1>&3 3>&-) || { classify "$e"; return 1; }; }',
  'do_list() {',
  '  if [ ! -e "$1" ]; then code=ENOENT; e=$(ls -d -- "$1" 2>&1 >/dev/null) || classify "$e"; return 1; fi',
  '  [ -d "$1" ] || { code=ENOTDIR; return 1; }',
  // Without read permission a glob would just come back empty.
  '  [ -r "$1" ] || { code=EACCES; return 1; }',
  '  (',
  '    cd -- "$1" 2>/dev/null || exit 1',
  '    for f in .* *; do case $f in . | ..) continue ;; esac; if [ -e "$f" ] || [ -L "$f" ]; then printf \'%s\\0\' "$f"; fi; done',
  '  ) || { code=EACCES; return 1; }',
  '}',
  'do_link() {',
  '  if [ ! -L "$1" ]; then',
  '    if [ -e "$1" ]; then code=EINVAL; return 1; fi',
  '    code=ENOENT; e=$(ls -d -- "$1" 2>&1 >/dev/null) || classify "$e"; return 1',
  '  fi',
  '  e=$(readlink -- "$1" 2>&1 1>&3 3>&-) || { classify "$e"; return 1; }',
  '}',
  'do_stat() { e=$(stat -c \'%f %s %u %g\' -- "$1" 2>&1 1>&3 3>&-) || { classify "$e"; return 1; }; }',
  'op=$1; shift',
  'case $op in',
  '  read) do_read "$1" "$2" || fail "$code" ;;',
  '  list) do_list "$1" || fail "$code" ;;',
  '  link) do_link "$1" || fail "$code" ;;',
  '  stat) do_stat "$1" || fail "$code" ;;',
  // Reads in threes (op, path, byte limit or ''), each answer followed by a line with the caller's
  // nonce and its code: one round trip instead of one per read.
  '  batch)',
  '    nonce=$1; shift',
  '    while [ $# -ge 3 ]; do',
  '      code=OK',
  '      case $1 in',
  '        read) do_read "$2" "$3" ;;',
  '        list) do_list "$2" ;;',
  '        link) do_link "$2" ;;',
  '        stat) do_stat "$2" ;;',
  '        *) code=EINVAL ;;',
  '      esac',
  '      printf \'\\n%s %s\\n\' "$nonce" "$code"',
  '      shift 3',
  '    done ;;',
  '  run)',
  '    command -v -- "$1" >/dev/null 2>&1 || fail ENOENT',
  // fd 3 (stdout's copy for the reads above) must not leak into the command: a daemon it starts
  // would hold the session open.
  '    exec "$@" 3>&- ;;',
  '  *) fail EINVAL ;;',
  'esac',
].join('\n');

type ReadOp = 'read' | 'list' | 'link' | 'stat';
type RemoteOp = ReadOp | 'run' | 'batch';

/** A read waiting to go out with the others asked for in the same turn of the event loop. */
interface QueuedRead {
  op: ReadOp;
  path: string;
  /** The byte limit of a `read` ('' for the others). */
  extra: string;
  resolve: (bytes: Uint8Array) => void;
  reject: (error: unknown) => void;
}

/**
 * At most this many reads, and this many bytes of quoted arguments, per batch: the remote login
 * shell gets the whole command as one argument, and Linux caps one argument at 128 KiB.
 */
const BATCH_MAX_READS = 256;
const BATCH_MAX_ARG_BYTES = 64 * 1024;

/** The remote shell of one call, as it announced itself. */
interface RemoteProcess {
  pid: number;
  /** Its start time in clock ticks since boot ('' where /proc could not say). */
  startTime: string;
}

type SpawnOutcome =
  | {
      kind: 'done';
      stdout: Uint8Array;
      stderr: Uint8Array;
      exitCode: number;
      remote: RemoteProcess | null;
    }
  | { kind: 'timeout'; remote: RemoteProcess | null }
  | { kind: 'aborted'; remote: RemoteProcess | null }
  | { kind: 'spawn-error'; code: string; message: string };

const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;
const STARTED_LINE = new RegExp(`^${STARTED} (\\d+) (\\d*)\n`, 'm');

/**
 * The answers of a batch: each is the read's bytes followed by `\n<nonce> <CODE>\n`. The nonce is
 * fresh for every batch, so no file can hold it by chance. Null when the output is not exactly
 * `count` answers.
 */
export function splitBatch(
  stdout: Uint8Array,
  nonce: string,
  count: number,
): { bytes: Uint8Array; code: string }[] | null {
  const out = Buffer.from(stdout.buffer, stdout.byteOffset, stdout.byteLength);
  const separator = Buffer.from(`\n${nonce} `, 'latin1');
  const answers: { bytes: Uint8Array; code: string }[] = [];
  let at = 0;
  while (at < out.length) {
    const end = out.indexOf(separator, at);
    if (end < 0) return null;
    const lineEnd = out.indexOf(0x0a, end + separator.length);
    if (lineEnd < 0) return null;
    const code = out.toString('latin1', end + separator.length, lineEnd);
    if (!/^(OK|[A-Z]{2,12})$/.test(code)) return null;
    answers.push({ bytes: new Uint8Array(out.subarray(at, end)), code });
    at = lineEnd + 1;
  }
  return answers.length === count ? answers : null;
}

interface RawResult {
  stdout: Uint8Array;
  stderr: string;
  exitCode: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Limits how many calls run at once. */
class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export class SshHost implements Host {
  readonly description: string;
  private readonly gate: Gate;
  private sudo = false;
  private closed = false;
  private readonly queued: QueuedRead[] = [];
  private calls = 0;

  private constructor(
    readonly target: SshTarget,
    private readonly options: SshHostOptions,
    private readonly controlDir: string,
    /** The remote login's uid, as `id -u` said when connecting. */
    readonly remoteUid: number,
  ) {
    this.description = formatSshUrl(target);
    this.gate = new Gate(options.maxParallel ?? DEFAULT_MAX_PARALLEL);
  }

  /**
   * Opens the master connection (host key and login are checked here, with a clear message when
   * they fail), learns the remote uid and, when root is needed and the login is not root, checks
   * that `sudo -n` works.
   */
  static async connect(target: SshTarget, options: SshHostOptions = {}): Promise<SshHost> {
    // mkdtemp makes the directory 0700: only this user can reach the control socket.
    const controlDir = await mkdtemp(join(tmpdir(), 'cohabit-ssh-'));
    const probe = new SshHost(target, options, controlDir, -1);
    try {
      const master = await execa(
        probe.sshCommand(),
        [
          ...probe.sshArgs(),
          // -f: go to the background once logged in, so this call ends with the login's verdict.
          '-f',
          '-N',
          '--',
          target.host,
        ],
        {
          reject: false,
          stdin: 'ignore',
          timeout: (options.connectTimeoutS ?? DEFAULT_CONNECT_TIMEOUT_S) * 1000 + 5_000,
          forceKillAfterDelay: 1_000,
          env: { LC_ALL: 'C', LANG: 'C' },
        },
      );
      if (master.timedOut)
        throw new SshError(
          'timeout',
          probe.description,
          `${probe.description}: no answer within ${options.connectTimeoutS ?? DEFAULT_CONNECT_TIMEOUT_S} s`,
          '',
        );
      if (master.exitCode !== 0) throw probe.sshFailure(master.stderr, master.exitCode ?? 255);
      const id = await probe.run(['id', '-u']);
      const uid = Number(id.stdout.trim());
      if (id.exitCode !== 0 || !Number.isInteger(uid))
        throw new SshError(
          'other',
          probe.description,
          `${probe.description}: \`id -u\` failed: ${id.stderr.trim()}`,
          id.stderr,
        );
      const host = new SshHost(target, options, controlDir, uid);
      if (options.root && uid !== 0) {
        host.sudo = true;
        const check = await host.runRemote('run', ['true'], {});
        if (check.exitCode !== 0)
          throw host.sshFailure(check.stderr, check.exitCode, { sudo: true });
      }
      return host;
    } catch (error) {
      await probe.close();
      throw error;
    }
  }

  /** The master connection's socket: `ssh -S PATH host` reuses it (for debugging). */
  get controlPath(): string {
    return join(this.controlDir, 'c');
  }

  /** How many remote calls (round trips) this host has made: reads asked for together count once. */
  get remoteCalls(): number {
    return this.calls;
  }

  /** Whether calls go through `sudo -n` (root needed, login not root). */
  get usesSudo(): boolean {
    return this.sudo;
  }

  /** Ends the master connection and removes the control directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await execa(this.sshCommand(), [...this.sshArgs(), '-O', 'exit', '--', this.target.host], {
      reject: false,
      stdin: 'ignore',
      timeout: 5_000,
    });
    await rm(this.controlDir, { recursive: true, force: true });
  }

  async readFile(path: string, options?: { maxBytes?: number }): Promise<Uint8Array> {
    const maxBytes = options?.maxBytes ?? DEFAULT_MAX_BYTES;
    const out = await this.queueRead('read', path, String(maxBytes + 1));
    if (out.length > maxBytes)
      throw new HostError('TOO_LARGE', path, `${path} is larger than ${maxBytes} bytes`);
    return out;
  }

  async readDir(path: string): Promise<string[]> {
    const out = utf8.decode(await this.queueRead('list', path));
    return out
      .split('\0')
      .filter((n) => n !== '')
      .sort();
  }

  async readLink(path: string): Promise<string> {
    const out = utf8.decode(await this.queueRead('link', path));
    return out.endsWith('\n') ? out.slice(0, -1) : out;
  }

  async stat(path: string): Promise<StatResult> {
    const out = utf8.decode(await this.queueRead('stat', path)).trim();
    const [rawMode, size, uid, gid] = out.split(' ');
    const mode = Number.parseInt(rawMode ?? '', 16);
    if (!Number.isFinite(mode) || size === undefined || uid === undefined || gid === undefined)
      throw new HostError('EIO', path, `${path}: unexpected stat output "${out}"`);
    const type = mode & 0o170000;
    const kind: StatResult['kind'] =
      type === 0o100000 ? 'file' : type === 0o040000 ? 'dir' : type === 0o120000 ? 'link' : 'other';
    return { kind, size: Number(size), mode: mode & 0o7777, uid: Number(uid), gid: Number(gid) };
  }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    if (argv.length === 0) throw new HostError('EINVAL', '', 'empty argv');
    const target = describeArgv(argv);
    const raw = await this.runRemote('run', argv, options);
    if (raw.exitCode === ERROR_EXIT && raw.stderr.endsWith(`\n${ERROR_PREFIX}ENOENT\n`))
      throw new HostError('ENOENT', target, `${argv[0]}: command not found on ${this.description}`);
    return { stdout: utf8.decode(raw.stdout), stderr: raw.stderr, exitCode: raw.exitCode };
  }

  /**
   * Runs argv like `run`, handing each output line to `onLine` as it arrives (the executor's live
   * log) and taking bytes on stdin; on timeout or abort the remote command gets SIGINT, then
   * SIGTERM and SIGKILL after `killGraceMs` each, so tools can clean up as they would locally.
   */
  async runStreaming(
    argv: readonly string[],
    options: {
      onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
      timeoutMs?: number;
      signal?: AbortSignal;
      input?: string | Uint8Array;
      killGraceMs?: number;
      /** How messages name this call (default: the argv), e.g. for a script with a long body. */
      label?: string;
    } = {},
  ): Promise<RunResult> {
    if (argv.length === 0) throw new HostError('EINVAL', '', 'empty argv');
    const target = describeArgv(argv);
    const onLine = options.onLine;
    let started = false;
    let pending = { stdout: '', stderr: '' };
    const decoders = {
      stdout: new TextDecoder('utf-8', { fatal: false }),
      stderr: new TextDecoder('utf-8', { fatal: false }),
    };
    const emit = (stream: 'stdout' | 'stderr', text: string, flush: boolean) => {
      const parts = (pending[stream] + text).split(/[\n\r]/);
      pending[stream] = flush ? '' : (parts.pop() ?? '');
      for (const line of parts) {
        // Before the marker, stderr is ssh's or sudo's; the marker itself is ours.
        if (stream === 'stderr' && !started) {
          if (line.startsWith(`${STARTED} `)) started = true;
          continue;
        }
        if (line !== '') onLine?.(line, stream);
      }
    };
    const raw = await this.runRemote('run', argv, {
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      bytes: options.input,
      killGraceMs: options.killGraceMs,
      label: options.label,
      onData:
        onLine === undefined
          ? undefined
          : (stream, chunk) =>
              emit(stream, decoders[stream].decode(chunk, { stream: true }), false),
    });
    if (onLine !== undefined) {
      emit('stdout', decoders.stdout.decode(), true);
      emit('stderr', decoders.stderr.decode(), true);
      pending = { stdout: '', stderr: '' };
    }
    if (raw.exitCode === ERROR_EXIT && raw.stderr.endsWith(`\n${ERROR_PREFIX}ENOENT\n`))
      throw new HostError('ENOENT', target, `${argv[0]}: command not found on ${this.description}`);
    return { stdout: utf8.decode(raw.stdout), stderr: raw.stderr, exitCode: raw.exitCode };
  }

  /**
   * Reads asked for in the same turn of the event loop (the inventory's readers ask for a device's
   * attributes, or every device, at once) go out together: one round trip instead of one each,
   * which over a slow link or to a slow machine is most of an inventory's time. Each read keeps its
   * own answer or error; a lone read goes out as itself.
   */
  private queueRead(op: ReadOp, path: string, extra = ''): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.queued.push({ op, path, extra, resolve, reject });
      if (this.queued.length === 1) setImmediate(() => this.sendQueued());
    });
  }

  private sendQueued(): void {
    const all = this.queued.splice(0);
    let batch: QueuedRead[] = [];
    let argBytes = 0;
    const send = () => {
      const reads = batch;
      batch = [];
      argBytes = 0;
      if (reads.length === 0) return;
      void (reads.length === 1 ? this.sendAlone(reads) : this.remoteBatch(reads));
    };
    for (const read of all) {
      // As sent: quoted (a quote in a path takes four bytes), plus the separating space. A path
      // no command line can carry (a NUL) fails alone, not with the batch.
      let bytes: number;
      try {
        bytes = Buffer.byteLength(shellQuote(['-', read.op, read.path, read.extra])) + 1;
      } catch (error) {
        read.reject(error);
        continue;
      }
      if (batch.length >= BATCH_MAX_READS || argBytes + bytes > BATCH_MAX_ARG_BYTES) send();
      batch.push(read);
      argBytes += bytes;
    }
    send();
  }

  private async sendAlone(reads: QueuedRead[]): Promise<void> {
    await Promise.all(
      reads.map((r) =>
        this.remoteRead(r.op, r.extra === '' ? [r.path] : [r.path, r.extra], r.path).then(
          r.resolve,
          r.reject,
        ),
      ),
    );
  }

  /**
   * Runs several reads in one remote call; every read is settled, whatever happens. Answers that
   * together pass the output limit are asked for again one by one (each then has its own limit).
   */
  private async remoteBatch(reads: QueuedRead[]): Promise<void> {
    const nonce = randomBytes(16).toString('hex');
    try {
      const raw = await this.runRemote(
        'batch',
        [nonce, ...reads.flatMap((r) => [r.op, r.path, r.extra])],
        { label: `${reads.length} reads (${reads[0]?.path ?? ''} …)` },
      );
      const answers = raw.exitCode === 0 ? splitBatch(raw.stdout, nonce, reads.length) : null;
      if (answers === null)
        throw new HostError(
          'EIO',
          this.description,
          `${this.description}: unexpected answer to ${reads.length} reads (exit ${raw.exitCode}): ${raw.stderr.trim().slice(-300)}`,
        );
      reads.forEach((read, i) => {
        const answer = answers[i] as { bytes: Uint8Array; code: string };
        if (answer.code === 'OK') read.resolve(answer.bytes);
        else read.reject(new HostError(answer.code as HostErrorCode, read.path));
      });
    } catch (error) {
      if (error instanceof HostError && error.code === 'TOO_LARGE') await this.sendAlone(reads);
      else for (const read of reads) read.reject(error);
    }
  }

  private async remoteRead(op: RemoteOp, args: string[], path: string): Promise<Uint8Array> {
    const raw = await this.runRemote(op, args, {});
    if (raw.exitCode === 0) return raw.stdout;
    const m = new RegExp(`${ERROR_PREFIX}([A-Z]+)\\n$`).exec(raw.stderr);
    const code = (m?.[1] ?? 'EIO') as HostErrorCode;
    throw new HostError(
      code,
      path,
      m ? undefined : `${path}: ${raw.stderr.trim() || `exit ${raw.exitCode}`}`,
    );
  }

  /** Runs the remote script; the stderr returned is the remote command's own (after the marker). */
  private async runRemote(
    op: RemoteOp,
    args: readonly string[],
    options: RunOptions & {
      bytes?: string | Uint8Array | undefined;
      killGraceMs?: number | undefined;
      label?: string | undefined;
      onData?: ((stream: 'stdout' | 'stderr', chunk: Uint8Array) => void) | undefined;
    },
  ): Promise<RawResult> {
    if (this.closed)
      throw new SshError(
        'closed',
        this.description,
        `${this.description}: the connection was closed`,
        '',
      );
    const remote = [
      ...(this.sudo ? ['sudo', '-n', '--'] : []),
      'sh',
      '-c',
      REMOTE_SCRIPT,
      'cohabit-host',
      op,
      ...args,
    ];
    const target = options.label ?? (op === 'run' ? describeArgv(args) : `${op} ${args[0] ?? ''}`);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // ssh joins its remote arguments with spaces for the remote login shell: hand it one string
    // whose words are quoted, so the remote side receives exactly this argv.
    const sshArgv = [...this.sshArgs(), '--', this.target.host, shellQuote(remote)];
    this.calls++;
    const outcome = await this.gate.run(() =>
      this.spawnSsh(
        sshArgv,
        options.bytes ?? options.input,
        timeoutMs,
        options.signal,
        options.onData,
      ),
    );
    if (outcome.kind === 'timeout' || outcome.kind === 'aborted') {
      // A multiplexed client hands its pipes to the master, so killing it does not end the remote
      // command: kill that by the pid the remote shell announced.
      if (outcome.remote !== null) await this.stopRemote(outcome.remote, options.killGraceMs);
      if (outcome.kind === 'timeout')
        throw new HostError(
          'TIMEOUT',
          target,
          `${target} on ${this.description} did not finish within ${timeoutMs} ms`,
        );
      throw new HostError('ABORTED', target, `${target} was cancelled`);
    }
    if (outcome.kind === 'spawn-error')
      throw new HostError(
        outcome.code === 'ENOENT' ? 'ENOENT' : outcome.code === 'TOO_LARGE' ? 'TOO_LARGE' : 'SPAWN',
        target,
        `${this.sshCommand()}: ${outcome.message}`,
      );
    const stderr = utf8.decode(outcome.stderr);
    const marker = STARTED_LINE.exec(stderr);
    // 255 is ssh's own failure; a remote command may exit 255 too, but then the master lives on.
    if (outcome.exitCode === 255 && !(await this.masterAlive()))
      throw await this.dropped(target, outcome.remote, stderr, options.killGraceMs);
    if (!marker) throw this.sshFailure(stderr, outcome.exitCode, { sudo: this.sudo });
    return {
      stdout: outcome.stdout,
      stderr: stderr.slice(marker.index + marker[0].length),
      exitCode: outcome.exitCode,
    };
  }

  private spawnSsh(
    argv: readonly string[],
    input: string | Uint8Array | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    onData?: (stream: 'stdout' | 'stderr', chunk: Uint8Array) => void,
  ): Promise<SpawnOutcome> {
    return new Promise((resolve) => {
      const child = spawn(this.sshCommand(), argv, {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outSize = 0;
      let remote: RemoteProcess | null = null;
      let settled = false;
      const finish = (o: SpawnOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(o);
      };
      let stopping: (() => void) | null = null;
      const stop = (kind: 'timeout' | 'aborted') => {
        const kill = () => {
          child.kill('SIGKILL');
          child.stdout.destroy();
          child.stderr.destroy();
          finish({ kind, remote });
        };
        // Output can overtake the stderr line that names the remote pid (a cancel decided on a
        // stdout line): wait a moment for it, or the remote command would be left running.
        if (remote !== null || child.exitCode !== null) kill();
        else if (stopping === null) {
          stopping = kill;
          setTimeout(kill, 2_000);
        }
      };
      const onAbort = () => stop('aborted');
      const timer = setTimeout(() => stop('timeout'), timeoutMs);
      if (signal?.aborted) {
        stop('aborted');
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (b: Buffer) => {
        outSize += b.length;
        if (outSize > MAX_OUTPUT_BYTES) {
          child.kill('SIGKILL');
          finish({ kind: 'spawn-error', code: 'TOO_LARGE', message: 'output larger than 256 MiB' });
        }
        out.push(b);
        onData?.('stdout', b);
      });
      child.stderr.on('data', (b: Buffer) => {
        err.push(b);
        onData?.('stderr', b);
        if (remote === null) {
          const m = STARTED_LINE.exec(Buffer.concat(err).toString('latin1'));
          if (m) {
            remote = { pid: Number(m[1]), startTime: m[2] ?? '' };
            stopping?.();
          }
        }
      });
      child.on('error', (e: NodeJS.ErrnoException) =>
        finish({ kind: 'spawn-error', code: e.code ?? 'SPAWN', message: e.message }),
      );
      child.on('close', (code, sig) =>
        finish({
          kind: 'done',
          stdout: new Uint8Array(Buffer.concat(out)),
          stderr: new Uint8Array(Buffer.concat(err)),
          exitCode: code ?? (sig ? 255 : 1),
          remote,
        }),
      );
      child.stdin.on('error', () => undefined);
      child.stdin.end(input ?? '');
    });
  }

  /**
   * Stops a remote command and waits until it is gone. Without a grace: TERM, then KILL a second
   * later; with one: INT, TERM, KILL, each given `graceMs` to work. A process whose start time no
   * longer matches is not ours any more (its pid was reused) and is left alone. Says whether the
   * command was still running ('stopped') or had ended ('ended').
   */
  private async stopRemote(remote: RemoteProcess, graceMs?: number): Promise<'stopped' | 'ended'> {
    const script = [
      START_TIME_FN,
      'ours() { read -r line < "/proc/$1/stat" 2>/dev/null || return 1; [ -z "$2" ] && return 0; starttime "${line##*) }"; [ "$st" = "$2" ]; }',
      // Polls every 0.1 s for up to $3 tenths of a second.
      'gone() { i=0; while ours "$1" "$2"; do [ "$i" -lt "$3" ] || return 1; sleep 0.1; i=$((i+1)); done; }',
      'ours "$1" "$2" || { echo ended; exit 0; }',
      'for sig in $4; do kill -s "$sig" "$1" 2>/dev/null || break; gone "$1" "$2" "$3" && break; done',
      'echo stopped',
    ].join('\n');
    const tenths = Math.max(1, Math.round((graceMs ?? 1000) / 100));
    const argv = [
      ...this.sshArgs(),
      '--',
      this.target.host,
      shellQuote([
        ...(this.sudo ? ['sudo', '-n', '--'] : []),
        'sh',
        '-c',
        script,
        'cohabit-stop',
        String(remote.pid),
        remote.startTime,
        String(tenths),
        graceMs === undefined ? 'TERM KILL' : 'INT TERM KILL',
      ]),
    ];
    const outcome = await this.spawnSsh(argv, '', 10_000 + 3 * (graceMs ?? 1000), undefined);
    if (outcome.kind !== 'done' || outcome.exitCode !== 0)
      throw new SshError(
        'dropped',
        this.description,
        `${this.description}: could not reach the machine to stop process ${remote.pid}`,
        outcome.kind === 'done' ? utf8.decode(outcome.stderr) : '',
      );
    return utf8.decode(outcome.stdout).trim() === 'ended' ? 'ended' : 'stopped';
  }

  /** Whether the master connection is still up (`ssh -O check`); a dropped one has exited. */
  private async masterAlive(): Promise<boolean> {
    const r = await execa(
      this.sshCommand(),
      [...this.sshArgs(), '-O', 'check', '--', this.target.host],
      {
        reject: false,
        stdin: 'ignore',
        timeout: 5_000,
        env: { LC_ALL: 'C', LANG: 'C' },
      },
    );
    return r.exitCode === 0;
  }

  /**
   * The connection dropped during a call. The remote command may still be running (sshd does
   * not stop it): over a new connection it is stopped like a cancelled one before anything else
   * happens, so that a rollback never races it. The error says what became of it.
   */
  private async dropped(
    target: string,
    remote: RemoteProcess | null,
    stderr: string,
    graceMs: number | undefined,
  ): Promise<SshError> {
    const d = this.description;
    if (remote === null)
      return new SshError(
        'dropped',
        d,
        `${d}: the connection dropped before \`${target}\` was seen to start`,
        stderr,
      );
    let fate: string;
    try {
      fate =
        (await this.stopRemote(remote, graceMs)) === 'stopped'
          ? 'it was still running and has been stopped'
          : 'it had already ended, so whether it finished is not known';
    } catch {
      fate = `Cohabit could not reconnect to stop it (process ${remote.pid} may still be running)`;
    }
    return new SshError(
      'dropped',
      d,
      `${d}: the connection dropped while \`${target}\` ran; ${fate}`,
      stderr,
    );
  }

  private sshCommand(): string {
    return this.options.sshCommand ?? 'ssh';
  }

  private sshArgs(): string[] {
    const t = this.target;
    return [
      ...(t.user !== undefined ? ['-l', t.user] : []),
      ...(t.port !== undefined ? ['-p', String(t.port)] : []),
      '-T',
      '-o',
      'BatchMode=yes',
      '-o',
      `ConnectTimeout=${this.options.connectTimeoutS ?? DEFAULT_CONNECT_TIMEOUT_S}`,
      '-o',
      'ServerAliveInterval=15',
      '-o',
      'ServerAliveCountMax=3',
      '-o',
      'LogLevel=ERROR',
      '-o',
      `ControlPath=${this.controlPath}`,
      '-o',
      'ControlMaster=auto',
      // A master started by a later call (the first one died) ends by itself when idle.
      '-o',
      'ControlPersist=120',
      ...(this.options.sshOptions ?? []),
    ];
  }

  /** Turns ssh's or sudo's complaint (the remote shell never started) into a plain message. */
  private sshFailure(stderr: string, exitCode: number, context: { sudo?: boolean } = {}): SshError {
    const d = this.description;
    const who = this.target.user ?? 'your user';
    const last =
      stderr
        .trim()
        .split('\n')
        .filter((l) => l.trim() !== '')
        .at(-1) ?? `exit ${exitCode}`;
    if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/.test(stderr)) {
      // The exact command: known_hosts keys a non-default port as [host]:port, so `ssh host`
      // would check (and record) a different entry than Cohabit's connection uses.
      const t = this.target;
      const login = `ssh ${t.port !== undefined ? `-p ${t.port} ` : ''}${t.user !== undefined ? `${t.user}@` : ''}${t.host}`;
      return new SshError(
        'host-key',
        d,
        `${d}: the server's host key is not in known_hosts or does not match it. Cohabit never accepts a key by itself: check the key (ssh-keyscan, or log in once with ${login}) and try again.`,
        stderr,
      );
    }
    if (/Permission denied \(/.test(stderr))
      return new SshError(
        'auth',
        d,
        `${d}: the server refused the login of ${who}. Cohabit never types a password: load a key into ssh-agent or name one with IdentityFile in ~/.ssh/config.`,
        stderr,
      );
    if (/Connection refused/.test(stderr))
      return new SshError(
        'refused',
        d,
        `${d}: connection refused (no SSH server on that port?)`,
        stderr,
      );
    if (/timed out|Connection timed out/i.test(stderr))
      return new SshError('timeout', d, `${d}: the connection timed out`, stderr);
    if (/Could not resolve hostname|Name or service not known/.test(stderr))
      return new SshError('unresolved', d, `${d}: unknown host name`, stderr);
    if (context.sudo && /^sudo: |sudo: (command )?not found/m.test(stderr)) {
      const reason = /password is required|terminal is required/.test(stderr)
        ? `sudo wants a password for ${who}`
        : /not found/.test(stderr)
          ? 'sudo is not installed there'
          : last;
      return new SshError(
        'sudo',
        d,
        `${d}: root is needed and ${who} is not root, but \`sudo -n\` failed (${reason}). Log in as root, or allow ${who} passwordless sudo for Cohabit's commands.`,
        stderr,
      );
    }
    if (/Connection closed|Connection reset|Broken pipe|client_loop|disconnect/i.test(stderr))
      return new SshError('dropped', d, `${d}: the connection dropped (${last})`, stderr);
    return new SshError('other', d, `${d}: ssh failed: ${last}`, stderr);
  }
}
