// Where a run goes, chosen one way for the app and the CLI: this machine (the root helper through
// pkexec or sudo, or in-process when root; dry runs in-process without root), a remote machine
// (the executor here over SSH, root there), or a recorded machine (the demo's walk-through, which
// runs nothing).
import { randomBytes } from 'node:crypto';
import { access, constants } from 'node:fs/promises';
import type { ApplyProgress, ApplyResult, CallResponse } from '../../shared/api/contract';
import { errorMessage } from '../../shared/model/errors';
import type { Plan } from '../../shared/model/plan';
import type { HelperEvent, Request } from '../../shared/ops/helper-protocol';
import { HostError } from '../host/host';
import type { Host } from '../host/host';
import { SshHost } from '../host/ssh-host';
import type { SshHostOptions, SshTarget } from '../host/ssh-host';
import { SshExecHost } from '../host/ssh-exec-host';
import { chooseElevation, runRequest } from '../helper/elevate';
import { locateHelper } from '../helper/helper-location';
import type { HelperOutcome } from '../helper/elevate';
import { LocalExecHost } from '../helper/exec-host';
import type { ExecHost } from '../helper/exec-host';
import { DEFAULT_JOURNAL_DIR, findUnfinished } from '../helper/journal';
import { findUnfinishedMarkers } from '../helper/unfinished-markers';
import { BackendError } from './backend-error';

export type UnfinishedAnswer = CallResponse<'apply:unfinished'>;

/** The machine a run goes to: this one, a remote one over SSH, or a recording that nothing can change. */
export type RunTarget =
  | { kind: 'local' }
  | { kind: 'ssh'; target: SshTarget }
  | { kind: 'recorded'; description: string };

/** Where runs on this machine go; tests put fakes here, the app and the CLI the real helper. */
export interface LocalApplyEnvironment {
  /** A real apply, a recovery or a listing, as root: pkexec, sudo or in-process (elevate.ts decides). */
  runElevated(
    request: Request,
    options: { onEvent: (event: HelperEvent) => void; signal?: AbortSignal },
  ): Promise<HelperOutcome>;
  /** The host a dry run checks preconditions against; unprivileged, it changes nothing. */
  dryRunHost(): ExecHost;
  /** Unfinished plans, from the journal or its world-readable markers, without a password. */
  listUnfinished(): Promise<UnfinishedAnswer>;
}
import type { AppLog } from '../log/app-log';
import { applyLogger } from '../log/apply-log';

export interface RunEnvironment {
  local?: LocalApplyEnvironment;
  /** How remote machines are reached (tests give a key and a known_hosts); root is chosen per run. */
  ssh?: Omit<SshHostOptions, 'root'>;
  /** Pause between the steps of a recorded machine's walk-through, so its progress can be followed. */
  simulatedStepMs?: number;
  /** The user's log: each run's steps, times and failures (electron/log/apply-log.ts). */
  log?: AppLog | null;
}

export const JOURNAL_UNREADABLE_NOTE =
  'Neither the apply journal in /var/lib/cohabit (root only) nor its markers of unfinished plans could be read, so Cohabit could not look for an unfinished apply without asking for your password. `sudo cohabit recover` lists them.';

/**
 * Unfinished plans without a password: the journal when it is readable (root), otherwise the
 * world-readable markers the helper keeps beside it.
 */
export async function listUnfinishedLocal(
  host: Host,
  journalDir = DEFAULT_JOURNAL_DIR,
): Promise<UnfinishedAnswer> {
  try {
    return { plans: await findUnfinished(host, journalDir), checked: true, note: null };
  } catch (error) {
    if (!(error instanceof HostError && error.code === 'EACCES'))
      return {
        plans: [],
        checked: false,
        note: `Could not read the apply journal: ${errorMessage(error)}`,
      };
  }
  try {
    return { plans: await findUnfinishedMarkers(host, journalDir), checked: true, note: null };
  } catch (error) {
    if (error instanceof HostError && error.code === 'EACCES')
      return { plans: [], checked: false, note: JOURNAL_UNREADABLE_NOTE };
    return {
      plans: [],
      checked: false,
      note: `Could not read the markers of unfinished plans: ${errorMessage(error)}`,
    };
  }
}

export function realLocalEnvironment(options: { journalDir?: string } = {}): LocalApplyEnvironment {
  const euid = process.geteuid?.() ?? 1000;
  return {
    async runElevated(request, { onEvent, signal }) {
      const mode = chooseElevation({ euid, env: process.env, stdinIsTty: process.stdin.isTTY });
      // pkexec answers 127 for a program that is not there, which would read as "not authorised".
      if (mode !== 'in-process') {
        const helper = locateHelper();
        const installed =
          'path' in helper &&
          (await access(helper.path, constants.X_OK).then(
            () => true,
            () => false,
          ));
        if (!installed)
          return {
            kind: 'exited-early',
            message:
              'problem' in helper
                ? helper.problem
                : `The root helper is missing from ${helper.path} (a damaged install?), so nothing can be applied; nothing was changed. Reinstall Cohabit, or run \`sudo cohabit apply\` from a terminal.`,
            result: null,
            recoverPlanId: null,
            exitCode: null,
          };
      }
      return runRequest(request, { mode, onEvent, ...(signal ? { signal } : {}) });
    },
    dryRunHost: () => new LocalExecHost(),
    listUnfinished: () => listUnfinishedLocal(new LocalExecHost(), options.journalDir),
  };
}

