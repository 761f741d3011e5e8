// SshHost's batching reader: reads asked for in the same turn of the event loop go out as one
// remote call (one round trip), each keeping its own answer or error.
import { randomBytes } from 'node:crypto';
import { shellQuote } from '../../shared/emit/shell-quote';
import { HostError } from './host';
import type { HostErrorCode } from './host';
import { ERROR_PREFIX, splitBatch } from './ssh-remote-script';

export type ReadOp = 'read' | 'list' | 'link' | 'stat';
export type RemoteOp = ReadOp | 'run' | 'batch';

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

export interface RawResult {
  stdout: Uint8Array;
  stderr: string;
  exitCode: number;
}

/** One call of the remote script (SshHost's runRemote). */
export type RemoteCall = (
  op: RemoteOp,
  args: readonly string[],
  options: { label?: string },
) => Promise<RawResult>;

export class BatchingReader {
  private readonly queued: QueuedRead[] = [];

  constructor(
    private readonly description: string,
    private readonly runRemote: RemoteCall,
  ) {}

  /**
   * Reads asked for in the same turn of the event loop (the inventory's readers ask for a device's
   * attributes, or every device, at once) go out together: one round trip instead of one each,
   * which over a slow link or to a slow machine is most of an inventory's time. Each read keeps its
   * own answer or error; a lone read goes out as itself.
   */
  queue(op: ReadOp, path: string, extra = ''): Promise<Uint8Array> {
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
}
