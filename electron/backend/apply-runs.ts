// Apply and recovery runs behind the api contract: one run at a time, its events sent as they come,
// each going where run-target.ts sends it (this machine's helper, a remote machine over SSH, or a
// recorded machine's walk-through).
import { randomBytes } from 'node:crypto';
import type {
  ApplyOutcome,
  ApplyProgress,
  EventChannel,
  EventPayload,
} from '../../shared/api/contract';
import { errorMessage } from '../../shared/model/errors';
import type { HelperEvent, Request } from '../../shared/ops/helper-protocol';
import { formatSshUrl } from '../host/ssh-host';
import { SshHost } from '../host/ssh-host';
import { SshExecHost } from '../host/ssh-exec-host';
import type { HelperOutcome } from '../helper/elevate';
import { BackendError } from './backend-error';
import type { StoredPlan } from './plan-store';
import {
  listUnfinishedLocal,
  realLocalEnvironment,
  recordedRefusal,
  runOnTarget,
} from './run-target';
import type { RunEnvironment, RunTarget, UnfinishedAnswer } from './run-target';

export { JOURNAL_UNREADABLE_NOTE, listUnfinishedLocal, realLocalEnvironment } from './run-target';
export type { LocalApplyEnvironment, RunTarget, UnfinishedAnswer } from './run-target';

type Emit = <E extends EventChannel>(channel: E, payload: EventPayload<E>) => void;

export type ApplyRunsOptions = RunEnvironment;

export interface ApplyRuns {
  start(target: RunTarget, stored: StoredPlan, dryRun: boolean): { applyId: string };
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

/** The outcome the renderer sees: the helper's, without what only the CLI uses. */
export function outcomeOf(o: HelperOutcome): ApplyOutcome {
  return { kind: o.kind, message: o.message, result: o.result, recoverPlanId: o.recoverPlanId };
}

// Long because the methods are closures over the one current run they start, cancel and wait for.
export function createApplyRuns(emit: Emit, options: ApplyRunsOptions = {}): ApplyRuns {
  const env: RunEnvironment = { ...options };
  const local = () => (env.local ??= realLocalEnvironment());
  let current: { id: string; controller: AbortController; ended: Promise<void> } | null = null;

  function launch(target: RunTarget, request: Request): { applyId: string } {
    if (current !== null)
      throw new BackendError(
        'apply-busy',
        'Another apply is still running; wait for it to end (or cancel it) first.',
      );
    const applyId = randomBytes(8).toString('hex');
    const controller = new AbortController();
    // error, result and unfinished end the run: the outcome carries them.
    const onEvent = (event: HelperEvent) => {
      if (event.type === 'error' || event.type === 'result' || event.type === 'unfinished') return;
      emit('apply:event', { applyId, event: event satisfies ApplyProgress });
    };
    // Started on the next turn, so the caller has its id before the first event arrives.
    const ended = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => runOnTarget(target, request, env, { onEvent, signal: controller.signal }))
      .then(outcomeOf)
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

  return {
    start(target, stored, dryRun) {
      if (stored.plan.steps.length === 0)
        throw new BackendError(
          'nothing-to-apply',
          'This plan has no steps: the machine already matches the layout, or the layout has an error to fix first.',
        );
      if (target.kind === 'recorded' && !dryRun) throw recordedRefusal(target.description, 'apply');
      // The hash is the one the plan was kept under, as the user saw it; the helper checks it.
      return launch(target, { type: 'apply', plan: stored.plan, sha256: stored.sha256, dryRun });
    },
    recover(target, planId, mode) {
      if (target.kind === 'recorded') throw recordedRefusal(target.description, 'recover');
      return launch(target, { type: 'recover', planId, mode });
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
      if (target.kind === 'ssh') {
        // Without root, as on this machine: the journal if the login can read it, else the markers.
        const remote = target.target;
        try {
          const ssh = await SshHost.connect(remote, { ...env.ssh, root: false });
          try {
            return await listUnfinishedLocal(new SshExecHost(ssh));
          } finally {
            await ssh.close();
          }
        } catch (error) {
          return {
            plans: [],
            checked: false,
            note: `Could not look for an unfinished apply on ${formatSshUrl(remote)}: ${errorMessage(error)}`,
          };
        }
      }
      return local().listUnfinished();
    },
    busy: () => current !== null,
  };
}
