// LocalHost: this machine, through node:fs and execa with argv arrays (never a shell).
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { execa } from 'execa';
import { HostError, describeArgv } from './host';
import type { Host, HostErrorCode, RunOptions, RunResult, StatResult } from './host';

const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;
const KNOWN_CODES = new Set(['ENOENT', 'EACCES', 'ENOTDIR', 'EISDIR', 'EINVAL', 'ELOOP', 'EIO']);

function toHostError(error: unknown, target: string): HostError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EPERM') return new HostError('EACCES', target);
  if (code !== undefined && KNOWN_CODES.has(code))
    return new HostError(code as HostErrorCode, target);
  return new HostError(
    'EIO',
    target,
    `${target}: ${error instanceof Error ? error.message : String(error)}`,
  );
}

export function statKind(s: {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}): StatResult['kind'] {
  if (s.isSymbolicLink()) return 'link';
  if (s.isDirectory()) return 'dir';
  if (s.isFile()) return 'file';
  return 'other';
}

export class LocalHost implements Host {
  readonly description = 'this machine';

  async readFile(path: string, options?: { maxBytes?: number }): Promise<Uint8Array> {
    const maxBytes = options?.maxBytes ?? DEFAULT_MAX_BYTES;
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      throw toHostError(error, path);
    }
    try {
      // sysfs and procfs report size 0, so read in chunks until EOF instead of trusting stat.
      const chunks: Buffer[] = [];
      let total = 0;
      // Most reads are one-line sysfs attributes: start small (thousands of reads run at once)
      // and grow for the large files.
      let chunkSize = 4096;
      for (;;) {
        const chunk = Buffer.allocUnsafe(chunkSize);
        chunkSize = Math.min(chunkSize * 2, 1024 * 1024);
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) break;
        total += bytesRead;
        if (total > maxBytes)
          throw new HostError('TOO_LARGE', path, `${path} is larger than ${maxBytes} bytes`);
        chunks.push(chunk.subarray(0, bytesRead));
      }
      return new Uint8Array(Buffer.concat(chunks));
    } catch (error) {
      if (error instanceof HostError) throw error;
      throw toHostError(error, path);
    } finally {
      await handle.close();
    }
  }

  async readDir(path: string): Promise<string[]> {
    try {
      return (await readdir(path)).sort();
    } catch (error) {
      throw toHostError(error, path);
    }
  }

  /** Nothing is held open between calls. */
  async close(): Promise<void> {}

  async readLink(path: string): Promise<string> {
    try {
      return await readlink(path);
    } catch (error) {
      throw toHostError(error, path);
    }
  }

  async stat(path: string): Promise<StatResult> {
    try {
      const s = await lstat(path);
      return { kind: statKind(s), size: s.size, mode: s.mode & 0o7777, uid: s.uid, gid: s.gid };
    } catch (error) {
      throw toHostError(error, path);
    }
  }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const [file, ...args] = argv;
    if (file === undefined) throw new HostError('EINVAL', '', 'empty argv');
    const result = await execa(file, args, {
      shell: false,
      reject: false,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      forceKillAfterDelay: 2_000,
      ...(options.signal ? { cancelSignal: options.signal } : {}),
      input: options.input ?? '',
      stripFinalNewline: false,
      maxBuffer: 256 * 1024 * 1024,
      // Tools print numbers and messages the same way whatever the user's locale is.
      env: { LC_ALL: 'C', LANG: 'C' },
      extendEnv: true,
    });
    const target = describeArgv(argv);
    if (result.timedOut)
      throw new HostError(
        'TIMEOUT',
        target,
        `${target} did not finish within ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`,
      );
    if (result.isCanceled) throw new HostError('ABORTED', target, `${target} was cancelled`);
    if (result.failed && result.exitCode === undefined) {
      const code = (result as { code?: string }).code;
      if (code === 'ENOENT') throw new HostError('ENOENT', target, `${file}: command not found`);
      if (code === 'EACCES') throw new HostError('EACCES', target, `${file}: permission denied`);
      throw new HostError('SPAWN', target, `${target}: ${result.shortMessage}`);
    }
    return {
      stdout: typeof result.stdout === 'string' ? result.stdout : '',
      stderr: typeof result.stderr === 'string' ? result.stderr : '',
      exitCode: result.exitCode ?? 1,
    };
  }
}
