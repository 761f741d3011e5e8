// What every inventory reader shares: the host, and the rule that a failed read becomes a
// Diagnostic in plain words (never a crash, never a silent empty value).
import type { Diagnostic } from '../../shared/model/diagnostic';
import { diagnostic } from '../../shared/model/diagnostic';
import { ParseError, errorMessage } from '../../shared/model/errors';
import { HostError, describeArgv, readText } from '../host/host';
import type { Host } from '../host/host';
import { TOOL_TIMEOUT_MS } from './commands';

export interface ReadOptions {
  /** A missing file is normal here (e.g. boot_vga on a non-VGA device): no diagnostic for ENOENT. */
  optional?: boolean;
  /** The code and subject to report under, when the read fails. */
  code?: string;
  subject?: string;
}

export class ReadContext {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly host: Host,
    readonly signal?: AbortSignal,
  ) {}

  report(d: Diagnostic): void {
    this.diagnostics.push(d);
  }

  /** Records why a read failed; ENOENT on an optional read is not worth a word. */
  private failed(error: unknown, target: string, options: ReadOptions): void {
    if (error instanceof HostError) {
      if (options.optional && error.code === 'ENOENT') return;
      const base = options.code ?? 'read';
      const subject = options.subject !== undefined ? { subject: options.subject } : {};
      switch (error.code) {
        case 'ENOENT':
          this.report(
            diagnostic(
              `${base}.missing`,
              'warning',
              `${target} does not exist on ${this.host.description}.`,
              { source: target, ...subject },
            ),
          );
          return;
        case 'EACCES':
          this.report(
            diagnostic(
              `${base}.permission`,
              'warning',
              `No permission to read ${target}; Cohabit reads the inventory without root.`,
              {
                source: target,
                fix: 'The fact is left out. Run `cohabit inventory` as root to include it.',
                ...subject,
              },
            ),
          );
          return;
        case 'NOT_RECORDED':
          this.report(
            diagnostic(`${base}.not-recorded`, 'error', error.message, {
              source: target,
              ...subject,
            }),
          );
          return;
        default:
          this.report(
            diagnostic(`${base}.failed`, 'warning', `Could not read ${target}: ${error.message}`, {
              source: target,
              ...subject,
            }),
          );
          return;
      }
    }
    this.report(
      diagnostic(
        `${options.code ?? 'read'}.failed`,
        'warning',
        `Could not read ${target}: ${errorMessage(error)}`,
        { source: target },
      ),
    );
  }

  async text(path: string, options: ReadOptions = {}): Promise<string | null> {
    try {
      return await readText(this.host, path);
    } catch (error) {
      this.failed(error, path, options);
      return null;
    }
  }

  async bytes(path: string, options: ReadOptions = {}): Promise<Uint8Array | null> {
    try {
      return await this.host.readFile(path);
    } catch (error) {
      this.failed(error, path, options);
      return null;
    }
  }

  /** A one-line sysfs attribute, trimmed. */
  async attr(path: string, options: ReadOptions = { optional: true }): Promise<string | null> {
    const text = await this.text(path, options);
    return text === null ? null : text.trim();
  }

  async dir(path: string, options: ReadOptions = {}): Promise<string[] | null> {
    try {
      return await this.host.readDir(path);
    } catch (error) {
      this.failed(error, path, options);
      return null;
    }
  }

  async link(path: string, options: ReadOptions = { optional: true }): Promise<string | null> {
    try {
      return await this.host.readLink(path);
    } catch (error) {
      this.failed(error, path, options);
      return null;
    }
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.host.stat(path);
      return true;
    } catch (error) {
      if (error instanceof HostError && error.code === 'ENOENT') return false;
      this.failed(error, path, {});
      return false;
    }
  }

  /**
   * Runs a read-only tool. A missing tool, a timeout or a non-zero exit is a diagnostic and gives
   * null; `missingTool` says what the user loses without it.
   */
  async run(
    argv: readonly string[],
    options: {
      code: string;
      missingTool: string;
      timeoutMs?: number;
      severity?: 'info' | 'warning';
    },
  ): Promise<string | null> {
    const target = describeArgv(argv);
    try {
      const result = await this.host.run(argv, {
        timeoutMs: options.timeoutMs ?? TOOL_TIMEOUT_MS,
        ...(this.signal ? { signal: this.signal } : {}),
      });
      if (result.exitCode !== 0) {
        const stderr = result.stderr.trim().split('\n').slice(-2).join(' ');
        this.report(
          diagnostic(
            `${options.code}.exit`,
            'warning',
            `${target} exited with status ${result.exitCode}${stderr ? `: ${stderr}` : ''}.`,
            {
              source: target,
            },
          ),
        );
        return null;
      }
      return result.stdout;
    } catch (error) {
      if (error instanceof HostError && error.code === 'ENOENT') {
        this.report(
          diagnostic(
            `${options.code}.missing-tool`,
            options.severity ?? 'info',
            `${argv[0] ?? ''} is not installed: ${options.missingTool}`,
            {
              source: target,
            },
          ),
        );
      } else if (error instanceof HostError && error.code === 'TIMEOUT') {
        this.report(
          diagnostic(
            `${options.code}.timeout`,
            'warning',
            `${target} did not answer in time and was stopped.`,
            { source: target },
          ),
        );
      } else {
        this.failed(error, target, { code: options.code });
      }
      return null;
    }
  }

  /** Runs a parser; a ParseError becomes a diagnostic naming the source, and gives null. */
  parse<T>(source: string, code: string, parse: () => T): T | null {
    try {
      return parse();
    } catch (error) {
      if (error instanceof ParseError) {
        this.report(
          diagnostic(
            `${code}.malformed`,
            'warning',
            `Could not understand ${source}: ${error.message}`,
            { source },
          ),
        );
        return null;
      }
      throw error;
    }
  }
}

/** The last path component. */
export function baseName(path: string): string {
  const parts = path.split('/').filter(Boolean);
  return parts[parts.length - 1] ?? '';
}

const PCI_IN_PATH = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/;
/** PCI addresses along a sysfs device path, outermost first. */
export function pciAddressesInPath(path: string): string[] {
  return path.split('/').filter((part) => PCI_IN_PATH.test(part));
}
