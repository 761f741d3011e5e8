// Apply and recovery runs behind the api contract: one run at a time, its events sent as they come,
// on this machine through the root helper, on a remote one with the executor here over SSH, on a
// recorded machine as a walk-through that runs nothing.
import { access, constants } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type {
  ApplyOutcome,
  ApplyProgress,
  ApplyResult,
  CallResponse,
  EventChannel,
  EventPayload,
} from '../../shared/api/contract';
import { errorMessage } from '../../shared/model/errors';
import type { Plan } from '../../shared/model/plan';
import { HostError } from '../host/host';
import type { Host } from '../host/host';
import { SshHost, formatSshUrl } from '../host/ssh-host';
import type { SshHostOptions, SshTarget } from '../host/ssh-host';
import { SshExecHost } from '../helper/ssh-exec-host';
import { chooseElevation, runRequest } from '../helper/elevate';
import { locateHelper } from '../helper/helper-location';
import type { HelperOutcome } from '../helper/elevate';
import { LocalExecHost } from '../helper/exec-host';
import type { ExecHost } from '../helper/exec-host';
import { applyPlan, planSha256 } from '../helper/executor';
import { DEFAULT_JOURNAL_DIR, findUnfinished } from '../helper/journal';
import { findUnfinishedMarkers } from '../helper/unfinished-markers';
import type { HelperEvent, Request } from '../../shared/ops/helper-protocol';
import { BackendError } from './backend-error';

export type UnfinishedAnswer = CallResponse<'apply:unfinished'>;

/** Where runs on this machine go; tests put fakes here, the app the real helper. */
export interface LocalApplyEnvironment {
  /** A real apply or a recovery, as root: pkexec, sudo or in-process (elevate.ts decides). */
  runElevated(
    request: Exclude<Request, { type: 'list-unfinished' }>,
    options: { onEvent: (event: HelperEvent) => void; signal: AbortSignal },
  ): Promise<HelperOutcome>;
  /** The host a dry run checks preconditions against; unprivileged, it changes nothing. */
  dryRunHost(): ExecHost;
  /** Unfinished plans, from the journal or its world-readable markers, without a password. */
  listUnfinished(): Promise<UnfinishedAnswer>;
}

export const JOURNAL_UNREADABLE_NOTE =
  'Neither the apply journal in /var/lib/cohabit (root only) nor its markers of unfinished plans could be read, so Cohabit could not look for an unfinished apply without asking for your password. `sudo cohabit recover` lists them.';

/**
 * Unfinished plans on this machine without a password: the journal when it is readable (root),
 * otherwise the world-readable markers the helper keeps beside it.
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
      const mode = chooseElevation({
        euid,
        env: process.env,
        stdinIsTty: process.stdin.isTTY,
      });
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
      return runRequest(request, { mode, onEvent, signal });
    },
    dryRunHost: () => new LocalExecHost(),
    listUnfinished: () => listUnfinishedLocal(new LocalExecHost(), options.journalDir),
  };
}

/** The machine a run goes to: this one, a remote one over SSH, or a recording that nothing can change. */
export type RunTarget =
  | { kind: 'local' }
  | { kind: 'ssh'; target: SshTarget }
  | { kind: 'recorded'; description: string };

type Emit = <E extends EventChannel>(channel: E, payload: EventPayload<E>) => void;

export interface ApplyRunsOptions {
  local?: LocalApplyEnvironment;
  /** Pause between the steps of a recorded machine's walk-through, so its progress can be followed. */
  simulatedStepMs?: number;
  /** How remote machines are reached (tests give a key and a known_hosts); root is chosen per run. */
  ssh?: Omit<SshHostOptions, 'root'>;
}

