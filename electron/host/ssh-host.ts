// SshHost: a remote machine through the system `ssh` client (so ~/.ssh/config, agents and
// known_hosts work as the user expects), over one multiplexed connection, never prompting. This
// file is the connection (master, calls, stopping a remote command, a dropped link); the batching
// reader, the remote scripts, one client process and the failure words live beside it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { shellQuote } from '../../shared/emit/shell-quote';
import { HostError, describeArgv } from './host';
import type { Host, RunOptions, RunResult, StatResult } from './host';
import { BatchingReader } from './ssh-batch';
import type { RawResult, RemoteOp } from './ssh-batch';
import { SshError, sshFailureOf } from './ssh-error';
import {
  ERROR_EXIT,
  ERROR_PREFIX,
  REMOTE_SCRIPT,
  STARTED,
  STARTED_LINE,
  STOP_SCRIPT,
} from './ssh-remote-script';
import type { RemoteProcess } from './ssh-remote-script';
import { Gate, spawnSsh } from './ssh-spawn';
import { formatSshUrl } from './ssh-url';
import type { SshTarget } from './ssh-url';

export { SshUrlError, formatSshUrl, parseSshUrl } from './ssh-url';
export type { SshTarget } from './ssh-url';
export { SshError } from './ssh-error';
export type { SshFailure } from './ssh-error';
export { splitBatch } from './ssh-remote-script';

const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_S = 10;
// sshd's default MaxSessions is 10 per connection; stay under it so no session is refused.
const DEFAULT_MAX_PARALLEL = 8;

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

const utf8 = new TextDecoder('utf-8', { fatal: false });

export class SshHost implements Host {
  readonly description: string;
  private readonly gate: Gate;
  private sudo = false;
  private closed = false;
  private readonly reader: BatchingReader;
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
    this.reader = new BatchingReader(this.description, (op, args, o) =>
      this.runRemote(op, args, o),
    );
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
      if (master.exitCode !== 0) throw sshFailureOf(target, master.stderr, master.exitCode ?? 255);
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
          throw sshFailureOf(target, check.stderr, check.exitCode, { sudo: true });
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
    const out = await this.reader.queue('read', path, String(maxBytes + 1));
    if (out.length > maxBytes)
      throw new HostError('TOO_LARGE', path, `${path} is larger than ${maxBytes} bytes`);
    return out;
  }

  async readDir(path: string): Promise<string[]> {
    const out = utf8.decode(await this.reader.queue('list', path));
    return out
      .split('\0')
      .filter((n) => n !== '')
      .sort();
  }

  async readLink(path: string): Promise<string> {
    const out = utf8.decode(await this.reader.queue('link', path));
    return out.endsWith('\n') ? out.slice(0, -1) : out;
  }

  async stat(path: string): Promise<StatResult> {
    const out = utf8.decode(await this.reader.queue('stat', path)).trim();
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
      spawnSsh(
        this.sshCommand(),
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
    if (!marker) throw sshFailureOf(this.target, stderr, outcome.exitCode, { sudo: this.sudo });
    return {
      stdout: outcome.stdout,
      stderr: stderr.slice(marker.index + marker[0].length),
      exitCode: outcome.exitCode,
    };
  }

  /**
   * Stops a remote command and waits until it is gone. Without a grace: TERM, then KILL a second
   * later; with one: INT, TERM, KILL, each given `graceMs` to work. A process whose start time no
   * longer matches is not ours any more (its pid was reused) and is left alone. Says whether the
   * command was still running ('stopped') or had ended ('ended').
   */
  private async stopRemote(remote: RemoteProcess, graceMs?: number): Promise<'stopped' | 'ended'> {
    const tenths = Math.max(1, Math.round((graceMs ?? 1000) / 100));
    const argv = [
      ...this.sshArgs(),
      '--',
      this.target.host,
      shellQuote([
        ...(this.sudo ? ['sudo', '-n', '--'] : []),
        'sh',
        '-c',
        STOP_SCRIPT,
        'cohabit-stop',
        String(remote.pid),
        remote.startTime,
        String(tenths),
        graceMs === undefined ? 'TERM KILL' : 'INT TERM KILL',
      ]),
    ];
    const outcome = await spawnSsh(
      this.sshCommand(),
      argv,
      '',
      10_000 + 3 * (graceMs ?? 1000),
      undefined,
    );
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
}
