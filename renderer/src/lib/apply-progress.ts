// An apply run as the Apply view shows it, folded from the backend's events: each step's state,
// the overall progress, the live log, what was rolled back, and how the run ended.
import type { ApplyOutcome, ApplyProgress } from '../../../shared/api/contract';
import type { Plan } from '../../../shared/model/plan';
import { visibleStrings, visibleText } from '../../../shared/model/visible-text';
import type { StepFailure } from '../../../shared/ops/step-failure';
import { failureHeadline } from '../../../shared/ops/step-failure';

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'undone' | 'not-undone';

export interface RunStep {
  id: string;
  title: string;
  risk: string;
  state: StepState;
  /** What the tool reported as a percentage, while the step runs. */
  percent: number | null;
  /** Why the step failed: the command, its exit code and stderr's last lines when it ran one. */
  failure: StepFailure | null;
  /** The undo's own words once it ran (or why it could not). */
  undoMessage: string | null;
}

export interface LogLine {
  /** Monotonic within a run, for keyed lists. */
  n: number;
  step: string | null;
  kind: 'stdout' | 'stderr' | 'note';
  text: string;
}

export type RunKind = 'apply' | 'dry-run' | 'recover';

export interface RunState {
  applyId: string;
  kind: RunKind;
  planId: string | null;
  steps: RunStep[];
  log: LogLine[];
  /** Why a rollback began; null when none did. */
  rollback: string | null;
  outcome: ApplyOutcome | null;
  cancelRequested: boolean;
}

/** Enough to read what a long nixos-install did last, without the page growing without bound. */
export const LOG_LIMIT = 2000;

export function startRun(applyId: string, kind: RunKind, plan: Plan | null): RunState {
  return {
    applyId,
    kind,
    planId: plan?.id ?? null,
    steps: (plan?.steps ?? []).map((s) => ({
      id: s.id,
      title: visibleText(s.title),
      risk: s.risk,
      state: 'pending',
      percent: null,
      failure: null,
      undoMessage: null,
    })),
    log: [],
    rollback: null,
    outcome: null,
    cancelRequested: false,
  };
}

function appendLog(log: LogLine[], line: Omit<LogLine, 'n'>): LogLine[] {
  const n = (log.at(-1)?.n ?? 0) + 1;
  const next = [...log, { ...line, n }];
  return next.length > LOG_LIMIT ? next.slice(next.length - LOG_LIMIT) : next;
}

function patchStep(steps: RunStep[], id: string, patch: Partial<RunStep>): RunStep[] {
  if (!steps.some((s) => s.id === id))
    // A recovery names steps the page never saw in a plan: they join the list as they come.
    return [
      ...steps,
      {
        id,
        title: id,
        risk: '',
        state: 'pending',
        percent: null,
        failure: null,
        undoMessage: null,
        ...patch,
      },
    ];
  return steps.map((s) => (s.id === id ? { ...s, ...patch } : s));
}

/**
 * Folds one event in. Events carry the plan's titles, tools' output and error text: every string
 * in them is made visible first (one line each), so no view of the run shows a hidden character.
 */
export function reduceRun(state: RunState, received: ApplyProgress): RunState {
  const event = visibleStrings(received);
  switch (event.type) {
    case 'plan-started':
      return {
        ...state,
        planId: event.planId,
        steps: event.steps.map((s) => {
          const known = state.steps.find((k) => k.id === s.id);
          return (
            known ?? {
              id: s.id,
              title: s.title,
              risk: s.risk,
              state: 'pending',
              percent: null,
              failure: null,
              undoMessage: null,
            }
          );
        }),
        log: appendLog(state.log, {
          step: null,
          kind: 'note',
          text: `${event.dryRun ? 'Dry run of' : 'Applying'} plan ${event.planId}: ${event.steps.length} steps.`,
        }),
      };
    case 'step-started':
      return {
        ...state,
        steps: patchStep(state.steps, event.step, { title: event.title, state: 'running' }),
        log: appendLog(state.log, {
          step: event.step,
          kind: 'note',
          text: `[${event.index + 1}/${event.total}] ${event.title}`,
        }),
      };
    case 'output':
      return {
        ...state,
        log: appendLog(state.log, { step: event.step, kind: event.stream, text: event.line }),
      };
    case 'progress':
      return { ...state, steps: patchStep(state.steps, event.step, { percent: event.percent }) };
    case 'step-finished':
      return {
        ...state,
        steps: patchStep(state.steps, event.step, {
          state: event.ok ? 'done' : 'failed',
          percent: null,
          failure: event.failure,
        }),
        log: event.ok
          ? state.log
          : appendLog(state.log, {
              step: event.step,
              kind: 'stderr',
              text: `${event.step} failed: ${event.failure === null ? 'no reason given' : failureHeadline(event.failure)}`,
            }),
      };
    case 'rollback-started':
      return {
        ...state,
        rollback: event.reason,
        log: appendLog(state.log, {
          step: null,
          kind: 'note',
          text: `Rolling back: ${event.reason}`,
        }),
      };
    case 'step-undone':
      return {
        ...state,
        steps: patchStep(state.steps, event.step, {
          state: event.ok ? 'undone' : 'not-undone',
          undoMessage: event.message,
        }),
        log: appendLog(state.log, {
          step: event.step,
          kind: event.ok ? 'note' : 'stderr',
          text: `${event.ok ? 'Undone' : 'NOT undone'} ${event.step}: ${event.message}`,
        }),
      };
    case 'plan-finished':
      return {
        ...state,
        log: appendLog(state.log, { step: null, kind: 'note', text: event.result.message }),
      };
  }
}

