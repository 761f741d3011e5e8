// The one router of helper requests: the root binary (its stdin), the in-process run (the app or
// the CLI already root) and the run over SSH (the executor here, root there) all hand a parsed
// request, the machine and a sink for events to handleRequest, and read the same events back.
import { errorMessage } from '../../shared/model/errors';
import type { Verb } from '../../shared/ops/verbs';
import { EXIT, exitCodeFor } from '../../shared/ops/helper-protocol';
import type { HelperEvent, Request } from '../../shared/ops/helper-protocol';
import type { ExecHost } from './exec-host';
import { applyPlan } from './executor';
import { recover } from './recover';
import { DEFAULT_JOURNAL_DIR, cleanStaleMarkers, findUnfinished } from './journal';

export interface HandleOptions {
  journalDir?: string;
  signal?: AbortSignal;
  timeoutsMs?: Partial<Record<Verb, number>>;
}

/**
 * Runs one request on `host`, sending every event to `emit`, the last being `result`,
 * `unfinished` or `error`; resolves with the helper's exit code. It never throws: what fails
 * inside becomes an `internal` error event (the journal says what ran).
 */
export async function handleRequest(
  request: Request,
  host: ExecHost,
  emit: (event: HelperEvent) => void,
  options: HandleOptions = {},
): Promise<number> {
  const journalDir = options.journalDir ?? DEFAULT_JOURNAL_DIR;
  const common = {
    host,
    journalDir,
    onEvent: emit,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutsMs ? { timeoutsMs: options.timeoutsMs } : {}),
  };
  try {
    // Markers of plans that ended while their helper could not remove them (killed right after
    // the final record): a failure here must not stop the request. A dry run changes nothing.
    if (!(request.type === 'apply' && request.dryRun))
      await cleanStaleMarkers(host, journalDir).catch(() => undefined);
    if (request.type === 'list-unfinished') {
      emit({ type: 'unfinished', plans: await findUnfinished(host, journalDir) });
      return EXIT.ok;
    }
    const result =
      request.type === 'apply'
        ? await applyPlan(request.plan, {
            ...common,
            dryRun: request.dryRun,
            expectedSha256: request.sha256,
          })
        : await recover(request.planId, request.mode, common);
    emit({ type: 'result', result });
    return exitCodeFor(result);
  } catch (error) {
    // Only the journal or the host itself failing gets here.
    emit({
      type: 'error',
      code: 'internal',
      message: `The helper failed: ${errorMessage(error)}. Check for an unfinished plan with \`cohabit recover\`.`,
    });
    return EXIT.rollbackIncomplete;
  }
}
