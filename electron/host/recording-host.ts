// RecordingHost wraps another host and writes down every read and command with its result or
// error: `cohabit snapshot` is an inventory run through one of these.
import type { Host, RunOptions, RunResult, StatResult } from './host';
import { HostError } from './host';
import { argvKey, emptySnapshot, encodeFile } from './snapshot-format';
import type { HostSnapshot } from './snapshot-format';

function errorEntry(error: unknown): { error: string; message?: string } {
  if (error instanceof HostError) return { error: error.code, message: error.message };
  return { error: 'EIO', message: error instanceof Error ? error.message : String(error) };
}

export class RecordingHost implements Host {
  readonly description: string;
  readonly snapshot: HostSnapshot;
  private readonly seen = new Set<string>();

  constructor(
    private readonly inner: Host,
    description = inner.description,
  ) {
    this.description = inner.description;
    this.snapshot = emptySnapshot(description);
  }

  private async record<T>(
    op: () => Promise<T>,
    store: (entry: { ok: T } | { error: { error: string; message?: string } }) => void,
  ): Promise<T> {
    try {
      const value = await op();
      store({ ok: value });
      return value;
    } catch (error) {
      // A timeout or an abort says nothing about the machine; do not freeze it into the snapshot.
      if (!(error instanceof HostError && error.code === 'ABORTED'))
        store({ error: errorEntry(error) });
      throw error;
    }
  }

  readFile(path: string, options?: { maxBytes?: number }): Promise<Uint8Array> {
    return this.record(
      () => this.inner.readFile(path, options),
      (r) => (this.snapshot.files[path] = 'ok' in r ? encodeFile(r.ok) : r.error),
    );
  }

  readDir(path: string): Promise<string[]> {
    return this.record(
      () => this.inner.readDir(path),
      (r) => (this.snapshot.dirs[path] = 'ok' in r ? { entries: r.ok } : r.error),
    );
  }

  /** Ends the recorded host's own connection, if it holds one. */
  close(): Promise<void> {
    return this.inner.close();
  }

  readLink(path: string): Promise<string> {
    return this.record(
      () => this.inner.readLink(path),
      (r) => (this.snapshot.links[path] = 'ok' in r ? { target: r.ok } : r.error),
    );
  }

  stat(path: string): Promise<StatResult> {
    return this.record(
      () => this.inner.stat(path),
      (r) => (this.snapshot.stats[path] = 'ok' in r ? r.ok : r.error),
    );
  }

  run(argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    const key = argvKey(argv);
    return this.record(
      () => this.inner.run(argv, options),
      (r) => {
        if (this.seen.has(key)) return;
        this.seen.add(key);
        this.snapshot.commands.push(
          'ok' in r ? { argv: [...argv], ...r.ok } : { argv: [...argv], ...r.error },
        );
      },
    );
  }
}