export function recordedRefusal(description: string, what: string): BackendError {
  return new BackendError(
    'recorded-machine',
    `${description} is a recorded machine: there is nothing to ${what} on it. A dry run walks through the steps; to apply, run Cohabit on the machine itself.`,
  );
}

/** One connection per run, closed when it ends: root (a root login or `sudo -n`) only when asked. */
async function onRemote<T>(
  target: SshTarget,
  ssh: Omit<SshHostOptions, 'root'> | undefined,
  root: boolean,
  work: (exec: SshExecHost) => Promise<T>,
): Promise<T> {
  const host = await SshHost.connect(target, { ...ssh, root });
  try {
    return await work(new SshExecHost(host));
  } finally {
    await host.close();
  }
}

/**
 * Runs one request on the target and says what became of it. A dry run never asks for root: it
 * checks preconditions in-process, unprivileged (some facts may then be unreadable). Events come
 * as the helper sends them, the final `result`, `unfinished` or `error` included. The run's steps,
 * times and failures go to the user's log when the environment has one (app and CLI alike).
 */
export async function runOnTarget(
  target: RunTarget,
  request: Request,
  env: RunEnvironment,
  options: { onEvent: (event: HelperEvent) => void; signal?: AbortSignal },
): Promise<HelperOutcome> {
  const logged = applyLogger(env.log ?? null, randomBytes(4).toString('hex'), request, target.kind);
  const onEvent = (event: HelperEvent) => {
    logged.event(event);
    options.onEvent(event);
  };
  try {
    const outcome = await runUnlogged(target, request, env, { ...options, onEvent });
    logged.outcome(outcome);
    return outcome;
  } catch (error) {
    logged.threw(error);
    throw error;
  }
}

async function runUnlogged(
  target: RunTarget,
  request: Request,
  env: RunEnvironment,
  options: { onEvent: (event: HelperEvent) => void; signal?: AbortSignal },
): Promise<HelperOutcome> {
  const dryRun = request.type === 'apply' && request.dryRun;
  if (target.kind === 'recorded') {
    if (!dryRun) throw recordedRefusal(target.description, request.type);
    const plan = request.plan;
    return walkRecorded(plan, target.description, options, env.simulatedStepMs ?? 90);
  }
  if (target.kind === 'ssh')
    return onRemote(target.target, env.ssh, !dryRun, (exec) =>
      runRequest(request, { ...options, mode: 'in-process', host: exec }),
    );
  const local = env.local ?? realLocalEnvironment();
  if (dryRun)
    return runRequest(request, { ...options, mode: 'in-process', host: local.dryRunHost() });
  return local.runElevated(request, options);
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A recorded machine's dry run: the same events as the executor's, step by step, each saying that
 * nothing ran. Preconditions are not checked: a recording cannot answer every question they ask.
 */
async function walkRecorded(
  plan: Plan,
  machine: string,
  options: { onEvent: (e: ApplyProgress) => void; signal?: AbortSignal },
  stepMs: number,
): Promise<HelperOutcome> {
  const { onEvent, signal } = options;
  const nothingRan = `Nothing ran: ${machine} is a recorded machine, with no real host to check against.`;
  onEvent({
    type: 'plan-started',
    planId: plan.id,
    dryRun: true,
    steps: plan.steps.map((s) => ({ id: s.id, title: s.title, risk: s.risk })),
  });
  let walked = 0;
  for (const [index, step] of plan.steps.entries()) {
    if (signal?.aborted) break;
    onEvent({
      type: 'step-started',
      step: step.id,
      index,
      total: plan.steps.length,
      title: step.title,
    });
    // The pause stands for the step's run time, so the walk reads like an apply.
    if (stepMs > 0) await pause(stepMs);
    const would =
      step.preview.kind === 'command'
        ? step.preview.argv.length > 0
          ? `would run: ${step.preview.shell}`
          : 'would run no command'
        : `would write ${step.preview.path}`;
    onEvent({
      type: 'output',
      step: step.id,
      stream: 'stdout',
      line: `${nothingRan} This step ${would}`,
    });
    onEvent({ type: 'step-finished', step: step.id, ok: true, failure: null });
    walked++;
  }
  const cancelled = walked < plan.steps.length;
  const result: ApplyResult = {
    status: 'dry-run',
    planId: plan.id,
    message: cancelled
      ? `Dry run cancelled after ${walked} of ${plan.steps.length} steps. Nothing ran: ${machine} is a recorded machine.`
      : `Dry run on ${machine}: nothing ran, because it is a recorded machine with no real host to check against (its preconditions were not checked either). On the machine itself these ${plan.steps.length} steps would run in this order.`,
    cancelled,
    failedStep: null,
    failure: null,
    problems: [],
    undone: [],
    notUndone: [],
  };
  onEvent({ type: 'plan-finished', result });
  return { kind: 'finished', message: result.message, result, recoverPlanId: null, exitCode: 0 };
}