export function finishRun(state: RunState, received: ApplyOutcome): RunState {
  // The result's words may span lines; everything else in them is made visible.
  const outcome = visibleStrings(received, { multiline: true });
  // A step still marked running when the run ended did not finish: the outcome says why.
  const steps = state.steps.map((s) =>
    s.state === 'running' ? { ...s, state: 'failed' as const, percent: null } : s,
  );
  return { ...state, steps, outcome };
}

export interface Progress {
  /** Steps that ended (done, failed, or undone after running). */
  finished: number;
  total: number;
  /** 0..100, counting the running step's own percentage when its tool gives one. */
  percent: number;
  current: RunStep | null;
}

export function runProgress(state: RunState): Progress {
  const total = state.steps.length;
  const finished = state.steps.filter((s) => s.state !== 'pending' && s.state !== 'running').length;
  const current = state.steps.find((s) => s.state === 'running') ?? null;
  const partial = (current?.percent ?? 0) / 100;
  const percent =
    total === 0
      ? state.outcome === null
        ? 0
        : 100
      : Math.min(100, Math.round(((finished + partial) / total) * 100));
  return { finished, total, percent, current };
}

/** The one-line headline of how a run ended, as the result panel states it. */
export function outcomeHeadline(state: RunState): string {
  const o = state.outcome;
  if (o === null) return '';
  switch (o.kind) {
    case 'dismissed':
      return 'Authentication dismissed: nothing was changed';
    case 'not-authorised':
      return 'Not authorised: nothing was changed';
    case 'refused-input':
      return 'The helper refused the plan: nothing was changed';
    case 'exited-early':
      return 'Stopped before anything ran: nothing was changed';
    case 'stopped-mid-step':
      return 'Stopped in the middle of a step';
    case 'finished':
      break;
  }
  switch (o.result?.status) {
    case 'applied':
      return 'Applied: every step is done';
    case 'dry-run':
      return o.result.cancelled ? 'Dry run cancelled' : 'Dry run finished: nothing was changed';
    case 'refused':
      return 'Refused before anything ran: nothing was changed';
    case 'rolled-back':
      return o.result.cancelled
        ? 'Cancelled and rolled back: the machine is as before'
        : 'A step failed and everything was rolled back';
    case 'rollback-incomplete':
      return 'Rolled back, but some steps could not be undone';
    case 'nothing-to-do':
      return 'Nothing to do';
    case undefined:
      return state.kind === 'recover' ? 'Recovery ended' : 'Ended';
  }
}

/** The tone of the result panel. */
export function outcomeTone(state: RunState): 'ok' | 'warn' | 'error' | 'neutral' {
  const o = state.outcome;
  if (o === null) return 'neutral';
  if (o.kind === 'stopped-mid-step') return 'error';
  if (o.kind !== 'finished') return 'warn';
  switch (o.result?.status) {
    case 'applied':
    case 'dry-run':
    case 'nothing-to-do':
      return o.result.cancelled ? 'warn' : 'ok';
    case 'rolled-back':
    case 'refused':
      return 'warn';
    default:
      return 'error';
  }
}