export interface ApplyRuns {
  start(target: RunTarget, plan: Plan, dryRun: boolean): { applyId: string };
  recover(target: RunTarget, planId: string, mode: 'rollback' | 'resume'): { applyId: string };
  cancel(applyId: string): { cancelling: boolean };
  unfinished(target: RunTarget): Promise<UnfinishedAnswer>;
  /** True while a run has not ended: the machine shown must not change under it. */
  busy(): boolean;
  /**
   * Cancels the run in progress, if any, and waits until it has ended: a cancelled apply rolls
   * back first. Quitting the app or stopping `serve` goes through here, so neither cuts an apply
   * off between a step and its undo.
   */
  stop(): Promise<void>;
}

function recordedRefusal(target: RunTarget & { kind: 'recorded' }, what: string): BackendError {
  return new BackendError(
    'recorded-machine',
    `${target.description} is a recorded machine: there is nothing to ${what} on it. A dry run walks through the steps; to apply, run Cohabit on the machine itself.`,
  );
}

export function createApplyRuns(emit: Emit, options: ApplyRunsOptions = {}): ApplyRuns {
  let local: LocalApplyEnvironment | null = options.local ?? null;
  const localEnv = () => (local ??= realLocalEnvironment());
  const stepMs = options.simulatedStepMs ?? 90;
  let current: { id: string; controller: AbortController; ended: Promise<void> } | null = null;

  // One connection per run, closed when it ends: root (a root login or `sudo -n`) only when asked.
  async function onRemote<T>(
    target: SshTarget,
    root: boolean,
    work: (exec: SshExecHost) => Promise<T>,
  ): Promise<T> {
    const ssh = await SshHost.connect(target, { ...options.ssh, root });
    try {
      return await work(new SshExecHost(ssh));
    } finally {
      await ssh.close();
    }
  }

  function launch(
    work: (onEvent: (e: ApplyProgress) => void, signal: AbortSignal) => Promise<ApplyOutcome>,
  ): {
    applyId: string;
  } {
    if (current !== null)
      throw new BackendError(
        'apply-busy',
        'Another apply is still running; wait for it to end (or cancel it) first.',
      );
    const applyId = randomBytes(8).toString('hex');
    const controller = new AbortController();
    const onEvent = (event: ApplyProgress) => emit('apply:event', { applyId, event });
    // Started on the next turn, so the caller has its id before the first event arrives.
    const ended = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => work(onEvent, controller.signal))
      .catch((error: unknown): ApplyOutcome => ({
        kind: 'exited-early',
        message: `The run stopped with an error before it could report: ${errorMessage(error)}`,
        result: null,
        recoverPlanId: null,
      }))
      .then((outcome) => {
        current = null;
        emit('apply:done', { applyId, outcome });
      })
      .catch(() => undefined);
    current = { id: applyId, controller, ended };
    return { applyId };
  }

  const forwardHelper =
    (onEvent: (e: ApplyProgress) => void) =>
    (event: HelperEvent): void => {
      // error, result and unfinished end the run: the outcome carries them.
      if (event.type === 'error' || event.type === 'result' || event.type === 'unfinished') return;
      onEvent(event);
    };

  return {
    start(target, plan, dryRun) {
      if (plan.steps.length === 0)
        throw new BackendError(
          'nothing-to-apply',
          'This plan has no steps: the machine already matches the layout, or the layout has an error to fix first.',
        );
      if (target.kind === 'recorded') {
        if (!dryRun) throw recordedRefusal(target, 'apply');
        return launch((onEvent, signal) =>
          walkRecorded(plan, target.description, onEvent, signal, stepMs),
        );
      }
      // The hash is taken of the plan as the user saw it; the helper refuses any other plan.
      const sha256 = planSha256(plan);
      if (target.kind === 'ssh') {
        const remote = target.target;
        return launch((onEvent, signal) =>
          // A dry run asks for no root, as on this machine; a real apply needs it remotely.
          onRemote(remote, !dryRun, async (exec) =>
            dryRun
              ? dryRunOutcome(
                  await applyPlan(plan, {
                    host: exec,
                    dryRun: true,
                    expectedSha256: sha256,
                    signal,
                    onEvent: (e) => onEvent(e),
                  }),
                )
              : outcomeOf(
                  await runRequest(
                    { type: 'apply', plan, sha256, dryRun: false },
                    { mode: 'in-process', host: exec, onEvent: forwardHelper(onEvent), signal },
                  ),
                ),
          ),
        );
      }
      if (dryRun)
        return launch(async (onEvent, signal) => {
          const result = await applyPlan(plan, {
            host: localEnv().dryRunHost(),
            dryRun: true,
            expectedSha256: sha256,
            signal,
            onEvent: (e) => onEvent(e),
          });
          return dryRunOutcome(result);
        });
      return launch(async (onEvent, signal) =>
        outcomeOf(
          await localEnv().runElevated(
            { type: 'apply', plan, sha256, dryRun: false },
            { onEvent: forwardHelper(onEvent), signal },
          ),
        ),
      );
    },
    recover(target, planId, mode) {
      if (target.kind === 'recorded') throw recordedRefusal(target, 'recover');
      if (target.kind === 'ssh') {
        const remote = target.target;
        return launch((onEvent, signal) =>
          onRemote(remote, true, async (exec) =>
            outcomeOf(
              await runRequest(
                { type: 'recover', planId, mode },
                { mode: 'in-process', host: exec, onEvent: forwardHelper(onEvent), signal },
              ),
            ),
          ),
        );
      }
      return launch(async (onEvent, signal) =>
        outcomeOf(
          await localEnv().runElevated(
            { type: 'recover', planId, mode },
            { onEvent: forwardHelper(onEvent), signal },
          ),
        ),
      );
    },
    cancel(applyId) {
      if (current === null || current.id !== applyId) return { cancelling: false };
      current.controller.abort();
      return { cancelling: true };
    },
    async stop() {
      const run = current;
      if (run === null) return;
      run.controller.abort();
      await run.ended;
    },
    async unfinished(target) {
      // A recording has no journal of its own: nothing was ever applied to it.
      if (target.kind === 'recorded') return { plans: [], checked: true, note: null };
      if (target.kind === 'ssh')
        // Without root, as on this machine: the journal if the login can read it, else the markers.
        return onRemote(target.target, false, (exec) => listUnfinishedLocal(exec)).catch(
          (error: unknown): UnfinishedAnswer => ({
            plans: [],
            checked: false,
            note: `Could not look for an unfinished apply on ${formatSshUrl(target.target)}: ${errorMessage(error)}`,
          }),
        );
      return localEnv().listUnfinished();
    },
    busy: () => current !== null,
  };
}

