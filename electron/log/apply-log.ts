// An apply run as the user's log keeps it: each step's time, and a failed step's whole story
// (argv, exit code, stderr's tail), which the Apply view shows only while it is open.
import type { ApplyOutcome, HelperEvent, Request } from '../../shared/ops/helper-protocol';
import type { AppLog } from './app-log';

export interface ApplyLogger {
  event(event: HelperEvent): void;
  outcome(outcome: ApplyOutcome): void;
  /** The run ended with an exception instead of an outcome: its stack is kept. */
  threw(error: unknown): void;
}

/** Logs one run, named by `runId`; with no log, nothing. `now` is for tests. */
export function applyLogger(
  log: AppLog | null,
  runId: string,
  request: Request,
  where: string,
  now: () => number = Date.now,
): ApplyLogger {
  if (log === null)
    return { event: () => undefined, outcome: () => undefined, threw: () => undefined };
  const started = now();
  const stepStarted = new Map<string, number>();
  log.write('info', 'run-started', {
    run: runId,
    type: request.type,
    where,
    planId:
      request.type === 'apply'
        ? request.plan.id
        : request.type === 'recover'
          ? request.planId
          : null,
    dryRun: request.type === 'apply' && request.dryRun,
  });
  return {
    event(e) {
      if (e.type === 'step-started') stepStarted.set(e.step, now());
      if (e.type === 'step-finished') {
        const ms = now() - (stepStarted.get(e.step) ?? started);
        if (e.failure === null) log.write('info', 'step-done', { run: runId, step: e.step, ms });
        else
          log.write('error', 'step-failed', {
            run: runId,
            step: e.step,
            ms,
            kind: e.failure.kind,
            message: e.failure.message,
            argv: e.failure.argv,
            exitCode: e.failure.exitCode,
            stderrTail: e.failure.stderrTail,
          });
      }
      if (e.type === 'step-undone')
        log.write(e.ok ? 'info' : 'error', 'step-undone', {
          run: runId,
          step: e.step,
          ok: e.ok,
          message: e.message,
        });
      if (e.type === 'error')
        log.write('error', 'helper-refused', { run: runId, code: e.code, message: e.message });
    },
    outcome(o) {
      log.write(o.kind === 'finished' ? 'info' : 'error', 'run-ended', {
        run: runId,
        kind: o.kind,
        status: o.result?.status ?? null,
        failedStep: o.result?.failedStep ?? null,
        message: o.message,
        ms: now() - started,
      });
    },
    threw(error) {
      log.write('error', 'run-threw', {
        run: runId,
        stack: error instanceof Error ? (error.stack ?? error.message) : String(error),
        ms: now() - started,
      });
    },
  };
}
