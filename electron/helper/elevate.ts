// Starting the root helper from the unprivileged app or CLI: pkexec under our polkit action, sudo
// from a terminal without a polkit agent, or the executor in-process when already root.
import { spawn } from 'node:child_process';
import * as v from 'valibot';
import { errorMessage } from '../../shared/model/errors';
import { LocalExecHost } from './exec-host';
import type { ExecHost } from './exec-host';
import { handleRequest } from './handle-request';
import { EventSchema, parseHelperRequest } from '../../shared/ops/helper-protocol';
import type { ApplyOutcome, HelperEvent, Request } from '../../shared/ops/helper-protocol';

import { locateHelper } from './helper-location';

export type ElevationMode = 'in-process' | 'pkexec' | 'sudo';

/**
 * In-process when already root. sudo when there is no graphical session (no DISPLAY and no
 * WAYLAND_DISPLAY) and stdin is a terminal: there is no polkit agent to show a dialog, and sudo
 * asks on the terminal. Otherwise pkexec, whose agent is part of every desktop session.
 */
export function chooseElevation(facts: {
  euid: number;
  env: Record<string, string | undefined>;
  stdinIsTty: boolean;
}): ElevationMode {
  if (facts.euid === 0) return 'in-process';
  const graphical = Boolean(facts.env.DISPLAY) || Boolean(facts.env.WAYLAND_DISPLAY);
  return !graphical && facts.stdinIsTty ? 'sudo' : 'pkexec';
}

/** helperPath: the installed helper, which the polkit action is bound to (helper-location.ts). */
export function helperArgv(mode: 'pkexec' | 'sudo', helperPath: string): string[] {
  return mode === 'pkexec'
    ? ['pkexec', '--disable-internal-agent', helperPath]
    : ['sudo', '--', helperPath];
}

/** The outcome the app and the CLI show, plus what only the CLI uses. */
export interface HelperOutcome extends ApplyOutcome {
  exitCode: number | null;
  unfinished?: HelperEvent & { type: 'unfinished' };
}

export interface ElevateOptions {
  mode: ElevationMode;
  helperPath?: string;
  /** The environment the pkexec or sudo child gets (tests put fake ones first on PATH). */
  env?: Record<string, string | undefined>;
  onEvent?: (event: HelperEvent) => void;
  signal?: AbortSignal;
  /** In-process mode only. */
  host?: ExecHost;
  journalDir?: string;
}

/** Runs one request through the helper and says what became of it, whatever happened. */
export async function runRequest(
  request: Request,
  options: ElevateOptions,
): Promise<HelperOutcome> {
  if (options.mode === 'in-process') return runInProcess(request, options);
  const mode = options.mode;
  const helper = options.helperPath === undefined ? locateHelper() : { path: options.helperPath };
  // Without one, pkexec would answer 127 ("not authorised") and sudo "command not found".
  if ('problem' in helper)
    return {
      kind: 'exited-early',
      message: helper.problem,
      result: null,
      recoverPlanId: null,
      exitCode: null,
    };
  const argv = helperArgv(mode, helper.path);
  const emit = options.onEvent ?? (() => undefined);
  return new Promise((resolve) => {
    const [file = '', ...args] = argv;
    const child = spawn(file, args, {
      shell: false,
      env: options.env ?? process.env,
      // sudo asks for the password on the terminal, so its stderr stays the user's.
      stdio: ['pipe', 'pipe', options.mode === 'sudo' ? 'inherit' : 'pipe'],
    });
    const { stdin, stdout } = child;
    if (stdin === null || stdout === null) throw new Error('spawn gave no pipes');
    const events: HelperEvent[] = [];
    const stderr: string[] = [];
    let buffer = '';
    let protocolError: string | null = null;
    stdout.setEncoding('utf8');
    stdout.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim() === '') continue;
        let parsed: v.SafeParseResult<typeof EventSchema> | null = null;
        try {
          parsed = v.safeParse(EventSchema, JSON.parse(line));
        } catch {
          parsed = null;
        }
        if (parsed?.success) {
          events.push(parsed.output);
          emit(parsed.output);
        } else
          protocolError ??= `the helper wrote something that is not an event: ${line.slice(0, 200)}`;
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr.push(chunk);
      if (stderr.length > 50) stderr.shift();
    });
    const onAbort = () => stdin.write(JSON.stringify({ type: 'cancel' }) + '\n');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    stdin.on('error', () => undefined);
    child.on('error', (error) => {
      options.signal?.removeEventListener('abort', onAbort);
      resolve({
        kind: 'exited-early',
        message: `Could not start ${file}: ${errorMessage(error)}. Nothing was changed.`,
        result: null,
        recoverPlanId: null,
        exitCode: null,
      });
    });
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      resolve(classify(events, code, signal, stderr.join('').trim(), protocolError, mode));
    });
    stdin.write(JSON.stringify(request) + '\n');
  });
}