function dryRunOutcome(result: ApplyResult): ApplyOutcome {
  return outcomeOf({ kind: 'finished', message: result.message, result, recoverPlanId: null });
}

function outcomeOf(
  o: Pick<HelperOutcome, 'kind' | 'message' | 'result' | 'recoverPlanId'>,
): ApplyOutcome {
  return {
    kind: o.kind,
    message: o.message,
    result: o.result === null ? null : o.result,
    recoverPlanId: o.recoverPlanId,
  };
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A recorded machine's dry run: the same events as the executor's, step by step, each saying that
 * nothing ran. Preconditions are not checked: a recording cannot answer every question they ask.
 */
async function walkRecorded(
  plan: Plan,
  machine: string,
  onEvent: (e: ApplyProgress) => void,
  signal: AbortSignal,
  stepMs: number,
): Promise<ApplyOutcome> {
  const nothingRan = `Nothing ran: ${machine} is a recorded machine, with no real host to check against.`;
  onEvent({
    type: 'plan-started',
    planId: plan.id,
    dryRun: true,
    steps: plan.steps.map((s) => ({ id: s.id, title: s.title, risk: s.risk })),
  });
  let walked = 0;
  for (const [index, step] of plan.steps.entries()) {
    if (signal.aborted) break;
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
    onEvent({ type: 'step-finished', step: step.id, ok: true, error: null });
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
    problems: [],
    undone: [],
    notUndone: [],
  };
  onEvent({ type: 'plan-finished', result });
  return { kind: 'finished', message: result.message, result, recoverPlanId: null };
}
