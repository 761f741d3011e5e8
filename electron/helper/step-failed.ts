// What went wrong in a step, classified once where it happened (the executor) into the protocol's
// StepFailure, so the journal, the events, the result and the log all say the same thing.
import type { StepFailure } from '../../shared/ops/step-failure';
import { errorMessage } from '../../shared/model/errors';
import { HostError } from '../host/host';
import { missingCommand, missingCommandSentence } from './missing-facility';

/** A step failed for a reason the executor already classified. */
export class StepFailed extends Error {
  override readonly name = 'StepFailed';
  constructor(readonly failure: StepFailure) {
    super(failure.message);
  }
}

const noCommand = { argv: null, exitCode: null, stderrTail: [] };

export function preconditionFailed(problem: string): StepFailed {
  return new StepFailed({ kind: 'precondition', message: problem, ...noCommand });
}

/**
 * A failure of a running command that is no exit code (timed out, cancelled, could not start):
 * the command and what it printed on stderr so far stay with it.
 */
export function commandStopped(
  error: unknown,
  argv: readonly string[],
  stderrSoFar: string[],
): unknown {
  if (!(error instanceof HostError) || (error.code !== 'TIMEOUT' && error.code !== 'ABORTED'))
    return error;
  return new StepFailed({
    kind: error.code === 'TIMEOUT' ? 'timed-out' : 'cancelled',
    message: error.code === 'TIMEOUT' ? error.message : 'Cancelled.',
    argv: [...argv],
    exitCode: null,
    stderrTail: stderrSoFar,
  });
}

/** Whatever a step threw, as a StepFailure; `where` names the machine for a missing program. */
export function stepFailureOf(error: unknown, stepId: string, where: string): StepFailure {
  if (error instanceof StepFailed) return error.failure;
  if (error instanceof HostError && error.code === 'ABORTED')
    return { kind: 'cancelled', message: 'Cancelled.', ...noCommand };
  const command = missingCommand(error);
  if (command !== null)
    return {
      kind: 'missing-command',
      message: missingCommandSentence(command, where, [stepId]),
      ...noCommand,
    };
  return {
    kind: error instanceof HostError && error.code === 'TIMEOUT' ? 'timed-out' : 'host-error',
    message: errorMessage(error),
    ...noCommand,
  };
}
