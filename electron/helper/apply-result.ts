// The result shapes every run ends with: refused before anything ran, and the final event.
import type { ApplyEvent, ApplyResult } from '../../shared/ops/helper-protocol';

export const emptyResult = (planId: string | null): ApplyResult => ({
  status: 'refused',
  planId,
  message: '',
  cancelled: false,
  failedStep: null,
  failure: null,
  problems: [],
  undone: [],
  notUndone: [],
});

export function refused(planId: string | null, problems: string[]): ApplyResult {
  return {
    ...emptyResult(planId),
    problems,
    message: `The plan was refused before anything ran; nothing was changed.\n${problems.map((p) => `- ${p}`).join('\n')}`,
  };
}

export function finish(result: ApplyResult, emit: (e: ApplyEvent) => void): ApplyResult {
  emit({ type: 'plan-finished', result });
  return result;
}
