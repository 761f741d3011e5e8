// The root helper's main loop: one request line in on stdin, events out on stdout, one per line.
// Anything malformed ends it with an error event, exit code 2 and no change to the machine.
import { errorMessage } from '../../shared/model/errors';
import type { ExecHost } from './exec-host';
import { LocalExecHost } from './exec-host';
import type { Verb } from '../../shared/ops/verbs';
import { handleRequest } from './handle-request';
import { EXIT, MAX_REQUEST_BYTES, parseRequestLine } from '../../shared/ops/helper-protocol';
import type { HelperErrorCode, HelperEvent } from '../../shared/ops/helper-protocol';

export interface HelperOptions {
  input: AsyncIterable<Uint8Array | string> | Iterable<string>;
  write: (line: string) => void;
  host: ExecHost;
  journalDir?: string;
  /** Whether this process runs as root; the real entry passes geteuid() === 0. */
  isRoot: boolean;
  timeoutsMs?: Partial<Record<Verb, number>>;
}

/** Where the helper looks for tools: the system's own directories, never the caller's PATH. */
export const HELPER_PATH_ENV =
  '/run/wrappers/bin:/run/current-system/sw/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Splits the stream into lines; the first line must arrive within the size cap. */
async function* lines(
  input: AsyncIterable<Uint8Array | string> | Iterable<string>,
  max: number,
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending = '';
  let first = true;
  for await (const chunk of input) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (first && pending.length > max && !pending.slice(0, max + 1).includes('\n'))
      throw new RequestTooLarge();
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (first && Buffer.byteLength(line) > max) throw new RequestTooLarge();
      first = false;
      yield line;
    }
    // Later lines are only `cancel`: anything long there is noise, not a request.
    if (!first && pending.length > 4096) pending = '';
  }
  if (pending.trim() !== '') yield pending;
}

class RequestTooLarge extends Error {}

export async function runHelper(options: HelperOptions): Promise<number> {
  const send = (event: HelperEvent) => {
    try {
      options.write(JSON.stringify(event) + '\n');
    } catch {
      // The app went away; the journal still records everything.
    }
  };
  const refuse = (code: HelperErrorCode, message: string, exit: number = EXIT.refused) => {
    send({ type: 'error', code, message: `${message} Nothing was changed.` });
    return exit;
  };
  if (!options.isRoot)
    return refuse(
      'not-root',
      'The Cohabit helper must run as root (through pkexec or sudo).',
      EXIT.notRoot,
    );

  const controller = new AbortController();
  const reader = lines(options.input, MAX_REQUEST_BYTES);
  let firstLine: string | undefined;
  try {
    const next = await reader.next();
    firstLine = next.done ? undefined : next.value;
  } catch (error) {
    if (error instanceof RequestTooLarge)
      return refuse(
        'too-large',
        `The request is larger than ${MAX_REQUEST_BYTES / 1024 / 1024} MiB.`,
      );
    return refuse('bad-input', `The request could not be read: ${errorMessage(error)}.`);
  }
  if (firstLine === undefined) return refuse('no-request', 'No request arrived on standard input.');
  const parsed = parseRequestLine(firstLine);
  if (!parsed.ok) return refuse(parsed.refusal.code, parsed.refusal.message);
  const request = parsed.request;
  // Later lines may only ask to cancel; reading them must not block the apply.
  void (async () => {
    try {
      for await (const line of reader) {
        try {
          if ((JSON.parse(line) as { type?: unknown }).type === 'cancel') controller.abort();
        } catch {
          // Not a cancel: ignored, the request is already running.
        }
      }
    } catch {
      // stdin closed badly: the apply carries on, as it would if the app had crashed.
    }
  })();

  return handleRequest(request, options.host, send, {
    signal: controller.signal,
    ...(options.journalDir ? { journalDir: options.journalDir } : {}),
    ...(options.timeoutsMs ? { timeoutsMs: options.timeoutsMs } : {}),
  });
}

/** The installed helper: root only, this machine, the system's PATH. */
export async function helperMain(): Promise<number> {
  process.env.PATH = HELPER_PATH_ENV;
  process.umask(0o022);
  const code = await runHelper({
    input: process.stdin,
    write: (line) => process.stdout.write(line),
    host: new LocalExecHost(),
    isRoot: process.geteuid?.() === 0,
  });
  // Let stdout drain before the exit code is set.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  return code;
}