function classify(
  events: HelperEvent[],
  code: number | null,
  signal: NodeJS.Signals | null,
  stderr: string,
  protocolError: string | null,
  mode: ElevationMode,
): HelperOutcome {
  const base = { exitCode: code, recoverPlanId: null, result: null } as const;
  const result = events.find((e): e is HelperEvent & { type: 'result' } => e.type === 'result');
  if (result)
    return { ...base, kind: 'finished', message: result.result.message, result: result.result };
  const unfinished = events.find(
    (e): e is HelperEvent & { type: 'unfinished' } => e.type === 'unfinished',
  );
  if (unfinished) return { ...base, kind: 'finished', message: '', unfinished };
  const error = events.find((e): e is HelperEvent & { type: 'error' } => e.type === 'error');
  const started = events.find(
    (e): e is HelperEvent & { type: 'plan-started' } => e.type === 'plan-started',
  );
  // The helper itself failed after the plan started: the journal holds what ran.
  if (error?.code === 'internal' && started && !started.dryRun)
    return {
      ...base,
      kind: 'stopped-mid-step',
      recoverPlanId: started.planId,
      message: error.message,
    };
  if (error) return { ...base, kind: 'refused-input', message: error.message };
  if (events.length === 0 && mode === 'pkexec' && code === 126)
    return {
      ...base,
      kind: 'dismissed',
      message: 'You dismissed the authentication dialog; nothing was changed.',
    };
  if (events.length === 0 && mode === 'pkexec' && code === 127)
    return {
      ...base,
      kind: 'not-authorised',
      message: 'You are not authorised to apply changes (polkit refused); nothing was changed.',
    };
  // sudo(8), EXIT VALUE: an authentication failure (three wrong passwords), a user sudoers does not
  // allow, and a command it cannot run all exit 1: which one it was is only in sudo's own words.
  if (events.length === 0 && mode === 'sudo' && code === 1)
    return {
      ...base,
      kind: 'not-authorised',
      message: 'sudo refused or the password was wrong; nothing was changed.',
    };
  const how = signal !== null ? `was killed (${signal})` : `exited with code ${code ?? '?'}`;
  if (started && !started.dryRun) {
    const lastStarted = [...events].reverse().find((e) => e.type === 'step-started');
    const where =
      lastStarted?.type === 'step-started'
        ? ` during step ${lastStarted.step} (${lastStarted.title})`
        : '';
    return {
      ...base,
      kind: 'stopped-mid-step',
      recoverPlanId: started.planId,
      message: `The helper ${how}${where}. The journal records every step it ran; finish the rollback (or resume) with \`cohabit recover ${started.planId}\` or the recovery offer at the next start.`,
    };
  }
  const detail = protocolError ?? (stderr === '' ? '' : stderr.split('\n').slice(-3).join(' / '));
  return {
    ...base,
    kind: 'exited-early',
    message: `The helper ${how} before applying anything${detail ? `: ${detail}` : ''}. Nothing was changed.`,
  };
}

/**
 * Already root (or root over SSH): the same router as the helper binary, in this process. The
 * request is parsed here as the binary parses its stdin: this is where it crosses into root.
 */
async function runInProcess(request: Request, options: ElevateOptions): Promise<HelperOutcome> {
  const events: HelperEvent[] = [];
  const emit = (event: HelperEvent) => {
    events.push(event);
    options.onEvent?.(event);
  };
  const parsed = parseHelperRequest(request);
  if (!parsed.ok) {
    emit({
      type: 'error',
      code: parsed.refusal.code,
      message: `${parsed.refusal.message} Nothing was changed.`,
    });
    return classify(events, 2, null, '', null, 'in-process');
  }
  const code = await handleRequest(parsed.request, options.host ?? new LocalExecHost(), emit, {
    ...(options.journalDir ? { journalDir: options.journalDir } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return classify(events, code, null, '', null, 'in-process');
}
