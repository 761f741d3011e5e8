// One ssh client process per call, over the master connection: its output, its exit, or how it
// was stopped (timeout, cancel), and the remote shell it started as that shell announced itself.
import { spawn } from 'node:child_process';
import { STARTED_LINE } from './ssh-remote-script';
import type { RemoteProcess } from './ssh-remote-script';

export type SpawnOutcome =
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
export /** Limits how many calls run at once. */
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

/**
 * Runs one ssh client and settles once, whatever happens: its exit, a timeout, a cancel, a spawn
 * error or too much output. Long because those races share one set of listeners and one
 * `finish`; split apart they could each settle the promise.
 */
export function spawnSsh(
  command: string,
  argv: readonly string[],
  input: string | Uint8Array | undefined,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  onData?: (stream: 'stdout' | 'stderr', chunk: Uint8Array) => void,
): Promise<SpawnOutcome> {
  return new Promise((resolve) => {
    const child = spawn(command, argv, {
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
