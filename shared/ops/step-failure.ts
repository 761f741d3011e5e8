// Why a step failed, as data rather than a sentence: the executor fills it, the helper protocol
// carries it, the Apply view and the CLI render it, and the user's log keeps it whole. The kinds
// are a closed list, so every renderer switches over all of them.
import * as v from 'valibot';
import { unreachableCase } from '../api/error-codes';
import { shellQuote } from '../emit/shell-quote';

export const STEP_FAILURE_KINDS = [
  /** The command ran and exited non-zero. */
  'command-failed',
  /** The command ran past its verb's time limit and was killed. */
  'timed-out',
  /** The user cancelled before or during the step. */
  'cancelled',
  /** The live check before the step found the machine not as the plan needs it. */
  'precondition',
  /** A program the step needs is not on the machine. */
  'missing-command',
  /** Reading, writing or reaching the machine failed (a file, a dropped connection). */
  'host-error',
] as const;
export type StepFailureKind = (typeof STEP_FAILURE_KINDS)[number];

/** The last lines of stderr a failure carries: enough to see why, small enough for an event. */
export const STDERR_TAIL_LINES = 20;

export const StepFailureSchema = v.strictObject({
  kind: v.picklist(STEP_FAILURE_KINDS),
  /** One sentence for the user, also what the journal records. */
  message: v.string(),
  /** The command as the helper built it from the verb; null when the step runs none. */
  argv: v.nullable(v.array(v.string())),
  exitCode: v.nullable(v.number()),
  stderrTail: v.array(v.string()),
});
export type StepFailure = v.InferOutput<typeof StepFailureSchema>;

/** The last STDERR_TAIL_LINES non-empty lines of a command's standard error. */
export function stderrTail(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .slice(-STDERR_TAIL_LINES);
}

/** Shows argv as a user would type it (an argv no shell line can carry is shown as it is). */
export function displayArgv(argv: readonly string[]): string {
  try {
    return shellQuote(argv);
  } catch {
    return argv.join(' ');
  }
}

/** The headline of a failure, one line, for a step's row and the CLI. */
export function failureHeadline(failure: StepFailure): string {
  switch (failure.kind) {
    case 'command-failed':
      return `exited ${failure.exitCode ?? '?'}: ${failure.message}`;
    case 'timed-out':
      return `timed out: ${failure.message}`;
    case 'cancelled':
      return 'cancelled';
    case 'precondition':
      return `not run, the machine is not as the plan needs: ${failure.message}`;
    case 'missing-command':
      return `not run: ${failure.message}`;
    case 'host-error':
      return failure.message;
    default:
      return unreachableCase(failure.kind, 'step failure kind');
  }
}

/** The failure as lines for a terminal: headline, the command, then stderr's tail. */
export function formatStepFailure(failure: StepFailure): string[] {
  const lines = [failureHeadline(failure)];
  if (failure.argv !== null) lines.push(`command: ${displayArgv(failure.argv)}`);
  if (failure.stderrTail.length > 0)
    lines.push('stderr (last lines):', ...failure.stderrTail.map((l) => `  ${l}`));
  return lines;
}
